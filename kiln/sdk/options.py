"""Keyword arguments of the SDK's methods, typed: the fields of one image, and the options of a job.

These mirror the server's `ImageSpec` and job request; the server validates them (a `ValidationError` names the
field), the types only let a type checker catch a misspelt name.
"""

from __future__ import annotations

from typing import Literal, Required, TypedDict

__all__ = ["GalleryFilters", "GenerateOptions", "ImageFields", "ItemSpec", "JobOptions"]


class ImageFields(TypedDict, total=False):
    """Everything about one image but its prompt; unset fields fall back to the model's defaults."""

    negative_prompt: str
    style: str
    quality: Literal["fast", "balanced", "high", "ultra"]
    steps: int
    guidance: float
    width: int
    height: int
    aspect: str
    megapixels: float
    seed: int
    model: str
    scheduler: str
    format: Literal["png", "webp", "jpeg", "avif"]
    output_quality: int
    name: str


class ItemSpec(ImageFields, total=False):
    """One item of a job: an image request with its prompt."""

    prompt: Required[str]


class GenerateOptions(ImageFields, total=False):
    """`Client.generate`: image fields plus how many images and how long the server may take."""

    n: int
    response_format: Literal["b64_json", "url"]
    timeout: float


class JobOptions(TypedDict, total=False):
    """Options of a job besides its prompts or items."""

    kind: str
    start_seed: int
    prefix: str
    save: bool
    micro_batch: int
    priority: int
    webhook_url: str
    previews: bool  # item.preview events with small WebP images while the images denoise


class GalleryFilters(TypedDict, total=False):
    """Filters of the gallery (`Client.gallery`); every one given applies. `q` is text in the prompt (any case);
    `since` and `until` are dates (YYYY-MM-DD, `until` up to that day's end) or ISO 8601 times."""

    job: str
    model: str
    style: str
    q: str
    seed: int
    width: int
    height: int
    since: str
    until: str
    starred: bool
    board: str
    media: Literal["image", "video"]
