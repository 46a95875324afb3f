"""Inpainting and outpainting: each family's inpainting pipeline over the loaded modules, the canvas and mask an
item starts from, and the original pasted back where the mask keeps it.

- Masks are white where the model repaints and black where the picture is kept (A1111's and diffusers' rule).
- Outpainting fits the init image to the base size (the canvas less the margins), places it at (left, top) and
  fills the margins with its edge pixels stretched outwards, a start the model continues from; its mask is
  white over the margins.
- After the call, kept pixels are the start's own (A1111's overlay): the pipeline's latent blending keeps them
  only up to the VAE's round-trip error, the paste keeps them exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from kiln.engine.init_images import fit_init_image
from kiln.errors import InvalidInput, KilnError
from kiln.media.pixels import DEFAULT_MAX_PIXELS, check_pixels
from kiln.types import ImageItem

if TYPE_CHECKING:
    from kiln.engine.loader import LoadedModel

__all__ = [
    "INPAINT_CLASSES",
    "composite",
    "inpaint_pipeline_class",
    "load_masks",
    "open_mask",
    "outpaint_canvas",
    "prepare_inpaint",
]

# a family's txt2img pipeline class -> its inpainting pipeline class (diffusers 0.42)
INPAINT_CLASSES = {
    "StableDiffusionPipeline": "StableDiffusionInpaintPipeline",
    "StableDiffusionXLPipeline": "StableDiffusionXLInpaintPipeline",
    "StableDiffusion3Pipeline": "StableDiffusion3InpaintPipeline",
    "FluxPipeline": "FluxInpaintPipeline",
    "ZImagePipeline": "ZImageInpaintPipeline",
}

Pixels = np.ndarray[Any, np.dtype[np.float32]]


def inpaint_pipeline_class(model: LoadedModel) -> str:
    """The inpainting pipeline class of a loaded model's family; `InvalidInput` naming `mask` when it has none."""
    name = INPAINT_CLASSES.get(model.info.family.pipeline_class)
    if name is None:
        raise InvalidInput("mask", f"{model.info.family.name} models have no inpainting pipeline")
    return name


def open_mask(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The mask at `path` as grayscale ("L"); `InvalidInput` naming `mask` if missing, unreadable or too large."""
    name = Path(path).name
    if not Path(path).is_file():
        raise InvalidInput("mask", f"{name} does not exist; give the path of a mask image (white = repaint)")
    if not check_pixels(path, max_pixels=max_pixels, field="mask", name=name):
        raise InvalidInput("mask", f"cannot read {name} as an image; use a PNG, JPEG or WebP")
    try:
        with Image.open(path) as image:
            return image.convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput("mask", f"cannot read {name} as an image ({exc}); use a PNG or WebP") from exc


def load_masks(
    items: Sequence[ImageItem], given: Sequence[Image.Image | None] | None, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> list[Image.Image | None]:
    """One mask per item: `given` (in memory) or each inpaint item's `mask` file; None where the item has none
    (txt2img, img2img, outpainting, whose mask is its margins)."""
    if given is not None:
        if len(given) != len(items):
            raise KilnError(f"{len(given)} masks for {len(items)} items; give one per item")
        return list(given)
    return [
        open_mask(item.mask, max_pixels=max_pixels) if item.kind == "inpaint" and item.mask else None for item in items
    ]


def outpaint_canvas(image: Image.Image, item: ImageItem) -> tuple[Image.Image, Image.Image]:
    """The start and mask of an outpainting item: the image fitted to the base size at (left, top), its edges
    stretched over the margins, and a mask white over the margins."""
    assert item.outpaint is not None
    left, right, top, bottom = item.outpaint
    base_width, base_height = item.width - left - right, item.height - top - bottom
    inner = np.asarray(fit_init_image(image, base_width, base_height))
    start = np.pad(inner, ((top, bottom), (left, right), (0, 0)), mode="edge")
    mask = np.full((item.height, item.width), 255, dtype=np.uint8)
    mask[top : top + base_height, left : left + base_width] = 0
    return Image.fromarray(start), Image.fromarray(mask)


def prepare_inpaint(
    items: Sequence[ImageItem], starts: Sequence[Image.Image], masks: Sequence[Image.Image | None]
) -> tuple[list[Image.Image], list[Image.Image]]:
    """Each item's start and mask at its size: outpainting builds both; inpainting fits the image and its mask."""
    images, fitted_masks = [], []
    for item, start, mask in zip(items, starts, masks, strict=True):
        if item.outpaint is not None:
            image, mask = outpaint_canvas(start, item)
        else:
            if mask is None:
                raise InvalidInput("mask", "an inpaint item needs a mask (white = repaint) or an outpaint")
            if mask.size != start.size:
                raise InvalidInput(
                    "mask",
                    f"the mask is {mask.size[0]}x{mask.size[1]} but the init image is {start.size[0]}x"
                    f"{start.size[1]}; give a mask of the init image's size",
                )
            image = fit_init_image(start, item.width, item.height)
            gray = mask if mask.mode == "L" else mask.convert("L")
            mask = gray if gray.size == image.size else gray.resize(image.size, Image.Resampling.BILINEAR)
        images.append(image)
        fitted_masks.append(mask)
    return images, fitted_masks


def composite(pixels: Pixels, starts: Sequence[Image.Image], masks: Sequence[Image.Image]) -> Pixels:
    """The generated pixels where the mask is white, the start's where it is black, blended in between."""
    out = np.empty_like(pixels)
    for i, (start, mask) in enumerate(zip(starts, masks, strict=True)):
        weight = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
        original = np.asarray(start, dtype=np.float32) / 255.0
        out[i] = weight * pixels[i] + (1.0 - weight) * original
    return out
