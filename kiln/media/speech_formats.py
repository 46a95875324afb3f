"""A spoken line's WAV as the audio formats of OpenAI's speech API, encoded with PyAV: MP3 (libmp3lame), Opus in
Ogg (libopus), AAC in ADTS, FLAC, WAV (16-bit PCM) and raw PCM (16-bit little-endian mono), all at 24 kHz as OpenAI
answers them."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import av

__all__ = ["FORMATS", "SPEECH_RATE", "SpeechFormatInfo", "encode_speech"]

SPEECH_RATE = 24_000


@dataclass(frozen=True, slots=True)
class SpeechFormatInfo:
    codec: str
    container: str | None  # None: raw samples, no container
    content_type: str
    extension: str


FORMATS: Mapping[str, SpeechFormatInfo] = MappingProxyType(
    {
        "mp3": SpeechFormatInfo("libmp3lame", "mp3", "audio/mpeg", ".mp3"),
        "opus": SpeechFormatInfo("libopus", "ogg", "audio/ogg", ".opus"),
        "aac": SpeechFormatInfo("aac", "adts", "audio/aac", ".aac"),
        "flac": SpeechFormatInfo("flac", "flac", "audio/flac", ".flac"),
        "wav": SpeechFormatInfo("pcm_s16le", "wav", "audio/wav", ".wav"),
        "pcm": SpeechFormatInfo("pcm_s16le", None, "audio/pcm", ".pcm"),
    }
)


def encode_speech(wav: str | os.PathLike[str], format: str) -> bytes:
    """The mono sound of `wav` (any rate) at 24 kHz in `format` (a key of `FORMATS`)."""
    info = FORMATS[format]
    if info.container is None:
        return b"".join(frame.to_ndarray().astype("<i2").tobytes() for frame in _frames(wav, "s16"))
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=info.container) as container:
        stream = container.add_stream(info.codec, rate=SPEECH_RATE, layout="mono")
        assert isinstance(stream, av.AudioStream)
        formats = stream.codec_context.codec.audio_formats or []
        sample_format = "s16" if any(f.name == "s16" for f in formats) else formats[0].name
        if info.codec in ("libmp3lame", "libopus", "aac"):
            stream.codec_context.bit_rate = 64_000 if info.codec != "libopus" else 32_000  # plenty for a voice
        for frame in _frames(wav, sample_format, frame_size=stream.codec_context.frame_size or None):
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def _frames(wav: str | os.PathLike[str], sample_format: str, frame_size: int | None = None) -> Iterator[av.AudioFrame]:
    """The file's first audio track, resampled to mono `SPEECH_RATE` `sample_format` frames (of `frame_size`
    samples, the last one shorter, where an encoder needs fixed frames)."""
    resampler = av.AudioResampler(format=sample_format, layout="mono", rate=SPEECH_RATE, frame_size=frame_size)
    with av.open(os.fspath(wav)) as source:
        for frame in source.decode(source.streams.audio[0]):
            frame.pts = None
            yield from resampler.resample(frame)
    yield from resampler.resample(None)
