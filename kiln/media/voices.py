"""The voices kiln speaks with: OpenAI's voice names and kiln's own, each a distinct espeak-ng voice (a language
and a variant, `en-us+f3`), and OpenAI's `speed` as the engine's rate.

OpenAI's eleven voices map to eleven different espeak-ng voices (accent and variant), so a client that picks `nova`
or `onyx` hears a difference; kiln's own ids name the accents plainly. `GET /v1/audio/voices` lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from kiln.errors import InvalidInput
from kiln.media.tts import DEFAULT_RATE, MAX_RATE, MIN_RATE

__all__ = ["MAX_SPEED", "MIN_SPEED", "VOICES", "VoiceInfo", "find_voice", "speech_rate"]

MIN_SPEED, MAX_SPEED = 0.25, 4.0  # OpenAI's range of `speed`


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    id: str
    engine_voice: str  # espeak-ng's `-v` argument: language, then `+variant`
    label: str
    openai: bool


def _voices(*voices: VoiceInfo) -> Mapping[str, VoiceInfo]:
    return MappingProxyType({voice.id: voice for voice in voices})


VOICES = _voices(
    VoiceInfo("alloy", "en-us+m3", "Alloy (American, neutral male)", True),
    VoiceInfo("ash", "en-us+m1", "Ash (American, deep male)", True),
    VoiceInfo("ballad", "en-gb+m4", "Ballad (British, soft male)", True),
    VoiceInfo("coral", "en-us+f2", "Coral (American, bright female)", True),
    VoiceInfo("echo", "en-gb+m3", "Echo (British male)", True),
    VoiceInfo("fable", "en-gb-x-rp+m2", "Fable (Received Pronunciation, male)", True),
    VoiceInfo("nova", "en-us+f3", "Nova (American female)", True),
    VoiceInfo("onyx", "en-us+m7", "Onyx (American, low male)", True),
    VoiceInfo("sage", "en-gb+f1", "Sage (British, calm female)", True),
    VoiceInfo("shimmer", "en-us+f4", "Shimmer (American, light female)", True),
    VoiceInfo("verse", "en-gb-scotland+m5", "Verse (Scottish male)", True),
    VoiceInfo("narrator", "en", "Narrator (kiln's narration default)", False),
    VoiceInfo("en-us-female", "en-us+f5", "American female", False),
    VoiceInfo("en-us-male", "en-us+m2", "American male", False),
    VoiceInfo("en-gb-female", "en-gb+f2", "British female", False),
    VoiceInfo("en-gb-male", "en-gb+m6", "British male", False),
    VoiceInfo("en-caribbean", "en-029+m3", "Caribbean English, male", False),
)


def find_voice(voice: str, *, field: str = "voice") -> VoiceInfo:
    """The voice called `voice` (any case); `InvalidInput(field)` listing the voices otherwise."""
    found = VOICES.get(voice.strip().lower())
    if found is None:
        raise InvalidInput(field, f"no voice {voice[:40]!r}; use one of {', '.join(VOICES)} (GET /v1/audio/voices)")
    return found


def speech_rate(speed: float, *, field: str = "speed") -> int:
    """OpenAI's `speed` (1 = the voice's normal pace) as the engine's words per minute, within what espeak-ng
    speaks (80 to 450: speeds under about 0.5 or over about 2.7 are held at those ends)."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise InvalidInput(field, f"speed goes from {MIN_SPEED} to {MAX_SPEED} (1 is normal), got {speed}")
    return max(MIN_RATE, min(MAX_RATE, round(DEFAULT_RATE * speed)))
