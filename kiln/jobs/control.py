"""Planning a ControlNet: an item's `control` becomes a `ControlUse` naming the ControlNet that serves its type.

The type must be one the model's family has a ControlNet for (`kiln.engine.control_catalog`). The image follows
`init_image`'s rules: a local run's file must exist and be an image within `max_pixels` (its header checked here),
kept as an absolute path; over HTTP the API has turned the caller's upload or artifact into `storage:<key>`.
A ControlNet with an init image (img2img) is not supported yet and is refused rather than ignored.
"""

from __future__ import annotations

from pathlib import Path

from kiln.engine.control_catalog import control_types
from kiln.errors import InvalidInput
from kiln.jobs.adapter_specs import ControlSpec
from kiln.jobs.inputs import STORAGE_SCHEME
from kiln.media.pixels import check_pixels
from kiln.types import ControlUse

__all__ = ["plan_control"]


def plan_control(
    spec: ControlSpec | None, *, family: str, img2img: bool, local: bool, max_pixels: int
) -> ControlUse | None:
    """The item's ControlNet, or None; `InvalidInput` naming `control.<field>` on bad input."""
    if spec is None:
        return None
    types = control_types(family)
    kind = spec.type.strip().lower()
    if kind not in types:
        choices = ", ".join(types) if types else "none: kiln has no ControlNet for it"
        raise InvalidInput("control.type", f"{family} models have no {spec.type!r} ControlNet; types: {choices}")
    if img2img:
        raise InvalidInput("control", "a ControlNet with an init_image is not supported yet; remove one of them")
    image = spec.image.strip()
    if not image.startswith(STORAGE_SCHEME):
        if not local:
            raise InvalidInput("control.image", "server file paths are not accepted here; upload the image instead")
        path = Path(image).expanduser()
        if not path.is_file():
            raise InvalidInput("control.image", f"{image} does not exist; give the path of an image file")
        if not check_pixels(path, max_pixels=max_pixels, field="control.image", name=image):
            raise InvalidInput("control.image", f"cannot read {image} as an image; use a PNG, JPEG or WebP")
        image = str(path.resolve())
    return ControlUse(type=kind, image=image, scale=spec.scale, model=types[kind])
