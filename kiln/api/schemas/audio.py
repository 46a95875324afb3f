"""Schemas of the audio routes: beat analysis (`POST /v1/audio/beats`) and speech (`POST /v1/audio/speech`, in
OpenAI's shape, as the official client sends it; `GET /v1/audio/voices`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kiln.jobs.text import PlainText
from kiln.media.speech import MAX_INPUT_CHARS
from kiln.media.voices import MAX_SPEED, MIN_SPEED

__all__ = [
    "BeatsRequest",
    "BeatsResponse",
    "SpeechFormat",
    "SpeechRequest",
    "Voice",
    "VoiceList",
]

SpeechFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]


class BeatsRequest(PlainText):
    model_config = ConfigDict(extra="forbid")

    audio: str = Field(
        min_length=1, max_length=200, description="The track: upload:<id> (POST /v1/uploads) or artifact:<id>"
    )


class BeatsResponse(BaseModel):
    duration_seconds: float = Field(description="The track's length")
    tempo_bpm: float = Field(description="Beats per minute: the mean spacing of the beats found")
    beats: list[float] = Field(description="Beat times in seconds from the start (frame = round(t * fps))")
    onsets: list[float] = Field(description="Onset times (each note or hit) in seconds from the start")


class SpeechRequest(PlainText):
    """`audio.speech.create(...)`'s body. Fields kiln has no use for (and any added later) are accepted and
    ignored, so the client works unchanged."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(
        min_length=1,
        max_length=200,
        description="tts-1, tts-1-hd, gpt-4o-mini-tts or kiln-tts: the server's speech engine (KILN_TTS)",
    )
    input: str = Field(min_length=1, max_length=MAX_INPUT_CHARS, description="The text to speak")
    voice: str = Field(
        min_length=1, max_length=100, description="An OpenAI voice (alloy, nova, ...) or an id of GET /v1/audio/voices"
    )
    response_format: SpeechFormat = Field(default="mp3", description="pcm: raw 16-bit little-endian mono, 24 kHz")
    speed: float = Field(default=1.0, ge=MIN_SPEED, le=MAX_SPEED, description="1 is the voice's normal pace")
    instructions: str | None = Field(default=None, max_length=4096, description="Accepted; espeak-ng ignores it")


class Voice(BaseModel):
    id: str = Field(description="What `voice` takes")
    engine_voice: str = Field(description="The engine's own voice it speaks with (espeak-ng: language+variant)")
    label: str
    openai: bool = Field(description="One of OpenAI's voice names")


class VoiceList(BaseModel):
    data: list[Voice]
