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
    """(width, height) with the aspect's ratio and about `megapixels` million pixels, each side rounded."""
    ratio_w, ratio_h = parse_aspect(aspect)
    pixels = megapixels * 1e6
    width = math.sqrt(pixels * ratio_w / ratio_h)
    height = math.sqrt(pixels * ratio_h / ratio_w)
    return round_to_multiple(width, multiple), round_to_multiple(height, multiple)
