"""Control images of ControlNet items: read (a local file, or given in memory by the worker), fitted to the item's
size, and for `canny` turned into an edge map.

Canny uses OpenCV (`opencv-python-headless`): `cv2.Canny(rgb, 100, 200)` is exactly the preprocessor the canny
ControlNets were trained with (lllyasviel's annotator and A1111's ControlNet extension), so real models get the
edge maps they expect; Pillow has only a 3x3 edge filter, with no thresholds or thin lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from kiln.engine.control_catalog import COMPUTED_TYPES
from kiln.engine.init_images import fit_init_image
from kiln.errors import InvalidInput, KilnError
from kiln.media.pixels import DEFAULT_MAX_PIXELS, check_pixels
from kiln.types import ControlUse, ImageItem

__all__ = ["CANNY_HIGH", "CANNY_LOW", "canny_edges", "load_control_images", "open_control_image", "prepare_control"]

CANNY_LOW, CANNY_HIGH = 100, 200  # the annotator's defaults


def open_control_image(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The control image at `path` as RGB; `InvalidInput` naming `control.image` if missing, unreadable or too big."""
    name = Path(path).name
    try:
        if not check_pixels(path, max_pixels=max_pixels, field="control.image", name=name):
            raise InvalidInput("control.image", f"cannot read {name} as an image; use a PNG, JPEG or WebP")
        with Image.open(path) as image:
            return image.convert("RGB")
    except FileNotFoundError:
        raise InvalidInput("control.image", f"{name} does not exist; give the path of an image file") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput("control.image", f"cannot read {name} as an image; use a PNG, JPEG or WebP") from exc


def load_control_images(
    items: Sequence[ImageItem], given: Sequence[Image.Image | None] | None, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> list[Image.Image | None]:
    """One control image per item (None without a ControlNet): `given` in memory, else each item's file."""
    if given is not None:
        if len(given) != len(items):
            raise KilnError(f"{len(given)} control images for {len(items)} items; give one per item")
        return [image if item.control is not None else None for item, image in zip(items, given, strict=True)]
    return [
        None if item.control is None else open_control_image(item.control.image, max_pixels=max_pixels)
        for item in items
    ]


def canny_edges(image: Image.Image, low: int = CANNY_LOW, high: int = CANNY_HIGH) -> Image.Image:
    """White edges on black, three channels, as the canny ControlNets take them."""
    import cv2

    edges = cv2.Canny(np.asarray(image.convert("RGB")), low, high)
    return Image.fromarray(np.stack([edges] * 3, axis=-1))


def prepare_control(image: Image.Image, control: ControlUse, width: int, height: int) -> Image.Image:
    """The map the ControlNet sees: the image fitted to the item's size, then its edges for `canny`."""
    fitted = fit_init_image(image, width, height)
    return canny_edges(fitted) if control.type in COMPUTED_TYPES else fitted
