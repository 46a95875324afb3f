"""ControlNet images of image items, read from storage by the worker that runs them (as `kiln.worker.init_images`
reads init images): `storage:<key>` references become pictures in memory, their headers checked against
`KILN_MAX_INPUT_PIXELS` before decoding. A local run's items hold file paths, which the engine opens itself."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import PurePosixPath

from PIL import Image, UnidentifiedImageError

from kiln.engine.control_images import open_control_image
from kiln.errors import InvalidInput
from kiln.jobs.inputs import STORAGE_SCHEME
from kiln.media.pixels import check_pixels
from kiln.types import ImageItem
from kiln.worker.init_images import ReadableStorage

__all__ = ["stored_control_images"]


def stored_control_images(
    items: Sequence[ImageItem], storage: ReadableStorage, *, max_pixels: int
) -> list[Image.Image | None] | None:
    """One control image per item (None without a ControlNet) when any is in storage; else None."""
    if not any(item.control is not None and item.control.image.startswith(STORAGE_SCHEME) for item in items):
        return None
    return [None if item.control is None else _read(item.control.image, storage, max_pixels) for item in items]


def _read(source: str, storage: ReadableStorage, max_pixels: int) -> Image.Image:
    if not source.startswith(STORAGE_SCHEME):
        return open_control_image(source, max_pixels=max_pixels)
    key = source.removeprefix(STORAGE_SCHEME)
    name = PurePosixPath(key).name
    try:
        data = storage.read(key)
    except FileNotFoundError:
        raise InvalidInput("control.image", f"{name} is gone from storage; upload the image again") from None
    if not check_pixels(data, max_pixels=max_pixels, field="control.image", name=name):
        raise InvalidInput("control.image", f"cannot read {name} as an image; use a PNG, JPEG or WebP")
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput("control.image", f"cannot read {name} as an image; use a PNG, JPEG or WebP") from exc
