"""One spoken line as audio bytes: the text, a voice (`kiln.media.voices`), a speed, and an output format
(`kiln.media.speech_formats`), through the server's text-to-speech engine (`KILN_TTS`, espeak-ng by default).

`POST /v1/audio/speech` and `kiln speak` both come here. OpenAI's model names (`tts-1`, `tts-1-hd`,
`gpt-4o-mini-tts`) and `kiln-tts` mean the configured engine, as the images route maps `dall-e-*` to the default
model; a registered engine may be named too (`espeak-ng`), but never a `module:Class` (that is the server's choice
through `KILN_TTS`, not a caller's).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiln.errors import InvalidInput
from kiln.media.speech_formats import FORMATS, encode_speech
from kiln.media.tts import SYNTHESIZERS, SpeechSynthesizer, synthesizer
from kiln.media.voices import find_voice, speech_rate

__all__ = ["ENGINE_MODELS", "MAX_INPUT_CHARS", "SpokenLine", "speak", "speech_engine"]

ENGINE_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "kiln-tts")  # the configured engine
MAX_INPUT_CHARS = 4096  # OpenAI's own limit on `input`


@dataclass(frozen=True, slots=True)
class SpokenLine:
    audio: bytes
    content_type: str
    duration: float  # seconds, as the engine spoke it
    engine_voice: str
    rate: int  # words per minute


def speech_engine(model: str, configured: str, *, field: str = "model") -> SpeechSynthesizer:
    """The engine `model` names: the configured one (`KILN_TTS`) for OpenAI's names and `kiln-tts`, or a registered
    engine by name; `InvalidInput(field)` otherwise."""
    name = model.strip().lower()
    if name in ENGINE_MODELS or name == configured:
        return synthesizer(configured)
    if name in SYNTHESIZERS:
        return synthesizer(name)
    known = ", ".join((*ENGINE_MODELS, *SYNTHESIZERS))
    raise InvalidInput(field, f"no speech model {model[:40]!r}; use one of {known}")


def speak(text: str, *, engine: SpeechSynthesizer, voice: str, speed: float = 1.0, format: str = "mp3") -> SpokenLine:
    """`text` spoken by `voice` at `speed` (1 = normal), encoded as `format`; `InvalidInput` naming `input`,
    `voice`, `speed` or `response_format`."""
    if not text.strip():
        raise InvalidInput("input", "the text is empty; send the words to speak")
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidInput("input", f"the text is {len(text)} characters; at most {MAX_INPUT_CHARS} are spoken at once")
    if format not in FORMATS:
        raise InvalidInput("response_format", f"no format {format[:20]!r}; use one of {', '.join(FORMATS)}")
    chosen = find_voice(voice)
    rate = speech_rate(speed)
    with tempfile.TemporaryDirectory(prefix="kiln-speech-") as folder:
        try:
            spoken = engine.synthesize(text, Path(folder) / "line.wav", voice=chosen.engine_voice, rate=rate)
        except InvalidInput as exc:  # the engine names its own fields (narration, voice, rate)
            field = {"narration": "input", "rate": "speed"}.get(exc.field or "", exc.field or "input")
            raise InvalidInput(field, exc.message) from exc
        audio = encode_speech(spoken.path, format)
    return SpokenLine(audio, FORMATS[format].content_type, spoken.duration, chosen.engine_voice, rate)
