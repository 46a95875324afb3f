"""Images of the synchronous endpoint (`POST /v1/images`), with their bytes in hand."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kiln.sdk.files import write_bytes

__all__ = ["GeneratedImage", "ImageData", "ImagesResponse"]


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    """One generated image: its encoded bytes (PNG unless another format was asked for) and how it was made."""

    data: bytes
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None  # where the server keeps it, when asked for response_format="url"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the image to `path` (atomically); returns the path."""
        return write_bytes(path, self.data)


class ImageData(BaseModel):
    """One entry of the endpoint's `data`: the image inline (`b64_json`) or by `url`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    b64_json: str | None = None
    url: str | None = None
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    def inline(self) -> bytes | None:
        return base64.b64decode(self.b64_json) if self.b64_json is not None else None

    def image(self, data: bytes) -> GeneratedImage:
        return GeneratedImage(data, self.seed, self.width, self.height, self.metadata, self.url)


class ImagesResponse(BaseModel):
    """The endpoint's answer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    created: int | None = None
    job_id: str | None = None
    data: tuple[ImageData, ...] = ()
