"""Init images of img2img items: read from their files (or taken as given in memory) and fitted to the item's size.

The fit is A1111's default "just resize": the whole picture, stretched to the item's width and height with
Lanczos. Every pipeline then sees an image of exactly the item's size, including SD and SDXL img2img, which
take the output size from the image rather than from `width`/`height`. A file is opened only when its header's
size is within the pixel limit (`kiln.media.pixels`); errors name the file, not its folder (on a server the
folder is the server's business).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from kiln.errors import InvalidInput, KilnError
from kiln.media.pixels import DEFAULT_MAX_PIXELS, check_pixels
from kiln.types import ImageItem

__all__ = ["STARTS_FROM_IMAGE", "accepts_size", "fit_init_image", "load_init_images", "open_init_image"]

STARTS_FROM_IMAGE = ("img2img", "inpaint")  # the item kinds that start from an init image


def open_init_image(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The image at `path` as RGB, read fully; `InvalidInput` naming `init_image` if it is missing, unreadable or
    over `max_pixels`."""
    name = Path(path).name
    try:
        if not Path(path).is_file():
            raise FileNotFoundError(path)
        if not check_pixels(path, max_pixels=max_pixels, field="init_image", name=name):
            raise UnidentifiedImageError(f"{name} is not an image")
        with Image.open(path) as image:
            return image.convert("RGB")
    except FileNotFoundError:
        raise InvalidInput("init_image", f"{name} does not exist; give the path of an image file") from None
    except (UnidentifiedImageError, OSError) as exc:
        reason = str(exc).replace(str(path), name)
        raise InvalidInput("init_image", f"cannot read {name} as an image ({reason}); use a PNG, JPEG or WebP") from exc


def load_init_images(
    items: Sequence[ImageItem], given: Sequence[Image.Image] | None, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> list[Image.Image | None]:
    """One start image per item: `given` (in memory, one per item) or each img2img item's `init_image` file;
    None for txt2img items."""
    if given is not None:
        if len(given) != len(items):
            raise KilnError(f"{len(given)} init images for {len(items)} items; give one per item")
        return [image if item.kind in STARTS_FROM_IMAGE else None for item, image in zip(items, given, strict=True)]
    starts: list[Image.Image | None] = []
    for item in items:
        if item.kind not in STARTS_FROM_IMAGE:
            starts.append(None)
        elif item.init_image is None:
            raise InvalidInput("init_image", "an img2img item needs an init image; give the path of one")
        else:
            starts.append(open_init_image(item.init_image, max_pixels=max_pixels))
    return starts


def fit_init_image(image: Image.Image, width: int, height: int) -> Image.Image:
    """`image` as RGB at exactly `width` x `height` (stretched with Lanczos if it is another size)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return rgb if rgb.size == (width, height) else rgb.resize((width, height), Image.Resampling.LANCZOS)


def accepts_size(pipe: Any) -> bool:
    """Whether a pipeline's call takes `height` and `width` (SD3, Flux and Z-Image img2img do; SD and SDXL don't)."""
    parameters = inspect.signature(type(pipe).__call__).parameters
    return "height" in parameters and "width" in parameters
