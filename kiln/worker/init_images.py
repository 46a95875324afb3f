"""Init images of image items, read from storage by the worker that runs them.

The API turns an `init_image` given as `upload:<id>` or `artifact:<id>` into `storage:<key>` (`kiln.api.inputs`),
never a path on its own disk: the worker may be on another machine, and the storage an S3 bucket. Here the worker
reads each such key out of its storage and hands the engine the pictures in memory. The header is checked against
`KILN_MAX_INPUT_PIXELS` before anything is decoded (the API checked at submit, but the object could have changed).
Errors name the stored file by its name; the worker's failure reason puts back the reference the caller sent
(`kiln.worker.references`). A local run's items hold file paths: the engine opens those itself.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Protocol

from PIL import Image, UnidentifiedImageError

from kiln.engine.init_images import open_init_image
from kiln.engine.inpainting import open_mask
from kiln.errors import InvalidInput
from kiln.jobs.inputs import STORAGE_SCHEME
from kiln.media.pixels import check_pixels
from kiln.types import ImageItem

__all__ = ["ReadableStorage", "is_stored", "read_stored_image", "stored_init_images", "stored_masks"]


class ReadableStorage(Protocol):
    def read(self, relative: str) -> bytes: ...


def is_stored(init_image: str | None) -> bool:
    """Whether an item's `init_image` names a file in storage (`storage:<key>`) rather than a local path."""
    return init_image is not None and init_image.startswith(STORAGE_SCHEME)


def stored_init_images(
    items: Sequence[ImageItem], storage: ReadableStorage, *, max_pixels: int
) -> list[Image.Image] | None:
    """One start image per item when any item's init image is in storage (a unit shares one signature, so all its
    items are img2img then); None when none is, leaving the engine to open local paths as a local run does."""
    if not any(is_stored(item.init_image) for item in items):
        return None
    return [_start(item.init_image, storage, max_pixels) for item in items]


def _start(source: str | None, storage: ReadableStorage, max_pixels: int) -> Image.Image:
    if source is None:
        raise InvalidInput("init_image", "an img2img item needs an init image; give upload:<id> or artifact:<id>")
    if not is_stored(source):
        return open_init_image(source, max_pixels=max_pixels)
    return read_stored_image(source, storage, max_pixels=max_pixels, field="init_image", mode="RGB")


def read_stored_image(
    source: str, storage: ReadableStorage, *, max_pixels: int, field: str, mode: str, what: str = "image"
) -> Image.Image:
    """The picture at `storage:<key>` in `mode`, its header checked against `max_pixels` before decoding;
    `InvalidInput(field)` naming the file when it is gone or not an image."""
    key = source.removeprefix(STORAGE_SCHEME)
    name = PurePosixPath(key).name
    try:
        data = storage.read(key)
    except FileNotFoundError:
        raise InvalidInput(field, f"{name} is gone from storage; upload the {what} again") from None
    if not check_pixels(data, max_pixels=max_pixels, field=field, name=name):  # the header, before decoding
        raise InvalidInput(field, f"cannot read {name} as an image; use a PNG, JPEG or WebP")
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.convert(mode)
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput(field, f"cannot read {name} as an image ({exc}); use a PNG, JPEG or WebP") from exc


def stored_masks(
    items: Sequence[ImageItem], storage: ReadableStorage, *, max_pixels: int
) -> list[Image.Image | None] | None:
    """One inpainting mask per item (grayscale; None where the item has none) when any item's mask is in storage;
    None when none is, leaving the engine to open local paths."""
    if not any(is_stored(item.mask) for item in items):
        return None
    return [None if item.mask is None else _mask(item.mask, storage, max_pixels) for item in items]


def _mask(source: str, storage: ReadableStorage, max_pixels: int) -> Image.Image:
    if not is_stored(source):
        return open_mask(source, max_pixels=max_pixels)
    return read_stored_image(source, storage, max_pixels=max_pixels, field="mask", mode="L", what="mask")
