"""Frames as Y'CbCr 4:2:0 planes, the encoder's own format, so rendering never converts a frame from RGB.

A still is converted once (BT.709, limited range: what HD players assume) with Pillow's matrix `convert` and its
chroma halved with `reduce(2)`; every frame after that is made by resizing, blending and pasting the three `L`
planes (Pillow's C code, which releases the GIL), then copied into a yuv420p `VideoFrame` tagged BT.709.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc
from PIL import Image

__all__ = ["Overlay", "Planes", "blend", "from_video_frame", "overlay_from_rgba", "paste", "rgb_to_planes"]

# RGB (0-255) to BT.709 limited-range Y'CbCr: Y' in 16-235, Cb and Cr in 16-240 around 128.
_KR, _KB = 0.2126, 0.0722
_KG = 1 - _KR - _KB
_Y = (219 / 255 * _KR, 219 / 255 * _KG, 219 / 255 * _KB, 16.0)
_CB = (-224 / 255 * _KR / (2 - 2 * _KB), -224 / 255 * _KG / (2 - 2 * _KB), 224 / 255 / 2, 128.0)
_CR = (224 / 255 / 2, -224 / 255 * _KG / (2 - 2 * _KR), -224 / 255 * _KB / (2 - 2 * _KR), 128.0)
_MATRIX = (*_Y, *_CB, *_CR)


@dataclass(frozen=True, slots=True)
class Planes:
    """One frame: `y` at full size, `cb` and `cr` at half width and height (all mode L)."""

    y: Image.Image
    cb: Image.Image
    cr: Image.Image

    @property
    def size(self) -> tuple[int, int]:
        return self.y.size

    def to_video_frame(self) -> av.VideoFrame:
        """A new yuv420p frame holding a copy of the planes, tagged BT.709 limited range."""
        width, height = self.y.size
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane, image in zip(frame.planes, (self.y, self.cb, self.cr), strict=True):
            if plane.line_size == image.width:
                plane.update(image.tobytes())
            else:  # rows padded for alignment
                rows = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
                rows[: image.height, : image.width] = np.asarray(image)
        frame.colorspace, frame.color_range = Colorspace.ITU709, ColorRange.MPEG
        frame.color_primaries, frame.color_trc = ColorPrimaries.BT709, ColorTrc.BT709
        return frame


@dataclass(frozen=True, slots=True)
class Overlay:
    """Something to paste over frames (a subtitle): its planes, their alpha masks, and the row of its top."""

    planes: Planes
    alpha: Image.Image  # full size
    chroma_alpha: Image.Image  # half size
    top: int  # even, so the chroma rows line up


def rgb_to_planes(image: Image.Image) -> Planes:
    """Converts an RGB image (odd sides lose their last row or column) to BT.709 planes."""
    width, height = image.width - image.width % 2, image.height - image.height % 2
    if (width, height) != image.size:
        image = image.crop((0, 0, width, height))
    y, cb, cr = image.convert("RGB").convert("RGB", _MATRIX).split()
    return Planes(y, cb.reduce(2), cr.reduce(2))


def from_video_frame(frame: av.VideoFrame) -> Planes:
    """A decoded video frame as BT.709 planes (odd sides lose their last row or column)."""
    width, height = frame.width - frame.width % 2, frame.height - frame.height % 2
    converted = frame.reformat(
        width, height, "yuv420p", dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG
    )
    images = []
    for plane, (plane_width, plane_height) in zip(
        converted.planes, ((width, height), (width // 2, height // 2), (width // 2, height // 2)), strict=True
    ):
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
        images.append(Image.fromarray(np.ascontiguousarray(rows[:plane_height, :plane_width])))
    return Planes(*images)


def blend(first: Planes, second: Planes, weight: float) -> Planes:
    """`first` * (1 - weight) + `second` * weight, plane by plane."""
    return Planes(
        Image.blend(first.y, second.y, weight),
        Image.blend(first.cb, second.cb, weight),
        Image.blend(first.cr, second.cr, weight),
    )


def overlay_from_rgba(image: Image.Image, top: int) -> Overlay:
    """An RGBA picture as wide as the frame, to be pasted with its top at row `top` (moved up to be even)."""
    if top % 2:
        top -= 1
        image = _pad(image, top=1)
    if image.height % 2:
        image = _pad(image, top=0)
    alpha = image.getchannel("A")
    return Overlay(rgb_to_planes(image.convert("RGB")), alpha, alpha.reduce(2), top)


def paste(planes: Planes, overlay: Overlay) -> Planes:
    """A copy of `planes` with `overlay` composited over it (only the copies are drawn on)."""
    y, cb, cr = planes.y.copy(), planes.cb.copy(), planes.cr.copy()
    y.paste(overlay.planes.y, (0, overlay.top), overlay.alpha)
    cb.paste(overlay.planes.cb, (0, overlay.top // 2), overlay.chroma_alpha)
    cr.paste(overlay.planes.cr, (0, overlay.top // 2), overlay.chroma_alpha)
    return Planes(y, cb, cr)


def _pad(image: Image.Image, *, top: int) -> Image.Image:
    """`image` with one transparent row added at the top (`top=1`) or the bottom (`top=0`)."""
    padded = Image.new("RGBA", (image.width, image.height + 1), (0, 0, 0, 0))
    padded.paste(image, (0, top))
    return padded
