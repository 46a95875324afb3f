"""`kiln speak "text" --voice nova --out line.mp3`: one line spoken by the text-to-speech engine (`KILN_TTS`), in
the format of the file's suffix, as `POST /v1/audio/speech` would answer it. Runs on this machine; no server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.media.speech import speak, speech_engine
from kiln.media.speech_formats import FORMATS
from kiln.media.voices import VOICES

__all__ = ["speak_command"]

console = Console()
_BY_SUFFIX = {info.extension: name for name, info in FORMATS.items()} | {".ogg": "opus", ".raw": "pcm"}


def speak_command(
    text: Annotated[str, typer.Argument(help="What to say (at most 4,096 characters)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write: .mp3 .opus/.ogg .aac .flac .wav .pcm")],
    voice: Annotated[
        str, typer.Option("--voice", "-v", help=f"An OpenAI voice or kiln's own: {', '.join(VOICES)}")
    ] = "alloy",
    speed: Annotated[float, typer.Option("--speed", help="0.25 to 4; 1 is the voice's normal pace")] = 1.0,
    format: Annotated[
        str | None, typer.Option("--format", help=f"{', '.join(FORMATS)}; default: from the suffix of --out")
    ] = None,
    model: Annotated[str, typer.Option("--model", help="tts-1, tts-1-hd, gpt-4o-mini-tts, kiln-tts")] = "tts-1",
) -> None:
    """Speak a line into an audio file (MP3, Opus, AAC, FLAC, WAV or raw PCM at 24 kHz)."""
    chosen = format or _BY_SUFFIX.get(out.suffix.lower())
    if chosen is None:
        suffixes = ", ".join(_BY_SUFFIX)
        raise InvalidInput("out", f"{out.name} has no suffix kiln knows; end it in {suffixes} or pass --format")
    line = speak(text, engine=speech_engine(model, Settings().tts), voice=voice, speed=speed, format=chosen)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".partial-{out.name}")
    partial.write_bytes(line.audio)
    os.replace(partial, out)
    console.print(f"{out} ({chosen}, {line.duration:.2f} s, voice {voice} = espeak-ng {line.engine_voice})")
