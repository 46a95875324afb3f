"""Audio helpers: a file's duration and its samples as mono floats (PyAV reads WAV, MP3, AAC, Opus, ...), and
silent or sine-tone WAV files (16-bit PCM, written with the standard library) for silent tracks and tests."""

from __future__ import annotations

import math
import os
import wave
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

__all__ = ["AudioTooLong", "audio_duration", "check_audio", "mono_samples", "write_silence", "write_tone"]


class AudioTooLong(ValueError):
    """A track longer than the caller allows, found from its header or while decoding (a header may lie)."""


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


def mono_samples(
    path: str | os.PathLike[str], rate: int, *, max_seconds: float | None = None
) -> npt.NDArray[np.float32]:
    """The first audio track of `path` as mono float32 samples at `rate`, resampled while it is decoded.
    `ValueError` when it has no audio track; `AudioTooLong` past `max_seconds`, from the header before decoding and
    from the samples while decoding, so a long file is never held in memory; `av.FFmpegError` when FFmpeg cannot
    read it."""
    name = os.fspath(path)
    with av.open(name) as container:
        if not container.streams.audio:
            raise ValueError(f"{name} has no audio track")
        stream = container.streams.audio[0]
        if max_seconds is not None:
            declared = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None
            if declared is None and container.duration is not None:
                declared = container.duration / av.time_base
            if declared is not None and declared > max_seconds:
                raise AudioTooLong(f"{name} lasts {declared:.0f} s, over {max_seconds:g} s")
        limit = None if max_seconds is None else int(max_seconds * rate) + rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[npt.NDArray[np.float32]] = []
        count = 0
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunk = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                chunks.append(chunk)
                count += chunk.size
            if limit is not None and count > limit:
                raise AudioTooLong(f"{name} lasts over {max_seconds:g} s")
        chunks.extend(out.to_ndarray().reshape(-1).astype(np.float32) for out in resampler.resample(None))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


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
