"""Narration lines spoken once: each WAV is cached in the task's folder under a key of engine, text, voice and
rate, so a re-run (after a crash, or an edit to another shot) speaks only the lines that are new."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from kiln.errors import Cancelled
from kiln.media.audio import audio_duration
from kiln.media.tts import Speech, SpeechSynthesizer

__all__ = ["speak_lines"]


def speak_lines(
    lines: Sequence[str | None],
    engine: SpeechSynthesizer,
    cache: Path,
    *,
    voice: str,
    rate: int,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[Speech | None]:
    """A `Speech` per line (None where there is no line), synthesized or found in `cache`."""
    cache.mkdir(parents=True, exist_ok=True)
    spoken: list[Speech | None] = []
    for line in lines:
        if line is None:
            spoken.append(None)
            continue
        if should_stop():
            raise Cancelled("stopped while speaking the narration")
        key = json.dumps([engine.name, line, voice, rate], ensure_ascii=False)
        path = cache / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.wav"
        if path.is_file():
            spoken.append(Speech(path, audio_duration(path)))
            continue
        partial = path.with_suffix(".partial.wav")
        speech = engine.synthesize(line, partial, voice=voice, rate=rate)
        os.replace(speech.path, path)  # whole or absent: a crash never leaves a half-written line in the cache
        spoken.append(Speech(path, speech.duration))
    return spoken
