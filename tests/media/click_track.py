"""A click track for beat tests: a short decaying 1 kHz click on every beat, written with PyAV (WAV or MP3)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

RATE = 44_100
CODECS = {".wav": "pcm_s16le", ".mp3": "libmp3lame", ".m4a": "aac", ".ogg": "libopus"}


def click_samples(*, bpm: float, seconds: float, first: float = 0.25, rate: int = RATE) -> npt.NDArray[np.float32]:
    """Mono samples in -1..1 with a click at `first`, `first + 60/bpm`, ... up to `seconds`."""
    samples = np.zeros(round(seconds * rate), dtype=np.float32)
    n = np.arange(round(0.03 * rate))
    click = (0.8 * np.sin(2 * np.pi * 1000 * n / rate) * np.exp(-n / (0.005 * rate))).astype(np.float32)
    for start in np.arange(first, seconds - 0.05, 60.0 / bpm):
        at = round(start * rate)
        part = samples[at : at + click.size]
        part += click[: part.size]
    return samples


def click_times(*, bpm: float, seconds: float, first: float = 0.25) -> list[float]:
    return [float(t) for t in np.arange(first, seconds - 0.05, 60.0 / bpm)]


def write_audio(path: Path, samples: npt.NDArray[np.float32], *, rate: int = RATE) -> Path:
    """`samples` (mono) encoded by the codec of `path`'s suffix."""
    codec = CODECS[path.suffix]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=48_000 if codec == "libopus" else rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        formats = stream.codec_context.codec.audio_formats or []
        fmt = "s16" if codec == "pcm_s16le" else formats[0].name
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=fmt, layout="mono", rate=stream.codec_context.sample_rate)
        for out in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path
