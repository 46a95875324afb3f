"""Thumbnails: an image (its first frame, for an animated one) or a video's first frame, fitted inside a square of
`size` pixels (never enlarged), as WebP.

The source's size is read from its header (an image) or its stream (a video) before anything is decoded, and a
source of more than `max_pixels` pixels is refused (`SourceTooLarge`) rather than decoded; a file that cannot be
read raises `UnreadableSource`. JPEGs decode at a reduced scale where the thumbnail allows (Pillow's draft mode).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import av
from PIL import Image, UnidentifiedImageError

from kiln.errors import KilnError

__all__ = ["SourceTooLarge", "UnreadableSource", "make_thumbnail"]

_QUALITY = 80


class UnreadableSource(KilnError):
    """The file is not an image or video that can be decoded."""


class SourceTooLarge(KilnError):
    """The file has more pixels than a thumbnail may decode."""

    def __init__(self, width: int | None, height: int | None, max_pixels: int) -> None:
        found = "more pixels than Pillow will open" if width is None else f"{width}x{height} pixels"
        super().__init__(f"the file has {found}, more than the {max_pixels} a thumbnail may decode")


def make_thumbnail(path: Path, *, size: int, video: bool, max_pixels: int) -> bytes:
    """WebP bytes of the thumbnail of the file at `path`; `video` says to take a video's first frame."""
    frame = _video_frame(path, max_pixels) if video else _image(path, size, max_pixels)
    frame.thumbnail((size, size), Image.Resampling.LANCZOS)
    frame = frame.convert("RGBA" if frame.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    out = io.BytesIO()
    frame.save(out, format="WEBP", quality=_QUALITY, method=4)
    return out.getvalue()


def _image(path: Path, size: int, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise SourceTooLarge(width, height, max_pixels)
                image.draft("RGB", (size, size))  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that still covers it
                image.load()  # the first frame of an animation
                return image.copy()
    except Image.DecompressionBombError as exc:
        raise SourceTooLarge(None, None, max_pixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnreadableSource(f"the file is not an image that can be read ({type(exc).__name__})") from exc


def _video_frame(path: Path, max_pixels: int) -> Image.Image:
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UnreadableSource("the file holds no video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > max_pixels:
                raise SourceTooLarge(width, height, max_pixels)
            for frame in container.decode(stream):
                return _rgb(frame)
    except av.FFmpegError as exc:
        raise UnreadableSource(f"the file is not a video that can be read ({type(exc).__name__})") from exc
    raise UnreadableSource("the video has no frame")


def _rgb(frame: av.VideoFrame) -> Image.Image:
    """A decoded frame as a Pillow image (PyAV's `to_image` has no type hints)."""
    return Image.fromarray(frame.to_ndarray(format="rgb24"))
