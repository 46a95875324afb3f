"""Image sizes for one model family: explicit sides, one side and an aspect, or an aspect and megapixels.

Explicit sides must already be valid (a multiple of the family's size multiple, within its side limits); the
error names the field and suggests the nearest valid values, since silently rounding a size the user typed
would surprise them. Sizes kiln computes itself (from an aspect) are rounded to the multiple.
"""

from __future__ import annotations

import math

from kiln.engine.families import Family
from kiln.errors import InvalidInput
from kiln.presets.aspect import DEFAULT_ASPECT, parse_aspect, round_to_multiple, size_for_aspect

__all__ = ["check_side", "resolve_size", "side_limits"]


def side_limits(family: Family) -> tuple[int, int]:
    """The smallest and largest side `family` accepts that are multiples of its size multiple."""
    multiple = family.size_multiple
    return math.ceil(family.min_side / multiple) * multiple, family.max_side // multiple * multiple


def check_side(field: str, value: int, family: Family, *, origin: str = "") -> int:
    """`value` if it is a valid side for `family`, else `InvalidInput(field, ...)` suggesting valid ones."""
    low, high = side_limits(family)
    multiple = family.size_multiple
    shown = f"{value}{origin}"
    if value < low:
        raise InvalidInput(field, f"{shown} is below {low}, the smallest {family.name} supports; use {low}")
    if value > high:
        raise InvalidInput(field, f"{shown} is above {high}, the largest {family.name} supports; use {high}")
    if value % multiple:
        below = value // multiple * multiple
        nearest = " or ".join(str(n) for n in (below, below + multiple) if low <= n <= high)
        raise InvalidInput(field, f"{shown} is not a multiple of {multiple}; use {nearest}")
    return value


def resolve_size(
    family: Family,
    *,
    width: int | None = None,
    height: int | None = None,
    aspect: str | None = None,
    megapixels: float | None = None,
) -> tuple[int, int]:
    """(width, height) for one item.

    Both sides given: checked as they are. One side: the other follows the aspect (default 1:1), rounded.
    Neither: the aspect at `megapixels` (default: the family's), rounded. `megapixels` only counts then.
    """
    aspect_name = aspect or DEFAULT_ASPECT
    multiple = family.size_multiple
    if width is not None and height is not None:
        return check_side("width", width, family), check_side("height", height, family)
    if width is not None:
        ratio_w, ratio_h = parse_aspect(aspect_name)
        check_side("width", width, family)
        derived = round_to_multiple(width * ratio_h / ratio_w, multiple)
        origin = f" (from width {width} at aspect {aspect_name})"
        return width, check_side("height", derived, family, origin=origin)
    if height is not None:
        ratio_w, ratio_h = parse_aspect(aspect_name)
        check_side("height", height, family)
        derived = round_to_multiple(height * ratio_w / ratio_h, multiple)
        origin = f" (from height {height} at aspect {aspect_name})"
        return check_side("width", derived, family, origin=origin), height
    mp = family.default_megapixels if megapixels is None else megapixels
    size = size_for_aspect(aspect_name, mp, multiple)
    low, high = side_limits(family)
    if not all(low <= side <= high for side in size):
        raise InvalidInput(
            "megapixels",
            f"{mp:g} megapixels at {aspect_name} gives {size[0]}x{size[1]}, but {family.name} sides must be "
            f"between {low} and {high}; choose megapixels that fit, or give width and height",
        )
    return size
