"""Settings: the only reader of the environment (prefix `KILN_`). Imports nothing of kiln's."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "kiln"


class Settings(BaseSettings):
    """Everything configurable, from `KILN_*` environment variables or constructor arguments."""

    model_config = SettingsConfigDict(env_prefix="KILN_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=_default_data_dir, description="Where kiln keeps its state")
    output_dir: Path = Field(default=Path("outputs"), description="Root folder for generated files")
    storage_url: str | None = Field(
        default=None,
        description="Where files go: file:///path or s3://bucket/prefix (S3, R2, MinIO); default: output_dir",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="S3 endpoint (R2, MinIO); default: AWS_ENDPOINT_URL, else AWS itself"
    )
    s3_downloads: Literal["redirect", "stream"] = Field(
        default="redirect", description="S3 storage: downloads redirect to a presigned URL, or kiln streams them"
    )
    default_model: str = "tiny-sd"
    styles_file: Path | None = Field(default=None, description="JSON file of extra styles")
    wildcards_dir: Path | None = Field(
        default=None, description="Folder of wildcard files (`__name__` in a prompt); default: data_dir/wildcards"
    )

    device: str = Field(default="auto", description="auto, cpu, cuda, cuda:N or mps")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    micro_batch: int | None = Field(default=None, ge=1, le=256, description="Items per pipeline call")
    offload: Literal["auto", "none", "model", "sequential"] = "auto"
    compile: bool = Field(default=False, description="torch.compile the denoiser (GPU only)")
    vae_tiling_megapixels: float = Field(default=2.0, gt=0, description="Decode in tiles above this size")
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads (fixed for reproducibility)")
    max_items: int = Field(default=10_000, ge=1, description="Most items in one job or run")
    tts: str = Field(default="espeak-ng", description="Text-to-speech engine: espeak-ng or package.module:ClassName")

    # the job service
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite in data_dir")
    redis_url: str | None = Field(
        default=None,
        pattern=r"^(redis|rediss|unix)://",
        description="The event bus (redis://, rediss:// or unix://): live events reach every API process at once",
    )
    redis_channel: str = Field(
        default="kiln:events", min_length=1, max_length=200, description="Redis channel of the event bus"
    )
    redis_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="With Redis, how often event streams still read the store (a lost message waits this long)",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    auth: Literal["on", "off"] = Field(default="on", description="API keys required; off only when set so")
    cors_origins: list[str] = Field(default_factory=list)
    studio: bool = Field(default=True, description="Serve the web studio at / (KILN_STUDIO=off: the API only)")
    studio_dir: Path | None = Field(default=None, description="The studio's built bundle; default: the package's")
    max_request_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    workers: int | None = Field(default=None, ge=0, description="Worker processes for `kiln serve`: one per device")
    worker_models: str | None = Field(
        default=None,
        description="Models the workers serve, comma-separated (a pool, as `kiln worker --models`); default: every one",
    )
    lease_seconds: float = Field(default=30.0, gt=0)
    heartbeat_seconds: float = Field(default=5.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    storage_retry_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Delay before an item whose file was not stored is retried; doubles per attempt",
    )
    preload_model: bool = Field(default=True, description="Workers load the default model at start")
    max_loaded_models: int = Field(default=2, ge=1)
    model_memory_gb: float | None = Field(
        default=None, gt=0, description="Weights the loaded models may hold; default: 80% of a CUDA card, else none"
    )
    webhook_allow_private: bool = Field(default=False, description="Allow webhooks to loopback/private hosts")
    webhook_secret: str | None = Field(default=None, description="Signing secret (whsec_...); default: generated")
    url_secret: str | None = Field(
        default=None, min_length=16, description="Signs artifact URLs; default: made once in data_dir/url_secret"
    )
    status_cache_seconds: float = Field(default=0.2, ge=0, description="How long the API reuses a job's record")
    input_allow_private: bool = Field(default=False, description="Allow input URLs on loopback/private hosts")
    input_max_bytes: int = Field(default=256 * 1024 * 1024, ge=1024, description="Largest input file by URL or upload")
    input_timeout_seconds: float = Field(default=60.0, gt=0, description="Time limit of one input download")
    max_input_pixels: int = Field(
        default=64_000_000, ge=1, description="Largest input image (width x height), checked on its header"
    )
    lora_dir: Path | None = Field(
        default=None, description="Folder of LoRA .safetensors files (`<lora:name:w>`); default: data_dir/loras"
    )

    upscalers_dir: Path | None = Field(
        default=None,
        description="Folder of ESRGAN-family upscalers (.pth/.safetensors) named by file; default: data_dir/upscalers",
    )
    asset_cache_max_bytes: int = Field(
        default=20 * 1024**3,
        ge=0,
        description="Most bytes of finished storyboard assets a worker host keeps for reuse across jobs (all owners); "
        "the least recently used go first",
    )
    max_output_pixels: int = Field(
        default=64_000_000, ge=1, description="Largest image an upscale may make (width x height)"
    )
    cost_per_gpu_hour: float | None = Field(
        default=None, ge=0, description="Price of one GPU hour, for the cost of estimates and dry runs"
    )
    tf32: bool = Field(default=True, description="CUDA: TF32 matmuls and convolutions (faster, about 1e-3 off fp32)")
    go_fast: bool = Field(
        default=False, description="CUDA: Flux transformers' linear layers in fp8 (torchao), faster and a bit coarser"
    )

    # remote backends (`kiln.remote`): a backend is configured when its key (or its base URL) is set
    replicate_api_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REPLICATE_API_TOKEN", "KILN_REPLICATE_API_TOKEN"),
        description="Replicate's API token: `replicate:owner/model[:version]` models",
    )
    replicate_base_url: str = Field(
        default="https://api.replicate.com/v1", description="Replicate's API, or a local Cog server"
    )
    replicate_concurrency: int = Field(default=8, ge=1, le=1000, description="Replicate predictions in flight at most")
    replicate_webhook_host: str = Field(
        default="127.0.0.1", description="A local Cog server: the address it reaches kiln's webhook receiver at"
    )
    replicate_webhook_port: int = Field(
        default=0, ge=0, le=65535, description="A local Cog server: kiln's webhook port (0: any free one)"
    )
    openai_base_url: str | None = Field(
        default=None, description="An OpenAI-compatible Images API (another kiln: http://host:8000/v1)"
    )
    openai_api_key: str | None = Field(default=None, description="The key of the OpenAI-compatible API")
    openai_concurrency: int = Field(default=4, ge=1, le=1000, description="OpenAI requests in flight at most")
    openai_kiln_fields: bool = Field(
        default=False,
        description="Send kiln's own fields (seed, steps, negative_prompt) to the OpenAI-compatible API (another kiln)",
    )
    openai_timeout_seconds: float = Field(default=600.0, gt=0, description="Time limit of one OpenAI request")
    remote_prices: dict[str, float] = Field(
        default_factory=dict, description='USD per image by remote model, over the built-in table: {"openai:x": 0.04}'
    )
    remote_max_retries: int = Field(default=8, ge=0, le=100, description="Retries of a remote call on 429 and 5xx")
    remote_workers: bool = Field(
        default=True, description="`kiln serve` starts a provider worker per configured remote backend (off: none)"
    )
    remote_poll_seconds: float = Field(default=1.0, gt=0, description="How often a remote prediction is polled")

    def resolved_upscalers_dir(self) -> Path:
        return self.upscalers_dir or self.data_dir / "upscalers"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'kiln.db'}"

    def resolved_wildcards_dir(self) -> Path:
        return self.wildcards_dir or self.data_dir / "wildcards"

    def resolved_lora_dir(self) -> Path:
        return self.lora_dir or self.data_dir / "loras"
