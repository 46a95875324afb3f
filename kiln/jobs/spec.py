"""ImageSpec: what a user asks for, one image or a shared set of defaults. Validation names the field."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from kiln.jobs.adapter_specs import ControlSpec, LoraSpec
from kiln.jobs.text import PlainText
from kiln.types import OutputFormat

__all__ = ["MAX_PROMPT_CHARS", "MAX_SEED", "HiresFix", "ImageOptions", "ImageSpec", "QualityName"]

MAX_SEED = 2**63 - 1
# a prompt is stored with each of up to 10,000 items of a job, so its length bounds the job's size in the store;
# far above what models read (77 tokens a chunk, A1111 joins a few chunks)
MAX_PROMPT_CHARS = 10_000
QualityName = Literal["fast", "balanced", "high", "ultra"]


class HiresFix(PlainText):
    """A1111's hires fix: the image made at its size, upscaled by `scale`, then repainted at `strength`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scale: Annotated[float, Field(gt=1.0, le=4.0)] = Field(default=2.0, description="Upscale factor, above 1 to 4")
    strength: Annotated[float, Field(gt=0.0, le=1.0)] = Field(default=0.5, description="Denoise of the second pass")
    upscaler: str | None = Field(
        default=None, max_length=255, description="An upscaler (`kiln upscale`'s names); default: Lanczos"
    )


class ImageOptions(PlainText):
    """Every option of an image but its prompt, each falling back to the model family's default: the fields of an
    `ImageSpec`, and the shared defaults of a job's prompts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    negative_prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS, description="What to avoid")
    style: str | None = Field(default=None, description="A style name, see `kiln styles`")
    quality: QualityName | None = Field(default=None, description="fast 25, balanced 44, high 64, ultra 84 steps")
    steps: Annotated[int, Field(ge=1, le=500)] | None = Field(default=None, description="Overrides quality")
    guidance: Annotated[float, Field(ge=0.0, le=50.0)] | None = None
    width: Annotated[int, Field(ge=8, le=8192)] | None = None
    height: Annotated[int, Field(ge=8, le=8192)] | None = None
    aspect: str | None = Field(default=None, description="1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 21:9")
    megapixels: Annotated[float, Field(gt=0.0, le=64.0)] | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None
    model: str | None = None
    scheduler: str | None = None
    format: OutputFormat | None = None
    output_quality: Annotated[int, Field(ge=1, le=100)] | None = None
    name: str | None = Field(default=None, description="A name for the output file, e.g. a scene id")
    init_image: str | None = Field(default=None, description="Start from this image (img2img): a local file path")
    strength: Annotated[float, Field(gt=0.0, le=1.0)] | None = Field(
        default=None, description="img2img: how much of the init image is repainted, above 0 up to 1 (default 0.75)"
    )
    loras: list[LoraSpec] | None = Field(default=None, description="LoRAs to apply (also `<lora:name:w>` in prompts)")
    control: ControlSpec | None = Field(default=None, description="A ControlNet guiding the image")

    mask: str | None = Field(
        default=None, description="Inpainting: a mask of the init image's size, white where it is repainted"
    )
    outpaint: list[int] | None = Field(  # a list, not a tuple: JSON (and the studio's types) have arrays
        default=None,
        min_length=4,
        max_length=4,
        description="Outpainting: pixels added to the init image's left, right, top and bottom",
    )

    hires: HiresFix | None = Field(
        default=None, description="Hires fix: generate, upscale, then img2img at a low strength (A1111's)"
    )

    @field_validator("quality", "format", mode="before")
    @classmethod
    def _normalise_name(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip().lower()
        return "jpeg" if value == "jpg" else value


class ImageSpec(ImageOptions):
    """One image request. Every field but `prompt` is optional and falls back to the model family's default."""

    prompt: str = Field(max_length=MAX_PROMPT_CHARS, description="What to draw")

    @field_validator("prompt")
    @classmethod
    def _prompt_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the prompt is empty; write what the image should show")
        return value.strip()
