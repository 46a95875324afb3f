"""A generated clip's sound track (LTX-2's vocoder output) as samples: fitted to the clip, joined, written as WAV.

A model's audio is a little shorter or longer than its frames (its latents are rounded to whole audio frames), so
it is fitted to the clip's exact duration (cut, or padded with silence) before it is saved or muxed; the video's
encoder then cuts it to the sample (`kiln.media.soundtrack`). WAV is 16-bit PCM through the standard library:
lossless enough for a track that is encoded to AAC or Opus next.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ClipAudio", "read_wav", "write_wav"]

Samples = np.ndarray[Any, np.dtype[np.float32]]


@dataclass(frozen=True, slots=True)
class ClipAudio:
    """`samples`: (channels, count) floats in -1..1 at `rate` samples a second."""

    samples: Samples
    rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def seconds(self) -> float:
        return float(self.samples.shape[1]) / self.rate

    def fitted(self, seconds: float) -> ClipAudio:
        """Exactly `seconds` long: cut, or padded with silence at the end."""
        count = round(seconds * self.rate)
        have = self.samples.shape[1]
        if have >= count:
            return ClipAudio(np.ascontiguousarray(self.samples[:, :count]), self.rate)
        pad = np.zeros((self.channels, count - have), dtype=np.float32)
        return ClipAudio(np.concatenate([self.samples, pad], axis=1), self.rate)

    def without_start(self, seconds: float) -> ClipAudio:
        """The track after its first `seconds` (a joined segment's first frame repeats the one before)."""
        return ClipAudio(np.ascontiguousarray(self.samples[:, round(seconds * self.rate) :]), self.rate)

    @staticmethod
    def joined(parts: Sequence[ClipAudio]) -> ClipAudio:
        """The parts one after another (one rate and channel count)."""
        if not parts:
            raise ValueError("no audio to join")
        rate, channels = parts[0].rate, parts[0].channels
        if any(part.rate != rate or part.channels != channels for part in parts):
            raise ValueError("audio parts differ in rate or channels")
        return ClipAudio(np.concatenate([part.samples for part in parts], axis=1), rate)


def write_wav(path: str | os.PathLike[str], audio: ClipAudio) -> Path:
    """Writes 16-bit PCM WAV, atomically (a partial file is never left under `path`)."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    pcm = (np.clip(audio.samples, -1.0, 1.0) * 32767).round().astype("<i2")
    with wave.open(str(partial), "wb") as out:
        out.setnchannels(audio.channels)
        out.setsampwidth(2)
        out.setframerate(audio.rate)
        out.writeframes(np.ascontiguousarray(pcm.T).tobytes())
    os.replace(partial, target)
    return target


def read_wav(path: str | os.PathLike[str]) -> ClipAudio:
    """A 16-bit PCM WAV written by `write_wav`."""
    with wave.open(os.fspath(path), "rb") as source:
        channels, rate = source.getnchannels(), source.getframerate()
        if source.getsampwidth() != 2:
            raise ValueError(f"{os.fspath(path)} is not 16-bit PCM")
        raw = source.readframes(source.getnframes())
    pcm = np.frombuffer(raw, dtype="<i2").reshape(-1, channels).T
    return ClipAudio((pcm.astype(np.float32) / 32767).astype(np.float32), rate)
