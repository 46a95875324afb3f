"""The request fields of adapters: LoRAs and a ControlNet per image. Validation names the field."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["MAX_LORAS", "MAX_LORA_WEIGHT", "ControlSpec", "LoraSpec"]

MAX_LORA_WEIGHT = 4.0  # A1111 takes any number; beyond +-4 a LoRA only burns the image
MAX_LORAS = 8


class LoraSpec(BaseModel):
    """One LoRA: a `name` (see `kiln loras`) or a `path` to a .safetensors file, at `weight` (1 = as trained)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, description="A built-in LoRA or a file in KILN_LORA_DIR, no suffix")
    path: str | None = Field(default=None, description="A .safetensors file (over HTTP: inside KILN_LORA_DIR)")
    weight: Annotated[float, Field(ge=-MAX_LORA_WEIGHT, le=MAX_LORA_WEIGHT)] = Field(
        default=1.0, description="How strongly it applies, -4 to 4; 0 leaves the image as without it"
    )

    @model_validator(mode="after")
    def _one_source(self) -> LoraSpec:
        if (self.name is None) == (self.path is None):
            raise ValueError("give a LoRA's name or its path (one of them)")
        return self


class ControlSpec(BaseModel):
    """A ControlNet guiding the image: `type` (canny, depth, pose: see GET /v1/models' families), the `image` (for
    canny any picture, kiln finds its edges; for the other types the control map itself) and `scale`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(description="canny (edges computed by kiln), depth or pose (the image is the map)")
    image: str = Field(description="A local file path, or upload:<id> / artifact:<id> over HTTP")
    scale: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        default=1.0, description="How strongly it guides, 0 to 2; 0 is the image without it"
    )
