"""The hires fix's second pass (A1111's): a batch's images upscaled by the item's `hires_scale` (Lanczos, or an
upscaler), then repainted by the family's img2img at `hires_strength` at the larger size. One call for the batch,
one CPU generator per item (seeded with the item's seed again), so an item alone equals it in a batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from kiln.types import ImageItem

if TYPE_CHECKING:
    from kiln.engine.upscalers import Upscaler

__all__ = ["hires_size", "second_pass_items", "upscaled_starts"]

Pixels = np.ndarray[Any, np.dtype[np.float32]]


def hires_size(width: int, height: int, scale: float, multiple: int) -> tuple[int, int]:
    """The second pass's size: each side times `scale`, rounded to `multiple`."""
    return (max(multiple, round(width * scale / multiple) * multiple),
            max(multiple, round(height * scale / multiple) * multiple))  # fmt: skip


def second_pass_items(items: Sequence[ImageItem], multiple: int) -> list[ImageItem]:
    """The img2img items of the second pass: the larger size, the hires strength, no hires of their own."""
    first = items[0]
    assert first.hires_scale is not None
    width, height = hires_size(first.width, first.height, first.hires_scale, multiple)
    return [
        replace(
            item,
            kind="img2img",
            width=width,
            height=height,
            strength=item.hires_strength,
            hires_scale=None,
            control=None,  # the second pass refines the first's pixels; a ControlNet shaped those already
        )
        for item in items
    ]


def upscaled_starts(
    pixels: Pixels, size: tuple[int, int], upscaler: Upscaler | None, to_image: Callable[[Pixels], Image.Image]
) -> list[Image.Image]:
    """Each first-pass image at `size`: through the upscaler (then fitted), or by Lanczos alone."""
    from kiln.engine.upscalers import upscale_image

    starts = []
    for image in (to_image(p) for p in pixels):
        if upscaler is not None:
            image = upscale_image(upscaler, image)
        starts.append(image if image.size == size else image.resize(size, Image.Resampling.LANCZOS))
    return starts
