"""`POST /v1/audio/speech`: OpenAI's speech API, so the official `openai` client's `audio.speech.create` works
unchanged against kiln.

OpenAI's models (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`) and `kiln-tts` are the server's speech engine (`KILN_TTS`,
espeak-ng by default); OpenAI's voices are distinct voices of it (`kiln.media.voices`, listed by
`GET /v1/audio/voices`); `speed` is its rate. The answer is the audio itself. Speaking is cheap (milliseconds per
line), so it counts against no quota, but it needs a key like every route, and `input` is at most 4,096 characters.
Errors take OpenAI's shape, as on the images route: `{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from kiln.api.deps import CallerDep, ServicesDep
from kiln.api.routes.openai import OpenAIRoute
from kiln.api.schemas.audio import SpeechRequest
from kiln.media.speech import speak, speech_engine

__all__ = ["router"]

router = APIRouter(prefix="/v1/audio", tags=["openai"], route_class=OpenAIRoute)

_AUDIO: dict[str, dict[str, Any]] = {f"audio/{kind}": {} for kind in ("mpeg", "ogg", "aac", "flac", "wav", "pcm")}


@router.post(
    "/speech",
    response_class=Response,
    summary="Speak text (OpenAI Audio API)",
    responses={200: {"content": _AUDIO, "description": "The audio, in `response_format`"}},
)
def speech(body: SpeechRequest, services: ServicesDep, caller: CallerDep) -> Response:
    engine = speech_engine(body.model, services.settings.tts)
    line = speak(body.input, engine=engine, voice=body.voice, speed=body.speed, format=body.response_format)
    headers = {"X-Kiln-Voice": line.engine_voice, "X-Kiln-Duration": f"{line.duration:.3f}"}
    return Response(line.audio, media_type=line.content_type, headers=headers)
