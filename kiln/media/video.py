"""Frames to video files, and reading a video file's facts back.

- MP4: H.264 (`libx264`), `yuv420p` (what every player decodes), `+faststart` (the index before the data, so a
  browser starts playing before the download ends). 4:2:0 needs even sides: an odd width or height gets one
  more column or row, a copy of the last one (nothing is cropped away). Audio: AAC.
- WebM: VP9 (`libvpx-vp9`, constant quality with `crf`, or a target `bitrate`), `yuv420p`; VP9 takes odd sizes
  as they are. Audio: Opus at 48 kHz.
- GIF: Pillow (an adaptive 256-colour palette per frame, looping). PyAV's gif encoder wants paletted frames and
  FFmpeg's plain conversion to them uses one fixed palette, which bands badly. GIF delays are centiseconds
  (rounded cumulatively so the total stays right) and browsers slow down delays under 2, so fps is at most 50.
- WebP: animated, through Pillow (lossy, `quality` 0-100); PyAV can encode WebP but FFmpeg cannot read an
  animated one back, so `probe_video` reads WebP with Pillow too.

Frames are PIL images or PyAV `VideoFrame`s. MP4 and WebM take a `VideoFrame` as it is (a renderer that makes
yuv420p frames skips the RGB conversion) and tag the stream with the first frame's colour properties.

The GIF and WebP writers merge identical consecutive frames into one longer frame; a probe then counts fewer
frames over the same duration. Audio (any format PyAV reads: WAV, MP3, AAC, ...) goes into MP4 and WebM only,
and is cut at the video's end.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain
from pathlib import Path
from types import MappingProxyType
from typing import Literal, TypeVar

import av
import numpy as np
import numpy.typing as npt
from PIL import Image

from kiln.media.soundtrack import AudioCodec, Soundtrack

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_CRF",
    "EXTENSIONS",
    "H264_PRESETS",
    "MAX_CRF",
    "VIDEO_FORMATS",
    "VideoFormat",
    "VideoInfo",
    "encode_video",
    "probe_video",
    "rgb_frames",
]

VideoFormat = Literal["mp4", "webm", "gif", "webp"]
VIDEO_FORMATS: tuple[VideoFormat, ...] = ("mp4", "webm", "gif", "webp")
CONTENT_TYPES: Mapping[VideoFormat, str] = MappingProxyType(
    {"mp4": "video/mp4", "webm": "video/webm", "gif": "image/gif", "webp": "image/webp"}
)
EXTENSIONS: Mapping[VideoFormat, str] = MappingProxyType(
    {"mp4": ".mp4", "webm": ".webm", "gif": ".gif", "webp": ".webp"}
)
DEFAULT_CRF: Mapping[str, int] = MappingProxyType({"mp4": 18, "webm": 31})  # lower is better
MAX_CRF: Mapping[str, int] = MappingProxyType({"mp4": 51, "webm": 63})
H264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
DEFAULT_WEBP_QUALITY = 80
GIF_MAX_FPS = 50
_VIDEO_CODECS: Mapping[str, Literal["libx264", "libvpx-vp9"]] = {"mp4": "libx264", "webm": "libvpx-vp9"}
_AUDIO_CODECS: Mapping[str, AudioCodec] = {"mp4": "aac", "webm": "libopus"}
Frame = TypeVar("Frame", bound=Image.Image | av.VideoFrame)
_VP9_OPTIONS = {"deadline": "good", "cpu-used": "4", "row-mt": "1"}  # libvpx's default (cpu-used 1) is slow


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """The facts of a video file: what `encode_video` wrote, or what `probe_video` read."""

    content_type: str
    bytes: int
    duration: float  # seconds of video
    fps: float
    width: int
    height: int
    frames: int
    has_audio: bool
    video_codec: str  # h264, vp9, gif, webp
    audio_codec: str | None = None  # aac, opus


def encode_video(
    frames: Iterable[Image.Image | av.VideoFrame],
    path: str | os.PathLike[str],
    *,
    fps: float | Fraction,
    format: VideoFormat,
    crf: int | None = None,
    bitrate: str | None = None,
    audio: str | os.PathLike[str] | None = None,
    quality: int | None = None,
    preset: str | None = None,
) -> VideoInfo:
    """Writes `frames` (all one size; any mode, encoded as RGB) to `path`; see the module notes per format.

    `crf` (constant quality) or `bitrate` (e.g. "2M", "800k") apply to MP4 and WebM, `quality` to WebP, `audio`
    to MP4 and WebM, `preset` (libx264's speed/size trade-off, default medium) to MP4. MP4 and WebM frames are
    encoded as they arrive; GIF and WebP collect them first. A failed encode leaves no file behind.
    """
    if format not in VIDEO_FORMATS:
        raise ValueError(f"format must be one of {', '.join(VIDEO_FORMATS)}, got {format!r}")
    rate = _frame_rate(fps)
    if format in ("gif", "webp") and (crf is not None or bitrate is not None or audio is not None):
        raise ValueError(f"{format} takes no crf, bitrate or audio (those are for mp4 and webm)")
    if quality is not None and format != "webp":
        raise ValueError("quality is for webp; use crf or bitrate for mp4 and webm")
    if preset is not None and (format != "mp4" or preset not in H264_PRESETS):
        raise ValueError(f"preset is for mp4, one of {', '.join(H264_PRESETS)}; got {preset!r} for {format}")
    if crf is not None and bitrate is not None:
        raise ValueError("give crf (constant quality) or bitrate, not both")
    if crf is not None and not 0 <= crf <= MAX_CRF[format]:
        raise ValueError(f"crf for {format} goes from 0 (best) to {MAX_CRF[format]}, got {crf}")
    if quality is not None and not 0 <= quality <= 100:
        raise ValueError(f"quality goes from 0 to 100, got {quality}")
    if format == "gif" and rate > GIF_MAX_FPS:
        raise ValueError(f"GIF plays at most {GIF_MAX_FPS} fps in browsers, got {float(rate):g}")
    target = Path(path)
    try:
        if format == "mp4" or format == "webm":
            count, width, height, audio_codec = _encode_av(frames, target, format, rate, crf, bitrate, audio, preset)
        else:
            count, width, height = _encode_pillow(frames, target, format, rate, quality)
            audio_codec = None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return VideoInfo(
        content_type=CONTENT_TYPES[format],
        bytes=target.stat().st_size,
        duration=float(count / rate),
        fps=float(rate),
        width=width,
        height=height,
        frames=count,
        has_audio=audio_codec is not None,
        video_codec={"mp4": "h264", "webm": "vp9"}.get(format, format),
        audio_codec=audio_codec,
    )


def _frame_rate(fps: float | Fraction) -> Fraction:
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps}")
    return fps if isinstance(fps, Fraction) else Fraction(fps).limit_denominator(1001)


def _encode_av(
    frames: Iterable[Image.Image | av.VideoFrame],
    path: Path,
    format: Literal["mp4", "webm"],
    rate: Fraction,
    crf: int | None,
    bitrate: str | None,
    audio: str | os.PathLike[str] | None,
    preset: str | None = None,
) -> tuple[int, int, int, str | None]:
    images = _same_size(frames)
    first = next(images)
    width, height = first.width, first.height
    if format == "mp4":
        width, height = width + width % 2, height + height % 2
    audio_codec = _AUDIO_CODECS[format]
    options = {"movflags": "+faststart"} if format == "mp4" else {}
    with ExitStack() as stack:
        container = stack.enter_context(av.open(str(path), "w", format=format, options=options))
        stream = container.add_stream(_VIDEO_CODECS[format], rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        codec_options: dict[str, object] = {**_VP9_OPTIONS} if format == "webm" else {}
        if preset is not None:
            codec_options["preset"] = preset
        if isinstance(first, av.VideoFrame):  # the stream says how to read its pixels back to RGB
            context = stream.codec_context
            context.colorspace, context.color_range = first.colorspace, first.color_range
            context.color_primaries, context.color_trc = first.color_primaries, first.color_trc
        if bitrate is not None:
            stream.bit_rate = _parse_bitrate(bitrate)
        else:
            codec_options["crf"] = str(DEFAULT_CRF[format] if crf is None else crf)
            if format == "webm":
                stream.bit_rate = 0  # VP9: crf alone is constant quality only without a target bitrate
        stream.options = codec_options
        soundtrack = None
        if audio is not None:
            soundtrack = Soundtrack(container, audio, audio_codec)
            stack.callback(soundtrack.close)
        count = 0
        for image in chain([first], images):
            if isinstance(image, av.VideoFrame):
                if (image.width, image.height) != (width, height):
                    raise ValueError(f"a {format} VideoFrame needs even sides, got {image.width}x{image.height}")
                frame = image
            else:
                pixels = np.asarray(image.convert("RGB"))
                padding = ((0, height - pixels.shape[0]), (0, width - pixels.shape[1]), (0, 0))
                frame = av.VideoFrame.from_ndarray(np.pad(pixels, padding, mode="edge"), format="rgb24")
            frame.pts = count
            count += 1
            container.mux(stream.encode(frame))
            if soundtrack is not None:
                soundtrack.write_until(count / rate)
        container.mux(stream.encode(None))
        if soundtrack is not None:
            soundtrack.finish(count / rate)
    return count, width, height, (None if audio is None else audio_codec.removeprefix("lib"))


def _encode_pillow(
    frames: Iterable[Image.Image | av.VideoFrame],
    path: Path,
    format: Literal["gif", "webp"],
    rate: Fraction,
    quality: int | None,
) -> tuple[int, int, int]:
    images = [_as_image(frame).convert("RGB") for frame in _same_size(frames)]
    unit = 10 if format == "gif" else 1  # GIF delays are centiseconds, WebP's milliseconds
    ends = [round(Fraction(1000, unit) * (i + 1) / rate) for i in range(len(images))]
    durations = [unit * (end - start) for start, end in zip([0, *ends], ends, strict=False)]
    options: dict[str, object] = {"save_all": True, "append_images": images[1:], "duration": durations, "loop": 0}
    if format == "webp":
        options.update(quality=DEFAULT_WEBP_QUALITY if quality is None else quality, method=4)
    images[0].save(path, format=format.upper(), **options)
    return len(images), images[0].width, images[0].height


def _as_image(frame: Image.Image | av.VideoFrame) -> Image.Image:
    return Image.fromarray(frame.to_ndarray(format="rgb24")) if isinstance(frame, av.VideoFrame) else frame


def _same_size(frames: Iterable[Frame]) -> Iterator[Frame]:
    """The frames, checking each has the first one's size; raises if there are none."""
    size: tuple[int, int] | None = None
    for index, image in enumerate(frames):
        if size is None:
            size = (image.width, image.height)
        elif (image.width, image.height) != size:
            raise ValueError(f"frame {index} is {image.width}x{image.height}, frame 0 {size[0]}x{size[1]}")
        yield image
    if size is None:
        raise ValueError("no frames to encode")


def _parse_bitrate(text: str) -> int:
    """ "2M" -> 2_000_000, "800k" -> 800_000, "1500000" -> 1_500_000."""
    value = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(value[-1:], 1)
    try:
        number = float(value[:-1] if scale > 1 else value) * scale
    except ValueError:
        raise ValueError(f"bitrate {text!r} is not like '2M', '800k' or '1500000'") from None
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"bitrate must be positive, got {text!r}")
    return round(number)


