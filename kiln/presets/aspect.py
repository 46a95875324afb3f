"""Aspect ratios and the image sizes they give at a target pixel count, rounded to a model's size multiple."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import MappingProxyType

from kiln.errors import InvalidInput

__all__ = ["ASPECT_RATIOS", "DEFAULT_ASPECT", "parse_aspect", "round_to_multiple", "size_for_aspect"]

DEFAULT_ASPECT = "1:1"
ASPECT_RATIOS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "1:1": (1, 1),
        "16:9": (16, 9),
        "9:16": (9, 16),
        "4:3": (4, 3),
        "3:4": (3, 4),
        "3:2": (3, 2),
        "2:3": (2, 3),
        "21:9": (21, 9),
    }
)
_SEPARATOR = re.compile(r"\s*[:x/]\s*")


def parse_aspect(text: str) -> tuple[int, int]:
    """(width part, height part) of "16:9", "16x9" or "16/9"; anything not in `ASPECT_RATIOS` is refused."""
    canonical = _SEPARATOR.sub(":", text.strip().lower())
    try:
        return ASPECT_RATIOS[canonical]
    except KeyError:
        raise InvalidInput(
            "aspect", f"unknown aspect ratio {text!r}; choose one of: {', '.join(ASPECT_RATIOS)}"
        ) from None


def round_to_multiple(value: float, multiple: int) -> int:
    """`value` rounded to the nearest multiple of `multiple`, and at least one multiple."""
    return max(multiple, round(value / multiple) * multiple)


def size_for_aspect(aspect: str, megapixels: float, multiple: int) -> tuple[int, int]:
    """(width, height) in multiples of `multiple` near the aspect's ratio at about `megapixels` million pixels.

    Each side is the multiple just below or just above its exact value; of those (up to four) sizes, the one
    closest to the ratio wins, then the one closest to the pixel count: 16:9 at 0.01 MP in multiples of 8 is
    128x72 (exactly 16:9), not 136x72 (each side rounded on its own, 1.89).
    """
    ratio_w, ratio_h = parse_aspect(aspect)
    pixels = megapixels * 1e6
    target = math.log(ratio_w / ratio_h)

    def score(size: tuple[int, int]) -> tuple[float, float, tuple[int, int]]:
        width, height = size  # the ratio's error is rounded so float noise never beats an exact ratio
        return round(abs(math.log(width / height) - target), 12), abs(width * height - pixels), size

    widths = _neighbours(math.sqrt(pixels * ratio_w / ratio_h), multiple)
    heights = _neighbours(math.sqrt(pixels * ratio_h / ratio_w), multiple)
    return min(((width, height) for width in widths for height in heights), key=score)


def _neighbours(value: float, multiple: int) -> set[int]:
    """The multiples of `multiple` just below and just above `value` (one when it is one), at least one multiple."""
    below, above = math.floor(value / multiple), math.ceil(value / multiple)
    return {max(1, below) * multiple, max(1, above) * multiple}
