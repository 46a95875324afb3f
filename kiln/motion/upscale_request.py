"""`UpscaleRequest`: one image made larger by an upscaler (a `kind: upscale` job item, or `kiln upscale`).
torch-free, so the API validates with it."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from kiln.jobs.text import PlainText
from kiln.types import OutputFormat

__all__ = ["UpscaleRequest"]


class UpscaleRequest(PlainText):
    """An image, the upscaler that enlarges it, the final scale and how it is tiled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str = Field(description="The image: upload:<id>, artifact:<id> or a URL (from the CLI: a file)")
    upscaler: str = Field(
        max_length=255,
        description="tiny-esrgan (built-in, random weights), or an ESRGAN-family .pth/.safetensors file in the "
        "upscalers folder (KILN_UPSCALERS_DIR) by file name",
    )
    scale: Annotated[float, Field(gt=1.0, le=8.0)] | None = Field(
        default=None, description="Final size as a multiple of the image's; default: the upscaler's own (4 for most)"
    )
    tile: Annotated[int, Field(ge=0, le=4096)] = Field(
        default=512, description="Tile side in input pixels, so large images fit in memory; 0: the whole image"
    )
    steps: Annotated[int, Field(ge=1, le=200)] = Field(
        default=20, description="Denoising steps of the SD x4 upscaler (ESRGANs ignore it)"
    )
    prompt: str = Field(default="", description="What the image shows, guiding the SD x4 upscaler")
    format: OutputFormat = "png"
    name: str | None = Field(default=None, description="A name for the output file")
