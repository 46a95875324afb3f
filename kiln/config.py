"""Settings: the only reader of the environment (prefix `KILN_`). Imports nothing of kiln's."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "kiln"


class Settings(BaseSettings):
    """Everything configurable, from `KILN_*` environment variables or constructor arguments."""

    model_config = SettingsConfigDict(env_prefix="KILN_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Where kiln keeps its state")
    output_dir: Path = Field(default=Path("outputs"), description="Root folder for generated files")
    default_model: str = "tiny-sd"
    styles_file: Path | None = Field(default=None, description="JSON file of extra styles")

    device: str = Field(default="auto", description="auto, cpu, cuda, cuda:N or mps")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    micro_batch: int | None = Field(default=None, ge=1, le=256, description="Items per pipeline call")
    offload: Literal["auto", "none", "model", "sequential"] = "auto"
    compile: bool = Field(default=False, description="torch.compile the denoiser (GPU only)")
    vae_tiling_megapixels: float = Field(default=2.0, gt=0, description="Decode in tiles above this size")
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads (fixed for reproducibility)")
    max_items: int = Field(default=10_000, ge=1)
