"""Frozen domain types shared by every layer. Imports nothing of kiln's."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

__all__ = ["OUTPUT_FORMATS", "ImageItem", "OutputFormat", "Signature"]

OutputFormat = Literal["png", "webp", "jpeg", "avif"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("png", "webp", "jpeg", "avif")


@dataclass(frozen=True, slots=True)
class Signature:
    """What items must share to run in one pipeline call (one micro-batch)."""

    model: str
    kind: str
    width: int
    height: int
    steps: int
    guidance: float
    scheduler: str
    adapters: tuple[str, ...] = ()

    def key(self) -> str:
        """A canonical string for storing and grouping by signature."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    def label(self) -> str:
        return f"{self.model} {self.kind} {self.width}x{self.height} {self.steps} steps cfg {self.guidance:g}"


@dataclass(frozen=True, slots=True)
class ImageItem:
    """One output image, fully resolved: style applied, size rounded, seed assigned.

    `prompt` and `negative_prompt` are what the pipeline sees; `user_prompt` is what the user wrote.
    """

    index: int
    prompt: str
    negative_prompt: str
    user_prompt: str
    model: str
    width: int
    height: int
    steps: int
    guidance: float
    seed: int
    style: str | None = None
    quality: str | None = None
    scheduler: str = "default"
    kind: str = "txt2img"
    output_format: OutputFormat = "png"
    output_quality: int = 95
    name: str | None = None

    def signature(self) -> Signature:
        return Signature(
            model=self.model,
            kind=self.kind,
            width=self.width,
            height=self.height,
            steps=self.steps,
            guidance=self.guidance,
            scheduler=self.scheduler,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageItem:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
