"""Audio helpers: a file's duration (PyAV reads WAV, MP3, AAC, Opus, ...), and silent or sine-tone WAV files
(16-bit PCM, written with the standard library) for silent tracks and tests."""

from __future__ import annotations

import math
import os
import wave
from pathlib import Path

import av
import numpy as np

__all__ = ["audio_duration", "check_audio", "write_silence", "write_tone"]


def check_audio(path: str | os.PathLike[str]) -> None:
    """`ValueError` saying why `path` cannot be a sound track: missing, not a file FFmpeg reads, no audio stream,
    or one whose first sound does not decode. Checked before anything is generated for it."""
    name = os.fspath(path)
    if not Path(name).is_file():
        raise ValueError(f"{name} does not exist")
    try:
        with av.open(name) as container:
            if not container.streams.audio:
                raise ValueError(f"{name} has no audio track (is it a picture or a silent video?)")
            for _ in container.decode(container.streams.audio[0]):
                return  # the first frame of sound decodes
    except av.FFmpegError as exc:
        raise ValueError(f"{name} is not an audio file FFmpeg can read ({exc})") from None
    raise ValueError(f"{name} has an audio track with no sound in it")


def audio_duration(path: str | os.PathLike[str]) -> float:
    """Seconds of the first audio track: from the stream header; else the container's, when the file holds only
    this track; else by decoding it (WebM keeps no per-stream duration)."""
    with av.open(os.fspath(path)) as container:
        if not container.streams.audio:
            raise ValueError(f"{os.fspath(path)} has no audio track")
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if len(container.streams) == 1 and container.duration is not None:
            return container.duration / av.time_base
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


def write_tone(
    path: str | os.PathLike[str],
    *,
    seconds: float,
    frequency: float = 440.0,
    amplitude: float = 0.3,
    rate: int = 22050,
    channels: int = 1,
) -> Path:
    """Writes a sine tone (`amplitude` 0..1 of full scale) as a 16-bit WAV; frequency or amplitude 0 is silence."""
    if seconds < 0 or rate <= 0 or channels < 1:
        raise ValueError("seconds must be 0 or more, rate and channels positive")
    if not 0 <= amplitude <= 1:
        raise ValueError(f"amplitude goes from 0 to 1, got {amplitude}")
    count = round(seconds * rate)
    wave_ = amplitude * np.sin(2 * math.pi * frequency * np.arange(count) / rate)
    samples = np.repeat(np.rint(wave_ * 32767).astype("<i2")[:, None], channels, axis=1)
    target = Path(path)
    with wave.open(str(target), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return target


def write_silence(path: str | os.PathLike[str], *, seconds: float, rate: int = 22050, channels: int = 1) -> Path:
    """Writes `seconds` of digital silence as a 16-bit WAV."""
    return write_tone(path, seconds=seconds, amplitude=0.0, rate=rate, channels=channels)
