"""An audio file muxed under a video as it is encoded: decoded, resampled, re-encoded and cut to the video.

`Soundtrack` adds an AAC (MP4) or Opus (WebM) stream to an open PyAV output container. While the video is written,
`write_until(seconds)` encodes the audio that ends by then, so the muxer interleaves audio and video without
buffering a whole track; `finish(seconds)` writes the rest up to exactly the video's duration (the last frame cut
to the sample) and flushes the encoder. Audio shorter than the video simply ends early.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, Literal

import av
import numpy as np
from av.audio.frame import AudioFrame
from av.container import InputContainer, OutputContainer

__all__ = ["AudioCodec", "Soundtrack"]

AudioCodec = Literal["aac", "libopus"]
_AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
_BIT_RATES = {"aac": 160_000, "libopus": 128_000}


class Soundtrack:
    """The first audio track of `source`, encoded with `codec` into `container`; close with `finish`."""

    def __init__(self, container: OutputContainer, source: str | os.PathLike[str], codec: AudioCodec) -> None:
        self._container = container
        self._input: InputContainer = av.open(os.fspath(source))
        try:
            if not self._input.streams.audio:
                raise ValueError(f"{os.fspath(source)} has no audio track")
            source_stream = self._input.streams.audio[0]
            layout = "mono" if source_stream.channels == 1 else "stereo"  # more channels are downmixed
            rate = source_stream.rate if codec == "aac" and source_stream.rate in _AAC_RATES else 48000
            self._stream = container.add_stream(codec, rate=rate, layout=layout)
            self._stream.bit_rate = _BIT_RATES[codec]
            self._stream.codec_context.open()  # learn the encoder's frame size and sample format
            context = self._stream.codec_context
            self.rate = rate
            self._resampler = av.AudioResampler(
                format=context.format.name, layout=layout, rate=rate, frame_size=context.frame_size or None
            )
            self._frames = self._resampled(source_stream)
        except BaseException:
            self._input.close()
            raise
        self._pending: AudioFrame | None = None
        self.samples_written = 0

    def write_until(self, seconds: Fraction | float) -> None:
        """Encodes every whole audio frame that ends by `seconds`."""
        limit = math.floor(seconds * self.rate)
        while (frame := self._peek()) is not None and self.samples_written + frame.samples <= limit:
            self._pending = None
            self._encode(frame)

    def finish(self, seconds: Fraction | float) -> None:
        """Writes the audio up to exactly `seconds`, flushes the encoder and closes the source."""
        try:
            limit = round(seconds * self.rate)
            self.write_until(Fraction(limit, self.rate))
            frame = self._peek()
            if frame is not None and limit > self.samples_written:
                self._encode(_truncate(frame, limit - self.samples_written))
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        finally:
            self.close()

    def close(self) -> None:
        self._input.close()

    def _peek(self) -> AudioFrame | None:
        if self._pending is None:
            self._pending = next(self._frames, None)
        return self._pending

    def _encode(self, frame: AudioFrame) -> None:
        frame.pts = self.samples_written
        frame.time_base = Fraction(1, self.rate)
        self.samples_written += frame.samples
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def _resampled(self, stream: av.AudioStream) -> Iterator[AudioFrame]:
        for decoded in self._input.decode(stream):
            yield from self._resampler.resample(decoded)
        yield from self._resampler.resample(None)


def _truncate(frame: AudioFrame, samples: int) -> AudioFrame:
    """The first `samples` samples of `frame`, as a new frame."""
    array: Any = frame.to_ndarray()  # its dtype follows the frame's sample format
    width = samples if frame.format.is_planar else samples * len(frame.layout.channels)
    out = AudioFrame.from_ndarray(
        np.ascontiguousarray(array[:, :width]), format=frame.format.name, layout=frame.layout.name
    )
    out.sample_rate = frame.sample_rate
    return out