def rgb_frames(path: str | os.PathLike[str]) -> Iterator[npt.NDArray[np.uint8]]:
    """The first video stream's frames as RGB arrays (height, width, 3), decoded one at a time."""
    with av.open(os.fspath(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            yield np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Reads a video file back: container, first video stream, frames, duration, audio. WebP through Pillow."""
    target = Path(path)
    with target.open("rb") as file:
        head = file.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _probe_webp(target)
    with av.open(str(target)) as container:
        if not container.streams.video:
            raise ValueError(f"{target} has no video stream")
        stream = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        rate: Fraction = stream.average_rate or stream.guessed_rate or Fraction(0)
        time_base = stream.time_base or Fraction(1)
        count, start, end = 0, math.inf, -math.inf  # in time_base units
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue  # the demuxer's final empty packet
            count += 1
            length = packet.duration or (float(1 / (rate * time_base)) if rate else 0.0)
            start, end = min(start, packet.pts), max(end, packet.pts + length)
        duration = float((end - start) * time_base) if count else 0.0
        if duration and not (rate and abs(count / rate - duration) <= 1 / rate):
            rate = Fraction(count / duration)  # variable frame rate (GIF): the average
        video_codec = stream.codec_context.name
        return VideoInfo(
            content_type=_content_type(container.format.name, video_codec),
            bytes=target.stat().st_size,
            duration=duration,
            fps=float(rate),
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            frames=count,
            has_audio=audio is not None,
            video_codec=video_codec,
            audio_codec=None if audio is None else audio.codec_context.name,
        )


def _content_type(container_format: str, video_codec: str) -> str:
    if "mp4" in container_format.split(","):
        return "video/mp4"
    if "matroska" in container_format.split(","):
        return "video/webm" if video_codec in ("vp8", "vp9", "av1") else "video/x-matroska"
    return {"gif": "image/gif"}.get(container_format, "application/octet-stream")


def _probe_webp(path: Path) -> VideoInfo:
    with Image.open(path) as image:
        count = getattr(image, "n_frames", 1)
        total_ms = 0
        for index in range(count):
            image.seek(index)
            image.load()  # Pillow fills in a WebP frame's duration when it decodes the frame
            total_ms += int(image.info.get("duration", 0))
        duration = total_ms / 1000
        return VideoInfo(
            content_type="image/webp",
            bytes=path.stat().st_size,
            duration=duration,
            fps=count / duration if duration else 0.0,
            width=image.width,
            height=image.height,
            frames=count,
            has_audio=False,
            video_codec="webp",
        )
