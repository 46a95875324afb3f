"""Init images of img2img items: read from their files (or taken as given in memory) and fitted to the item's size.

The fit is A1111's default "just resize": the whole picture, stretched to the item's width and height with
Lanczos. Every pipeline then sees an image of exactly the item's size, including SD and SDXL img2img, which
take the output size from the image rather than from `width`/`height`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from kiln.errors import InvalidInput, KilnError
from kiln.types import ImageItem

__all__ = ["accepts_size", "fit_init_image", "load_init_images", "open_init_image"]


def open_init_image(path: str | Path) -> Image.Image:
    """The image at `path` as RGB, read fully; `InvalidInput` naming `init_image` if it is missing or unreadable."""
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except FileNotFoundError:
        raise InvalidInput("init_image", f"{path} does not exist; give the path of an image file") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput("init_image", f"cannot read {path} as an image ({exc}); use a PNG, JPEG or WebP") from exc


def load_init_images(items: Sequence[ImageItem], given: Sequence[Image.Image] | None) -> list[Image.Image | None]:
    """One start image per item: `given` (in memory, one per item) or each img2img item's `init_image` file;
    None for txt2img items."""
    if given is not None:
        if len(given) != len(items):
            raise KilnError(f"{len(given)} init images for {len(items)} items; give one per item")
        return [image if item.kind == "img2img" else None for item, image in zip(items, given, strict=True)]
    starts: list[Image.Image | None] = []
    for item in items:
        if item.kind != "img2img":
            starts.append(None)
        elif item.init_image is None:
            raise InvalidInput("init_image", "an img2img item needs an init image; give the path of one")
        else:
            starts.append(open_init_image(item.init_image))
    return starts


def fit_init_image(image: Image.Image, width: int, height: int) -> Image.Image:
    """`image` as RGB at exactly `width` x `height` (stretched with Lanczos if it is another size)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return rgb if rgb.size == (width, height) else rgb.resize((width, height), Image.Resampling.LANCZOS)


def accepts_size(pipe: Any) -> bool:
    """Whether a pipeline's call takes `height` and `width` (SD3, Flux and Z-Image img2img do; SD and SDXL don't)."""
    parameters = inspect.signature(type(pipe).__call__).parameters
    return "height" in parameters and "width" in parameters
