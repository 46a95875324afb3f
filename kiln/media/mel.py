"""Wav2Lip's mel spectrogram in numpy, and its windows aligned to a video's frames.

Speech is decoded to 16 kHz mono (PyAV), pre-emphasised (0.97), framed by an 800-sample Hann STFT every 200
samples (80 mel frames a second), mapped to 80 Slaney mel bands (55-7600 Hz), turned to decibels (-20 dB reference)
and scaled to -4..4, as the published model was trained. Video frame i is spoken by the 16 mel frames (0.2 s) that
start at `80 * i / fps`; frames past the end of the speech get the last window.
"""

from __future__ import annotations

import os

import av
import numpy as np
from numpy.typing import NDArray

__all__ = ["SAMPLE_RATE", "load_speech", "mel_spectrogram", "mel_windows"]

SAMPLE_RATE = 16_000
N_FFT, HOP, N_MELS, FMIN, FMAX = 800, 200, 80, 55.0, 7600.0
MEL_PER_SECOND = SAMPLE_RATE / HOP
_PREEMPHASIS, _REF_DB, _MIN_DB, _MAX_ABS = 0.97, 20.0, -100.0, 4.0

Floats = NDArray[np.float32]


def load_speech(path: str | os.PathLike[str]) -> Floats:
    """The first audio track of `path` as 16 kHz mono float samples; `ValueError` when it has none."""
    name = os.fspath(path)
    with av.open(name) as container:
        if not container.streams.audio:
            raise ValueError(f"{name} has no audio track")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks = [
            out.to_ndarray().reshape(-1)
            for frame in container.decode(container.streams.audio[0])
            for out in resampler.resample(frame)
        ]
        chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


def _hz_to_mel(hz: NDArray[np.float64]) -> NDArray[np.float64]:
    """Slaney's scale: linear below 1 kHz, logarithmic above."""
    step, log_step = 200.0 / 3, np.log(6.4) / 27.0
    mels = hz / step
    above = hz >= 1000.0
    return np.where(above, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / log_step, mels)


def _mel_to_hz(mels: NDArray[np.float64]) -> NDArray[np.float64]:
    step, log_step = 200.0 / 3, np.log(6.4) / 27.0
    return np.where(mels >= 15.0, 1000.0 * np.exp(log_step * (mels - 15.0)), mels * step)


def _mel_filters() -> NDArray[np.float64]:
    """80 triangular, area-normalised (Slaney) filters over the STFT's bins."""
    bins = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(FMIN)), _hz_to_mel(np.array(FMAX)), N_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


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
