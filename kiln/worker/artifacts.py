"""Turning a generated image into the bytes of its file, with its recipe embedded."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kiln import __version__
from kiln.engine.executor import GeneratedImage
from kiln.media.images import encode_image
from kiln.media.infotext import build_infotext

__all__ = ["adapter_infotext", "encode_generated", "recipe_of"]


def recipe_of(generated: GeneratedImage) -> dict[str, Any]:
    """The JSON recipe stored in every image: the full item and what `kiln reproduce` needs."""
    return {
        "kiln_version": __version__,
        "item": generated.item.to_dict(),
        "sampler": generated.sampler,
        "model_label": generated.model_label,
    }


def adapter_infotext(generated: GeneratedImage) -> dict[str, str]:
    """A1111's keys for the model's hash, the LoRAs' hashes and a ControlNet (as its ControlNet extension writes)."""
    extra: dict[str, str] = {}
    if generated.model_hash:
        extra["Model hash"] = generated.model_hash
    if generated.lora_hashes:
        extra["Lora hashes"] = ", ".join(f"{name}: {short}" for name, short in generated.lora_hashes)
    control = generated.item.control
    if control is not None:
        extra["ControlNet 0"] = f"Module: {control.type}, Model: {control.model}, Weight: {control.scale:g}"
    return extra


def encode_generated(generated: GeneratedImage) -> bytes:
    item = generated.item
    shown = item
    if item.loras:  # A1111 keeps the tags in the infotext's prompt: pasted back into it, the LoRAs apply again
        tags = " ".join(f"<lora:{lora.name}:{lora.weight:g}>" for lora in item.loras)
        shown = replace(item, prompt=f"{item.prompt} {tags}")
    infotext = build_infotext(
        shown, sampler=generated.sampler, model_label=generated.model_label, extra=adapter_infotext(generated)
    )
    return encode_image(
        generated.image,
        item.output_format,
        quality=item.output_quality,
        infotext=infotext,
        recipe=recipe_of(generated),
    )
