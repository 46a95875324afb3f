"""Schemas of `POST /v1/images`: one spec, `n` copies, answered when the images exist."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from kiln.jobs.spec import ImageSpec

__all__ = ["ImageData", "ImagesRequest", "ImagesResponse", "ResponseFormat"]

ResponseFormat = Literal["b64_json", "url"]


class ImagesRequest(ImageSpec):
    """An `ImageSpec` plus how many, how to return them, and how long to wait."""

    n: int = Field(default=1, ge=1, le=16, description="Images of this spec (seeds count up)")
    response_format: ResponseFormat = Field(default="b64_json", description="Inline base64, or a signed URL")
    timeout: float = Field(default=120.0, gt=0, le=3600, description="Seconds to wait before answering 504")

    def spec(self) -> ImageSpec:
        """The image spec alone, without this request's extra fields."""
        values = {name: getattr(self, name) for name in self.model_fields_set if name in ImageSpec.model_fields}
        values.setdefault("prompt", self.prompt)
        return ImageSpec.model_construct(_fields_set=set(values), **values)


class ImageData(BaseModel):
    b64_json: str | None = None
    url: str | None = None
    seed: int | None
    width: int
    height: int
    metadata: dict[str, Any]


class ImagesResponse(BaseModel):
    created: int = Field(description="Unix time of the answer")
    job_id: str
    data: list[ImageData]
