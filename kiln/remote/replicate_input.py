"""What Replicate is asked for: a model reference parsed, and an `ImageItem` mapped onto Flux-schnell's inputs.

kiln resolves every item to a width and a height; Flux on Replicate takes an `aspect_ratio` from a fixed list and
`megapixels` ("1" or "0.25") instead, so the item's size is mapped to the closest of each. The other inputs are
the seed's: `go_fast`, `output_format`, `output_quality`, `num_outputs` (one: a kiln item is one image),
`num_inference_steps` (capped where a model's schema caps it: Flux-schnell takes 1 to 4) and `seed`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kiln.remote.protocol import RemoteError
from kiln.types import ImageItem

__all__ = ["ASPECT_RATIOS", "ModelRef", "aspect_ratio", "megapixels", "parse_model", "prediction_input"]

ASPECT_RATIOS = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21")
_MAX_STEPS = {"black-forest-labs/flux-schnell": 4}  # the model's schema refuses more (422)
_FORMATS = {"png": "png", "webp": "webp", "jpeg": "jpg", "avif": "webp"}  # Replicate has no avif: webp


@dataclass(frozen=True, slots=True)
class ModelRef:
    """`owner/name` (an official model, run by the model-scoped endpoint) or `owner/name:version`."""

    owner: str
    name: str
    version: str | None = None

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"

    def __str__(self) -> str:
        return self.slug if self.version is None else f"{self.slug}:{self.version}"


def parse_model(model: str) -> ModelRef:
    """`owner/name[:version]`, with or without kiln's `replicate:` namespace."""
    text = model.strip().removeprefix("replicate:")
    slug, _, version = text.partition(":")
    owner, _, name = slug.partition("/")
    if not owner or not name or "/" in name:
        raise RemoteError(f"model {model!r} is not a Replicate model; write replicate:owner/model[:version]")
    return ModelRef(owner, name, version or None)


def aspect_ratio(width: int, height: int) -> str:
    """The listed ratio closest to width:height (by the ratio's logarithm, so 2:1 and 1:2 are equally far)."""
    target = math.log(width / height)

    def distance(ratio: str) -> float:
        w, h = ratio.split(":")
        return abs(math.log(int(w) / int(h)) - target)

    return min(ASPECT_RATIOS, key=distance)


def megapixels(width: int, height: int) -> str:
    """ "0.25" for items up to half a megapixel (the two sizes' geometric middle), else "1"."""
    return "0.25" if width * height <= 500_000 else "1"


def prediction_input(ref: ModelRef, item: ImageItem, *, go_fast: bool = True) -> dict[str, Any]:
    """The `input` object of one prediction for `item`."""
    steps = min(item.steps, _MAX_STEPS.get(ref.slug, item.steps))
    return {
        "prompt": item.prompt,
        "seed": item.seed,
        "num_outputs": 1,
        "num_inference_steps": steps,
        "aspect_ratio": aspect_ratio(item.width, item.height),
        "megapixels": megapixels(item.width, item.height),
        "go_fast": go_fast,
        "output_format": _FORMATS[item.output_format],
        "output_quality": item.output_quality,
    }
