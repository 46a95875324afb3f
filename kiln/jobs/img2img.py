"""Planning rules of img2img: an item starts from an init image when the spec names one.

- `init_image` given: the item's kind is `img2img`. A local run's file must exist and be an image Pillow reads of
  at most `max_pixels` (its header is checked here, before anything is generated; nothing is decoded) and is
  recorded as an absolute path. Over HTTP (`local=False`) a path on the server is refused: callers upload images,
  and the API hands the planner their stored files as `storage:<key>` (checked by `kiln.api.inputs`), kept as they
  are for the worker to read from storage (`kiln.worker.init_images`).
- `strength`: above 0 up to 1, default `DEFAULT_STRENGTH` (A1111's 0.75); it must leave at least one denoising
  step (`steps * strength >= 1`). A strength without an init image is refused rather than ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiln.errors import InvalidInput
from kiln.jobs.inputs import STORAGE_SCHEME
from kiln.media.pixels import DEFAULT_MAX_PIXELS, check_pixels

__all__ = ["DEFAULT_STRENGTH", "Img2ImgPlan", "plan_img2img"]

DEFAULT_STRENGTH = 0.75


@dataclass(frozen=True, slots=True)
class Img2ImgPlan:
    """The item fields img2img decides: its kind, init image (an absolute path or `storage:<key>`) and strength."""

    kind: str = "txt2img"
    init_image: str | None = None
    strength: float = 1.0


def plan_img2img(
    init_image: str | None,
    strength: float | None,
    steps: int,
    *,
    local: bool = True,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Img2ImgPlan:
    """The kind, init image and strength of an item; `InvalidInput` naming the field on bad input."""
    if init_image is None:
        if strength is not None:
            raise InvalidInput("strength", "strength is for img2img; give an init_image too, or remove strength")
        return Img2ImgPlan()
    if not local:
        raise InvalidInput("init_image", "server file paths are not accepted here; upload the image instead")
    value = DEFAULT_STRENGTH if strength is None else strength
    if not 0 < value <= 1:
        raise InvalidInput("strength", f"{value:g} is out of range; use a number above 0 and up to 1, e.g. 0.6")
    if steps * value < 1:
        message = f"{value:g} of {steps} steps is less than one denoising step; raise strength or steps"
        raise InvalidInput("strength", message)
    if init_image.startswith(STORAGE_SCHEME):  # a stored upload or artifact the API has checked: the worker reads it
        return Img2ImgPlan("img2img", init_image, value)
    return Img2ImgPlan("img2img", str(_checked_image(init_image, max_pixels)), value)


def _checked_image(text: str, max_pixels: int) -> Path:
    path = Path(text).expanduser()
    if not path.is_file():
        raise InvalidInput("init_image", f"{text} does not exist; give the path of an image file")
    if not check_pixels(path, max_pixels=max_pixels, field="init_image", name=text):
        raise InvalidInput("init_image", f"cannot read {text} as an image; use a PNG, JPEG or WebP")
    return path.resolve()
