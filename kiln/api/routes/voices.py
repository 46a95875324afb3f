"""`GET /v1/audio/voices`: the voices `POST /v1/audio/speech` (and `kiln speak`) take, for a voice picker."""

from __future__ import annotations

from fastapi import APIRouter

from kiln.api.deps import CallerDep
from kiln.api.schemas.audio import Voice, VoiceList
from kiln.media.voices import VOICES

__all__ = ["router"]

router = APIRouter(prefix="/v1/audio", tags=["audio"])


@router.get("/voices", response_model=VoiceList, summary="The voices speech takes")
def voices(caller: CallerDep) -> VoiceList:
    """OpenAI's voice names first, then kiln's own, each with the engine's voice it speaks with."""
    return VoiceList(
        data=[Voice(id=v.id, engine_voice=v.engine_voice, label=v.label, openai=v.openai) for v in VOICES.values()]
    )
