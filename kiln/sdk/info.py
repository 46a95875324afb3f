"""What the server tells about itself: token counts, models, styles and a key's usage."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EncoderTokens", "ModelInfo", "StyleInfo", "TokenReport", "Usage"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class EncoderTokens(_Model):
    """One text encoder's view of a prompt: `tokens` read (special tokens included) of its `limit`."""

    encoder: str
    kind: str
    tokens: int
    limit: int
    truncated: bool = False
    overflow_words: tuple[str, ...] = Field(default=(), description="Words past the limit, never seen")


class TokenReport(_Model):
    model: str
    family: str
    encoders: tuple[EncoderTokens, ...] = ()


class ModelInfo(_Model):
    id: str
    family: str
    source: str = ""
    description: str = ""
    default: bool = False
    default_steps: int | None = None
    default_guidance: float | None = None
    default_size: tuple[int, int] | None = None
    size_multiple: int | None = None
    supports_negative: bool = True


class StyleInfo(_Model):
    name: str
    prompt: str = ""
    negative: str = ""


class Usage(_Model):
    """Images charged to this key in the rolling 24 hours before now, against its quota of images per rolling 24
    hours (None: unlimited)."""

    owner: str | None = None
    key_name: str | None = None
    images_last_24h: int = 0
    quota: int | None = None
    remaining: int | None = None
    window_hours: int = 24
    rule: str = "images per rolling 24 hours"
