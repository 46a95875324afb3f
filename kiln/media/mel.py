"""Wav2Lip's mel spectrogram in numpy, and its windows aligned to a video's frames.

Speech is decoded to 16 kHz mono (PyAV), pre-emphasised (0.97), framed by an 800-sample Hann STFT every 200
samples (80 mel frames a second), mapped to 80 Slaney mel bands (55-7600 Hz; librosa's filters, as Wav2Lip's own
code takes them), turned to decibels (-20 dB reference) and scaled to -4..4, as the published model was trained.
Video frame i is spoken by the 16 mel frames (0.2 s) that start at `80 * i / fps`; frames past the end of the
speech get the last window.
"""

from __future__ import annotations

import os
from functools import cache

import numpy as np
from numpy.typing import NDArray

from kiln.media.audio import mono_samples

__all__ = ["SAMPLE_RATE", "load_speech", "mel_spectrogram", "mel_windows"]

SAMPLE_RATE = 16_000
N_FFT, HOP, N_MELS, FMIN, FMAX = 800, 200, 80, 55.0, 7600.0
MEL_PER_SECOND = SAMPLE_RATE / HOP
_PREEMPHASIS, _REF_DB, _MIN_DB, _MAX_ABS = 0.97, 20.0, -100.0, 4.0

Floats = NDArray[np.float32]


def load_speech(path: str | os.PathLike[str]) -> Floats:
    """The first audio track of `path` as 16 kHz mono float samples; `ValueError` when it has none."""
    return mono_samples(path, SAMPLE_RATE)


@cache
def _mel_filters() -> NDArray[np.float64]:
    """80 triangular, area-normalised filters on Slaney's mel scale over the STFT's bins (Wav2Lip's own)."""
    import librosa  # imported by the first lip-sync, not when kiln starts

    filters: NDArray[np.float64] = librosa.filters.mel(
        sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, fmin=FMIN, fmax=FMAX, dtype=np.float64
    )
    return filters


def mel_spectrogram(samples: Floats) -> Floats:
    """(80, frames) normalised mel spectrogram of 16 kHz samples, about 80 frames a second."""
    emphasised = np.append(samples[:1], samples[1:] - _PREEMPHASIS * samples[:-1]).astype(np.float64)
    padded = np.pad(emphasised, N_FFT // 2, mode="reflect" if len(emphasised) > N_FFT // 2 else "constant")
    count = 1 + max(len(padded) - N_FFT, 0) // HOP
    window = np.hanning(N_FFT + 1)[:-1]  # periodic Hann
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(count)[:, None]
    spectrum = np.abs(np.fft.rfft(np.pad(padded, (0, max(N_FFT - len(padded), 0)))[index] * window, axis=1)).T
    decibels = 20.0 * np.log10(np.maximum(1e-5, _mel_filters() @ spectrum)) - _REF_DB
    scaled = 2 * _MAX_ABS * (decibels - _MIN_DB) / -_MIN_DB - _MAX_ABS
    return np.clip(scaled, -_MAX_ABS, _MAX_ABS).astype(np.float32)


def mel_windows(mel: Floats, *, fps: float, frames: int, steps: int = 16) -> Floats:
    """(frames, 80, steps): the mel window each video frame is spoken by (Wav2Lip's `80 / fps` stride)."""
    if mel.shape[1] < steps:  # speech shorter than one window: padded with the quietest value
        mel = np.pad(mel, ((0, 0), (0, steps - mel.shape[1])), constant_values=-_MAX_ABS)
    starts = [min(int(i * MEL_PER_SECOND / fps), mel.shape[1] - steps) for i in range(frames)]
    return np.stack([mel[:, start : start + steps] for start in starts]).astype(np.float32)
