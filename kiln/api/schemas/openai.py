"""Schemas of the OpenAI Images API (`POST /v1/images/generations`), as the official client sends them.

Fields kiln has no use for (`background`, `moderation`, `output_compression`, `user`, and any added later)
are accepted and ignored, so the client works unchanged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kiln.jobs.text import PlainText

__all__ = ["SIZE_PATTERN", "OpenAIImage", "OpenAIImageRequest", "OpenAIImagesResponse"]

# OpenAI's own sizes (256x256 ... 1792x1024) and any other WIDTHxHEIGHT a kiln model makes, or auto
SIZE_PATTERN = r"^(auto|[1-9][0-9]{0,4}x[1-9][0-9]{0,4})$"


class OpenAIImageRequest(PlainText):
    """`images.generate(...)`'s body."""

    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(min_length=1, max_length=32000)
    model: str | None = Field(default=None, description="dall-e-2, dall-e-3, gpt-image-1: the default model")
    n: int | None = Field(default=1, ge=1, le=10)
    size: str | None = Field(
        default="auto",
        pattern=SIZE_PATTERN,
        description="WIDTHxHEIGHT, each side snapped to the model's size multiple; auto: the model's own size",
    )
    response_format: Literal["url", "b64_json"] | None = "url"
    quality: Literal["standard", "hd", "low", "medium", "high", "auto"] | None = None
    style: Literal["vivid", "natural"] | None = None
    output_format: Literal["png", "webp", "jpeg"] | None = None
    user: str | None = None
    background: str | None = None
    moderation: str | None = None
    output_compression: int | None = None
    # kiln's own fields (another kiln sends them: `KILN_OPENAI_KILN_FIELDS`), so the same seed makes the same image
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, description="kiln: the seed of the first image")
    steps: int | None = Field(default=None, ge=1, le=500, description="kiln: denoising steps")


class OpenAIImage(BaseModel):
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None


class OpenAIImagesResponse(BaseModel):
    created: int
    data: list[OpenAIImage]
