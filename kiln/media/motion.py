"""2D camera motion on PIL images: Deforum's per-frame zoom, rotation and translation, and Ken Burns pans.

`transform_frame` maps every output pixel back into the source and samples it with a Lanczos-3 kernel (numpy,
36 taps). Pillow's own `rotate` and `transform` offer bicubic at best, and in a feedback loop, where each frame
is resampled again, a sharper kernel keeps the picture from softening. Pixels that come from outside the
source are filled by `border`:

- `reflect` (default): mirror the picture about its edge pixels (OpenCV's BORDER_REFLECT_101). A rotated or
  zoomed-out frame gets plausible content in its corners, never black, and the next diffusion step repaints it.
- `replicate`: repeat the edge pixels (Deforum's default), which streaks the corners.
- `wrap`: tile the picture.

Ken Burns frames are eased crops resized with Pillow's Lanczos (`resize(box=...)`), which antialiases as it shrinks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = ["Border", "Easing", "ease", "ken_burns_frames", "transform_frame"]

Border = Literal["reflect", "replicate", "wrap"]
Easing = Literal["linear", "ease_in_out"]
LANCZOS_A = 3
_NATIVE_MODES = ("L", "LA", "RGB", "RGBA")


def transform_frame(
    image: Image.Image,
    *,
    zoom: float = 1.0,
    angle: float = 0.0,
    translate_x: float = 0.0,
    translate_y: float = 0.0,
    border: Border = "reflect",
) -> Image.Image:
    """Zooms about the centre (>1 enlarges), rotates by `angle` degrees counter-clockwise, then moves the picture
    by `translate_x` pixels right and `translate_y` pixels down. The result has the input's size (and mode, for
    L, LA, RGB and RGBA; other modes come back RGB)."""
    if not (math.isfinite(zoom) and zoom > 0):
        raise ValueError(f"zoom must be a positive number, got {zoom}")
    if not all(math.isfinite(v) for v in (angle, translate_x, translate_y)):
        raise ValueError("angle and translation must be finite numbers")
    if border not in ("reflect", "replicate", "wrap"):
        raise ValueError(f"border must be reflect, replicate or wrap, got {border!r}")
    source = image if image.mode in _NATIVE_MODES else image.convert("RGB")
    if zoom == 1 and angle % 360 == 0 and translate_x == 0 and translate_y == 0:
        return source.copy()
    width, height = source.size
    cx, cy = (width - 1) / 2, (height - 1) / 2
    array = np.asarray(source)
    pixels = array.reshape(height, width, -1)  # L and LA too: (H, W, C)
    if angle % 360 == 0:  # zoom and shift only: x and y sample separately (12 taps instead of 36)
        xs = cx + (np.arange(width) - cx - translate_x) / zoom
        ys = cy + (np.arange(height) - cy - translate_y) / zoom
        out = _sample_separable(pixels, _taps(xs, width, border), _taps(ys, height, border))
    else:
        grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float64)
        dx, dy = grid_x - cx - translate_x, grid_y - cy - translate_y
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        xs, ys = cx + (cos * dx - sin * dy) / zoom, cy + (sin * dx + cos * dy) / zoom
        out = _sample(pixels, _taps(xs, width, border), _taps(ys, height, border))
    return Image.fromarray(out.reshape(array.shape))


Taps = list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]


def _taps(coords: npt.NDArray[np.floating[Any]], size: int, border: Border) -> Taps:
    """The Lanczos taps (source index, weight) for sampling at `coords` along an axis of `size` pixels."""
    base = np.floor(coords)
    fraction = (coords - base).astype(np.float32)
    offsets = range(1 - LANCZOS_A, LANCZOS_A + 1)
    weights = [_lanczos(fraction - k) for k in offsets]
    total = sum(weights)  # the kernel's weights do not quite sum to 1: normalise
    start = base.astype(np.int64)
    return [(_border_index(start + k, size, border), w / total) for k, w in zip(offsets, weights, strict=True)]


def _lanczos(distance: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    x = np.pi * distance
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = LANCZOS_A * np.sin(x) * np.sin(x / LANCZOS_A) / (x * x)
    return np.where(np.abs(distance) < 1e-6, 1.0, weight).astype(np.float32)


def _sample_separable(pixels: npt.NDArray[np.uint8], x_taps: Taps, y_taps: Taps) -> npt.NDArray[np.uint8]:
    rows = np.zeros(pixels.shape, np.float32)
    for index, weight in x_taps:
        rows += weight[None, :, None] * np.take(pixels, index, axis=1)
    out = np.zeros(pixels.shape, np.float32)
    for index, weight in y_taps:
        out += weight[:, None, None] * np.take(rows, index, axis=0)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _sample(pixels: npt.NDArray[np.uint8], x_taps: Taps, y_taps: Taps) -> npt.NDArray[np.uint8]:
    height, width, channels = pixels.shape
    flat = pixels.reshape(-1, channels)
    out = np.zeros((height, width, channels), np.float32)
    for row, weight_y in y_taps:
        row_start = row * width
        for column, weight_x in x_taps:
            out += (weight_y * weight_x)[..., None] * np.take(flat, row_start + column, axis=0)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _border_index(index: npt.NDArray[np.int64], size: int, border: Border) -> npt.NDArray[np.int64]:
    if border == "replicate" or size == 1:
        return np.clip(index, 0, size - 1)
    if border == "wrap":
        return index % size
    period = 2 * size - 2
    folded = index % period
    return np.where(folded >= size, period - folded, folded)


def ease(s: float, easing: Easing = "ease_in_out") -> float:
    """Maps progress 0..1 to eased progress 0..1: `linear`, or `ease_in_out` (smoothstep, 3s² - 2s³)."""
    s = min(max(s, 0.0), 1.0)
    return s if easing == "linear" else s * s * (3 - 2 * s)


def ken_burns_frames(
    image: Image.Image,
    *,
    frames: int,
    size: tuple[int, int],
    start_zoom: float = 1.0,
    end_zoom: float = 1.2,
    start_center: tuple[float, float] = (0.5, 0.5),
    end_center: tuple[float, float] = (0.5, 0.5),
    easing: Easing = "ease_in_out",
) -> Iterator[Image.Image]:
    """Yields `frames` crops of `image` resized to `size` (width, height), moving from one view to another.

    Zoom 1 is the largest crop with the target's aspect ratio; zoom 2 shows half its width. Centres are
    fractions of the image (0.5, 0.5 is the middle); a centre too near an edge for its zoom moves inwards until
    the crop fits, so no frame shows space outside the picture and a pan from an edge starts moving at once.
    Zoom changes geometrically (so the apparent speed is even) and progress follows `easing`.
    """
    if frames < 1:
        raise ValueError(f"frames must be 1 or more, got {frames}")
    if size[0] < 1 or size[1] < 1:
        raise ValueError(f"size must be positive, got {size}")
    if min(start_zoom, end_zoom) < 1:
        raise ValueError("zoom must be 1 or more: a smaller zoom would show space outside the picture")
    if easing not in ("linear", "ease_in_out"):
        raise ValueError(f"easing must be linear or ease_in_out, got {easing!r}")
    source = image if image.mode in _NATIVE_MODES else image.convert("RGB")
    return _ken_burns(source, frames, size, (start_zoom, end_zoom), (start_center, end_center), easing)


def _ken_burns(
    image: Image.Image,
    frames: int,
    size: tuple[int, int],
    zooms: tuple[float, float],
    centers: tuple[tuple[float, float], tuple[float, float]],
    easing: Easing,
) -> Iterator[Image.Image]:
    width, height = image.size
    aspect = size[0] / size[1]
    base_w, base_h = (height * aspect, float(height)) if width / height > aspect else (float(width), width / aspect)

    def crop(u: float, v: float, zoom: float) -> tuple[float, float, float, float]:
        crop_w, crop_h = base_w / zoom, base_h / zoom
        left = min(max(u * width - crop_w / 2, 0.0), width - crop_w)
        top = min(max(v * height - crop_h / 2, 0.0), height - crop_h)
        return left, top, crop_w, crop_h

    # Bring each end's centre inside the picture first, so a pan from an edge moves from the first frame on.
    ends = []
    for (u, v), zoom in zip(centers, zooms, strict=True):
        left, top, crop_w, crop_h = crop(u, v, zoom)
        ends.append(((left + crop_w / 2) / width, (top + crop_h / 2) / height))
    (u0, v0), (u1, v1) = ends
    for index in range(frames):
        s = ease(index / (frames - 1), easing) if frames > 1 else 0.0
        left, top, crop_w, crop_h = crop(u0 + (u1 - u0) * s, v0 + (v1 - v0) * s, zooms[0] * (zooms[1] / zooms[0]) ** s)
        yield image.resize(size, Image.Resampling.LANCZOS, box=(left, top, left + crop_w, top + crop_h))
