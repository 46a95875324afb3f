"""Turning a generated image into the bytes of its file, with its recipe embedded."""

from __future__ import annotations

from typing import Any

from kiln import __version__
from kiln.engine.executor import GeneratedImage
from kiln.media.images import encode_image
from kiln.media.infotext import build_infotext

__all__ = ["encode_generated", "recipe_of"]


def recipe_of(generated: GeneratedImage) -> dict[str, Any]:
    """The JSON recipe stored in every image: the full item and what `kiln reproduce` needs."""
    return {
        "kiln_version": __version__,
        "item": generated.item.to_dict(),
        "sampler": generated.sampler,
        "model_label": generated.model_label,
    }


def encode_generated(generated: GeneratedImage) -> bytes:
    item = generated.item
    infotext = build_infotext(item, sampler=generated.sampler, model_label=generated.model_label)
    return encode_image(
        generated.image,
        item.output_format,
        quality=item.output_quality,
        infotext=infotext,
        recipe=recipe_of(generated),
    )
