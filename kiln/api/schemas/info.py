"""Schemas of what kiln knows and how it is doing: tokens, models, styles, presets, usage, health."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kiln.jobs.text import PlainText

__all__ = [
    "EncoderCount",
    "FamilyPresets",
    "Health",
    "ModelEntry",
    "ModelList",
    "Presets",
    "Readiness",
    "ReadinessChecks",
    "StyleEntry",
    "StyleList",
    "TokensRequest",
    "TokensResponse",
    "Usage",
]


class TokensRequest(PlainText):
    prompt: str = Field(min_length=1, max_length=100_000)
    model: str | None = Field(default=None, description="Default: the server's default model")


class EncoderCount(BaseModel):
    encoder: str
    kind: str
    tokens: int = Field(description="Including the special tokens the encoder adds")
    limit: int
    truncated: bool
    overflow_words: list[str] = Field(description="Words past the limit, which this encoder never sees")


class TokensResponse(BaseModel):
    model: str
    family: str
    encoders: list[EncoderCount]


class ModelEntry(BaseModel):
    id: str
    family: str
    source: str
    description: str
    default: bool
    default_steps: int
    default_guidance: float
    default_size: tuple[int, int]
    size_multiple: int
    supports_negative: bool
    video: bool = Field(description="A video model (for video jobs), not an image model")


class ModelList(BaseModel):
    data: list[ModelEntry]


class StyleEntry(BaseModel):
    name: str
    prompt: str
    negative: str


class StyleList(BaseModel):
    data: list[StyleEntry]


class FamilyPresets(BaseModel):
    quality_steps: dict[str, int]
    default_steps: int
    max_steps: int
    default_guidance: float
    default_megapixels: float
    size_multiple: int
    min_side: int
    max_side: int
    supports_negative: bool
    schedulers: list[str]


class Presets(BaseModel):
    families: dict[str, FamilyPresets]
    aspect_ratios: list[str]
    formats: list[str]
    qualities: list[str]


class Usage(BaseModel):
    """The caller's usage against its quota: images per rolling 24 hours (`kiln.jobs.quota`)."""

    owner: str | None
    key_name: str | None
    images_last_24h: int = Field(
        description="Images charged in the rolling 24 hours before now (a motion job: its frames); deleted jobs count"
    )
    quota: int | None = Field(description="The key's quota: images per rolling 24 hours; null: unlimited")
    remaining: int | None = Field(description="Images the quota allows now; null: unlimited")
    window_hours: int = Field(description="The rolling window usage is counted over, in hours")
    rule: str = Field(description="The quota's rule, as the CLI help, the README and a 429 say it")
    remote_cost_usd_last_24h: float = Field(
        default=0.0,
        description="What the caller's items on remote backends (replicate:, openai:) cost in the window, in USD: "
        "the backend's metrics, else the price table (KILN_REMOTE_PRICES)",
    )


class Health(BaseModel):
    status: str


class ReadinessChecks(BaseModel):
    store: bool = Field(description="The store answers")
    store_error: str | None = Field(default=None, description="Why the store does not answer (no passwords)")
    storage: bool = Field(default=True, description="A file can be written to storage (a probe file)")
    storage_error: str | None = Field(
        default=None, description="Why files cannot be stored, e.g. `storage error: No space left on device (errno 28)`"
    )
    workers: int = Field(description="Workers that beat within three heartbeats (KILN_HEARTBEAT_SECONDS)")
    pools: dict[str, int] = Field(
        default_factory=dict,
        description="Live workers by pool: its models joined by commas (`kiln worker --models`), `*` for every model",
    )
    default_model_loaded: bool | None = Field(
        description="A live worker holds the default model; null when workers load it on first use "
        "(KILN_PRELOAD_MODEL=false), which is then not a check"
    )


class Readiness(BaseModel):
    ready: bool = Field(description="Every check passed: the store answers, a worker is live, the model is warm")
    checks: ReadinessChecks
