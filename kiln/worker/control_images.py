"""ControlNet images of image items, read from storage by the worker that runs them (as `kiln.worker.init_images`
reads init images): `storage:<key>` references become pictures in memory, their headers checked against
`KILN_MAX_INPUT_PIXELS` before decoding. A local run's items hold file paths, which the engine opens itself."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from kiln.engine.control_images import open_control_image
from kiln.types import ImageItem
from kiln.worker.init_images import ReadableStorage, is_stored, read_stored_image

__all__ = ["stored_control_images"]


def stored_control_images(
    items: Sequence[ImageItem], storage: ReadableStorage, *, max_pixels: int
) -> list[Image.Image | None] | None:
    """One control image per item (None without a ControlNet) when any is in storage; else None."""
    if not any(item.control is not None and is_stored(item.control.image) for item in items):
        return None
    return [None if item.control is None else _read(item.control.image, storage, max_pixels) for item in items]


def _read(source: str, storage: ReadableStorage, max_pixels: int) -> Image.Image:
    if not is_stored(source):
        return open_control_image(source, max_pixels=max_pixels)
    return read_stored_image(source, storage, max_pixels=max_pixels, field="control.image", mode="RGB")
