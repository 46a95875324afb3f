"""Planning rules of inpainting and outpainting: an img2img item with a `mask` or an `outpaint` becomes `inpaint`.

- `mask` (white = repaint, black = keep) needs an `init_image` and has the init image's size; a local run's file is
  checked by its header and recorded as an absolute path, a stored one (`storage:<key>`, checked by the API) kept.
- `outpaint` (left, right, top, bottom pixels, each >= 0, at least one > 0, each a multiple of the family's size
  multiple) extends the canvas: the item's width and height are the base size plus the margins, within the
  family's largest side; the engine pastes the init image inside and repaints the margins. It makes its own mask,
  so it takes no `mask`.
- the base size (the init image's size on the canvas) is the size the spec asks for, else the init image's own
  size (rounded down to the family's multiple): a local file's, or a stored one's as the API reads it
  (`StoredSize`), else the family's default.
- `strength` defaults to 1 (the masked region is drawn anew; the rest is kept).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiln.engine.families import Family
from kiln.errors import InvalidInput
from kiln.jobs.inputs import STORAGE_SCHEME
from kiln.media.pixels import check_pixels, image_size

__all__ = ["DEFAULT_INPAINT_STRENGTH", "InpaintPlan", "StoredSize", "base_size", "margins", "plan_inpaint"]

DEFAULT_INPAINT_STRENGTH = 1.0
Margins = tuple[int, int, int, int]
StoredSize = Callable[[str], tuple[int, int] | None]  # a stored image's (`storage:<key>`) size, from its header


def margins(values: Sequence[int] | None) -> Margins | None:
    """A request's `outpaint` list (left, right, top, bottom; its length checked by the spec) as `Margins`."""
    if values is None:
        return None
    left, right, top, bottom = values
    return (left, right, top, bottom)


@dataclass(frozen=True, slots=True)
class InpaintPlan:
    """The item fields inpainting decides: the canvas size, the mask and the margins."""

    width: int
    height: int
    mask: str | None
    outpaint: Margins | None


def base_size(init_image: str, family: Family, stored_size: StoredSize | None = None) -> tuple[int, int] | None:
    """The init image's size rounded down to the family's multiple: a local file's, or a stored one's through
    `stored_size` (None without it, or for an unreadable file: the planner's img2img check names that)."""
    if init_image.startswith(STORAGE_SCHEME):
        size = stored_size(init_image) if stored_size is not None else None
    else:
        size = image_size(Path(init_image))
    if size is None:
        return None
    multiple = family.size_multiple
    width, height = (max(multiple, side // multiple * multiple) for side in size)
    return min(width, family.max_side), min(height, family.max_side)


def plan_inpaint(
    *,
    init_image: str | None,
    mask: str | None,
    outpaint: Margins | None,
    width: int,
    height: int,
    family: Family,
    max_pixels: int,
) -> InpaintPlan:
    """The canvas and mask of an inpaint or outpaint item (`init_image` already checked); `InvalidInput` naming
    `mask` or `outpaint` on bad input."""
    if init_image is None:
        field = "mask" if mask is not None else "outpaint"
        raise InvalidInput(field, f"{field} works on an init image; give init_image too, or remove {field}")
    if mask is not None and outpaint is not None:
        raise InvalidInput("outpaint", "outpaint makes its own mask (the new margins); remove mask or outpaint")
    if outpaint is not None:
        return _plan_outpaint(outpaint, width, height, family)
    assert mask is not None
    if mask.startswith(STORAGE_SCHEME):
        return InpaintPlan(width, height, mask, None)
    return InpaintPlan(width, height, str(_checked_mask(mask, init_image, max_pixels)), None)


def _plan_outpaint(margins: Margins, width: int, height: int, family: Family) -> InpaintPlan:
    if len(margins) != 4:
        raise InvalidInput("outpaint", "give four numbers of pixels: left, right, top, bottom")
    if any(side < 0 for side in margins):
        raise InvalidInput("outpaint", f"{_shown(margins)} has a negative side; give pixels of 0 or more per side")
    if not any(margins):
        raise InvalidInput("outpaint", "every side is 0; add pixels to at least one side, e.g. 0,128,0,0")
    multiple = family.size_multiple
    if any(side % multiple for side in margins):
        raise InvalidInput(
            "outpaint", f"{_shown(margins)}: {family.name} needs each side in multiples of {multiple} pixels"
        )
    left, right, top, bottom = margins
    canvas = (width + left + right, height + top + bottom)
    if max(canvas) > family.max_side:
        raise InvalidInput(
            "outpaint",
            f"{_shown(margins)} makes a {canvas[0]}x{canvas[1]} canvas, over {family.name}'s largest side of "
            f"{family.max_side}; add fewer pixels",
        )
    return InpaintPlan(canvas[0], canvas[1], None, margins)


def _shown(margins: Margins) -> str:
    return ",".join(str(side) for side in margins)


def _checked_mask(text: str, init_image: str, max_pixels: int) -> Path:
    path = Path(text).expanduser()
    if not path.is_file():
        raise InvalidInput("mask", f"{text} does not exist; give the path of a mask image (white = repaint)")
    if not check_pixels(path, max_pixels=max_pixels, field="mask", name=text):
        raise InvalidInput("mask", f"cannot read {text} as an image; use a PNG, JPEG or WebP")
    check_same_size(image_size(path), image_size(Path(init_image)), "mask")
    return path.resolve()


def check_same_size(mask: tuple[int, int] | None, init: tuple[int, int] | None, field: str) -> None:
    """Refuse a mask whose size is not the init image's (the API checks stored files with it too)."""
    if mask is not None and init is not None and mask != init:
        raise InvalidInput(
            field,
            f"the mask is {mask[0]}x{mask[1]} but the init image is {init[0]}x{init[1]}; give a mask of the init "
            "image's size",
        )
