"""The video's sound: a music track (looped or cut to the video) with the narration lines mixed over it.

Everything is decoded with PyAV to 48 kHz stereo float and mixed with numpy. While a line plays, the music is
ducked (turned down to `duck`, with short ramps so it never clicks); a mix that would clip is scaled down as a
whole. The result is a 16-bit WAV, which `encode_video` encodes to AAC under the picture.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

__all__ = ["MIX_RATE", "Line", "decode_audio", "mix_soundtrack"]

MIX_RATE = 48_000
RAMP_SECONDS = 0.2  # how fast the music ducks and comes back
HEADROOM = 0.98  # the mix's peak, at most

Samples = npt.NDArray[np.float32]  # (samples, 2)


@dataclass(frozen=True, slots=True)
class Line:
    """A narration line's audio and where it starts, in seconds."""

    path: Path
    start: float


def decode_audio(path: str | os.PathLike[str], rate: int = MIX_RATE) -> Samples:
    """The first audio track of a file as float32 stereo samples at `rate`, shape (samples, 2). Mono plays at
    full level on both sides (FFmpeg's own upmix would lower it by 3 dB)."""
    with av.open(os.fspath(path)) as container:
        if not container.streams.audio:
            raise ValueError(f"{os.fspath(path)} has no audio track")
        stream = container.streams.audio[0]
        channels = 1 if stream.channels == 1 else 2
        resampler = av.AudioResampler(format="flt", layout="mono" if channels == 1 else "stereo", rate=rate)
        chunks = [
            frame.to_ndarray().reshape(-1, channels)
            for decoded in container.decode(stream)
            for frame in resampler.resample(decoded)
        ]
        chunks += [frame.to_ndarray().reshape(-1, channels) for frame in resampler.resample(None)]
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros((0, channels), np.float32)
    return np.repeat(samples, 2, axis=1) if channels == 1 else samples


def mix_soundtrack(
    path: Path,
    *,
    duration: float,
    music: Path | None = None,
    music_volume: float = 1.0,
    loop: bool = True,
    lines: Sequence[Line] = (),
    line_volume: float = 1.0,
    duck: float = 1.0,
) -> Path:
    """Writes `duration` seconds of music and lines to `path` (a 16-bit 48 kHz stereo WAV)."""
    total = round(duration * MIX_RATE)
    mix = np.zeros((total, 2), np.float32)
    spoken: list[tuple[int, int]] = []
    for line in lines:
        samples = decode_audio(line.path)
        start = round(line.start * MIX_RATE)
        end = min(total, start + len(samples))
        if end > start:
            mix[start:end] += line_volume * samples[: end - start]
            spoken.append((start, end))
    if music is not None:
        track = _fitted(decode_audio(music), total, loop)
        gain = music_volume * _duck_envelope(total, spoken, duck)
        mix += track * gain[:, None]
    peak = float(np.abs(mix).max()) if total else 0.0
    if peak > HEADROOM:
        mix *= HEADROOM / peak
    _write_wav(path, mix)
    return path


def _fitted(track: Samples, total: int, loop: bool) -> Samples:
    """The track cut to `total` samples; a shorter one repeated when `loop`, else padded with silence."""
    if len(track) == 0:
        return np.zeros((total, 2), np.float32)
    if len(track) < total and loop:
        track = np.tile(track, (-(-total // len(track)), 1))
    if len(track) < total:
        track = np.concatenate([track, np.zeros((total - len(track), 2), np.float32)])
    return track[:total]


def _duck_envelope(total: int, spoken: Sequence[tuple[int, int]], duck: float) -> Samples:
    """1 everywhere but under the spoken spans, where it ramps down to `duck` and back up."""
    gain = np.ones(total, np.float32)
    if duck >= 1:
        return gain
    ramp = round(RAMP_SECONDS * MIX_RATE)
    for start, end in spoken:
        low, high = max(0, start - ramp), min(total, end + ramp)
        index = np.arange(low, high)
        # distance outside [start, end) in ramps: 0 inside, 1 a ramp away
        distance = np.clip(np.maximum(start - index, index - (end - 1)) / ramp, 0.0, 1.0)
        gain[low:high] = np.minimum(gain[low:high], duck + (1 - duck) * distance)
    return gain


def _write_wav(path: Path, samples: Samples) -> None:
    pcm = np.clip(np.rint(samples * 32767), -32768, 32767).astype("<i2")
    with wave.open(os.fspath(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(MIX_RATE)
        out.writeframes(pcm.tobytes())
