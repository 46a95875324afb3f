"""Text-to-speech: a line of text → a WAV file and its duration, through a pluggable engine.

`SpeechSynthesizer` is the protocol; `EspeakSynthesizer` (the `espeak-ng` command) is the default engine.
`synthesizer(name)` picks one by name: a registered engine (`espeak-ng`) or a user's own class given as
`package.module:ClassName`, built with no arguments (the `KILN_TTS` setting names it). Rates are words per
minute, voices are the engine's own names (`espeak-ng --voices` lists them).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import wave
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from kiln.errors import InvalidInput, KilnError

__all__ = [
    "DEFAULT_RATE",
    "DEFAULT_VOICE",
    "SYNTHESIZERS",
    "EspeakSynthesizer",
    "Speech",
    "SpeechSynthesizer",
    "synthesizer",
    "wav_duration",
]

DEFAULT_VOICE = "en"
DEFAULT_RATE = 165  # words per minute: a calm narration pace (espeak-ng's own default, 175, sounds hurried)
MIN_RATE, MAX_RATE = 80, 450  # what espeak-ng accepts


@dataclass(frozen=True, slots=True)
class Speech:
    """A synthesized line: the WAV file and how long it plays."""

    path: Path
    duration: float  # seconds


@runtime_checkable
class SpeechSynthesizer(Protocol):
    """Speaks text into a WAV file. `name` is part of cache keys: two engines never share a cached line."""

    name: str

    def synthesize(self, text: str, path: Path, *, voice: str, rate: int) -> Speech:
        """Writes `text` spoken by `voice` at `rate` words per minute to `path` (a .wav)."""
        ...


class EspeakSynthesizer:
    """The `espeak-ng` command (robotic but small, offline and fast: a line takes milliseconds)."""

    name = "espeak-ng"

    def __init__(self, binary: str = "espeak-ng", *, timeout: float = 60.0) -> None:
        self._binary = binary
        self._timeout = timeout

    def synthesize(self, text: str, path: Path, *, voice: str = DEFAULT_VOICE, rate: int = DEFAULT_RATE) -> Speech:
        if not text.strip():
            raise InvalidInput("narration", "the line is empty; write what should be said, or leave it out")
        if not MIN_RATE <= rate <= MAX_RATE:
            raise InvalidInput("rate", f"espeak-ng speaks {MIN_RATE} to {MAX_RATE} words per minute, got {rate}")
        executable = shutil.which(self._binary)
        if executable is None:
            raise KilnError(
                f"{self._binary} is not installed: install it (Debian/Ubuntu: `apt-get install espeak-ng`, "
                "macOS: `brew install espeak-ng`, or run scripts/install.sh) or pick another engine with KILN_TTS"
            )
        # The text goes in on stdin (-b 1: UTF-8), so a line that starts with "-" is never read as an option.
        command = [executable, "-b", "1", "-v", voice, "-s", str(rate), "-w", os.fspath(path), "--stdin"]
        try:
            result = subprocess.run(command, input=text.encode(), capture_output=True, timeout=self._timeout)
        except subprocess.TimeoutExpired:
            path.unlink(missing_ok=True)
            raise KilnError(f"espeak-ng took longer than {self._timeout:g} s to speak {text[:40]!r}") from None
        message = result.stderr.decode(errors="replace").strip()
        if "voice does not exist" in message:
            raise InvalidInput("voice", f"espeak-ng has no voice {voice!r}; `espeak-ng --voices` lists them")
        if result.returncode != 0 or not path.is_file():
            raise KilnError(f"espeak-ng failed (exit {result.returncode}): {message or 'no output'}")
        return Speech(path, wav_duration(path))


def wav_duration(path: Path) -> float:
    """Seconds of a PCM WAV file, from its header."""
    with wave.open(os.fspath(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


SYNTHESIZERS: Mapping[str, Callable[[], SpeechSynthesizer]] = MappingProxyType({"espeak-ng": EspeakSynthesizer})


def synthesizer(name: str) -> SpeechSynthesizer:
    """The engine called `name`: a registered one, or `package.module:ClassName` (built with no arguments)."""
    if name in SYNTHESIZERS:
        return SYNTHESIZERS[name]()
    module_name, _, class_name = name.partition(":")
    if not (module_name and class_name):
        known = ", ".join(SYNTHESIZERS)
        raise InvalidInput("tts", f"unknown engine {name!r}; use one of {known} or 'package.module:ClassName'")
    try:
        factory = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise InvalidInput("tts", f"cannot load {name!r}: {exc}") from exc
    engine = factory()
    if not isinstance(engine, SpeechSynthesizer):
        raise InvalidInput("tts", f"{name} has no `name` and `synthesize(text, path, *, voice, rate)`")
    return engine
