"""VideoRequest: one video from a video model, text- or image-to-video, any length, optionally looping.

Checks that need only the request live here (pydantic names the field; checks across fields raise `InvalidInput`
naming the field to change). Checks that need the model's family (its modes, frame rule, sizes, whether it reads a
prompt) happen when the request is planned (`kiln.motion.video_plan.plan_video`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kiln.errors import InvalidInput, shown_input
from kiln.jobs.spec import MAX_SEED
from kiln.media.video import MAX_CRF, VideoFormat

__all__ = ["MAX_FRAMES", "MAX_SEGMENTS", "Enhance", "LoopKind", "VideoRequest", "parse_video_request"]

MAX_FRAMES = 1_000_000  # about 11.5 hours at 24 fps
MAX_SEGMENTS = 10_000
LoopKind = Literal["none", "crossfade", "pingpong"]


class Enhance(BaseModel):
    """Per-frame enhancement, each 0 (off) to 1 (strong): edge-preserving smoothing, then sharpening."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    smooth: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    sharpen: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0

    @property
    def active(self) -> bool:
        return self.smooth > 0 or self.sharpen > 0


class VideoRequest(BaseModel):
    """One video. Unset numbers fall back to the model family's defaults; `mode` follows from `image`.

    Length: `frames` or `duration` (seconds at `fps`) is the finished video's length. Longer than the model's
    longest clip, or with `segments` set, it is made of segments, each starting from the last frame of the one
    before; `segments` is a count or a list of per-segment prompts (an empty one repeats `prompt`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["t2v", "i2v"] | None = Field(default=None, description="Default: i2v with an image, else t2v")
    model: str = Field(default="tiny-ltx", description="A video model (see `kiln models`)")
    family: str | None = Field(
        default=None, description="The model's family (ltx, wan, svd), for a hub id or folder kiln cannot tell"
    )
    prompt: str = Field(default="", description="What happens (text-to-video needs one; SVD reads none)")
    negative_prompt: str = ""
    image: str | None = Field(default=None, description="Image-to-video: the first frame, a local file path")
    frames: Annotated[int, Field(ge=2, le=MAX_FRAMES)] | None = None
    duration: Annotated[float, Field(gt=0.0, le=MAX_FRAMES / 24)] | None = Field(default=None, description="Seconds")
    fps: Annotated[float, Field(gt=0.0, le=120.0)] | None = None
    width: Annotated[int, Field(ge=8, le=8192)] | None = None
    height: Annotated[int, Field(ge=8, le=8192)] | None = None
    steps: Annotated[int, Field(ge=1, le=500)] | None = None
    guidance: Annotated[float, Field(ge=0.0, le=50.0)] | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None
    motion_bucket_id: Annotated[int, Field(ge=1, le=1023)] | None = Field(default=None, description="SVD only")
    noise_aug_strength: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(default=None, description="SVD only")
    segments: (
        Annotated[int, Field(ge=1, le=MAX_SEGMENTS)]
        | Annotated[list[str], Field(min_length=1, max_length=MAX_SEGMENTS)]
        | None
    ) = Field(default=None, description="Long-form: a segment count, or one prompt per segment")
    loop: LoopKind = Field(default="none", description="crossfade: the end flows into the start; pingpong")
    loop_frames: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        default=None, description="crossfade: frames blended (default: a quarter of the video, at most 8)"
    )
    enhance: Enhance = Field(default_factory=Enhance)
    format: VideoFormat = "mp4"
    crf: Annotated[int, Field(ge=0, le=63)] | None = Field(default=None, description="mp4 0-51, webm 0-63")
    bitrate: str | None = Field(default=None, description="mp4/webm, e.g. 2M or 800k (instead of crf)")
    audio: str | None = Field(default=None, description="A sound track (local path) muxed in: mp4 (AAC), webm")
    name: str | None = Field(default=None, description="The output file's name, without extension")

    @field_validator("format", mode="before")
    @classmethod
    def _normalise_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("prompt", "negative_prompt")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(c in value for c in "/\\\0") or value.startswith(".")):
            raise ValueError("give a plain file name: no folders, not starting with a dot")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VideoRequest:
        # InvalidInput is not a ValueError: pydantic lets it through, naming the field to change
        if self.mode == "i2v" and self.image is None:
            raise InvalidInput("image", "image-to-video needs an input image; give one, or use mode t2v")
        if self.mode == "t2v" and self.image is not None:
            raise InvalidInput("image", "text-to-video takes no input image; drop it, or use mode i2v")
        if self.frames is not None and self.duration is not None:
            raise InvalidInput("duration", "give frames or duration, not both")
        if self.loop_frames is not None and self.loop != "crossfade":
            raise InvalidInput("loop_frames", "loop_frames is the crossfade's length; set loop to crossfade")
        if self.format in ("gif", "webp"):
            for name in ("crf", "bitrate", "audio"):
                if getattr(self, name) is not None:
                    raise InvalidInput(name, f"{self.format} takes no {name}; use mp4 or webm for it")
        if self.crf is not None and self.bitrate is not None:
            raise InvalidInput("bitrate", "give crf (constant quality) or bitrate, not both")
        if self.crf is not None and self.crf > MAX_CRF[self.format]:
            raise InvalidInput("crf", f"crf for {self.format} goes from 0 (best) to {MAX_CRF[self.format]}")
        return self

    @property
    def resolved_mode(self) -> Literal["t2v", "i2v"]:
        return self.mode or ("i2v" if self.image is not None else "t2v")

    @property
    def segment_prompts(self) -> list[str] | None:
        return self.segments if isinstance(self.segments, list) else None


def parse_video_request(data: dict[str, Any], *, where: str | None = None) -> VideoRequest:
    """`VideoRequest.model_validate`, with pydantic's errors turned into `InvalidInput` naming the field."""
    try:
        return VideoRequest.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _field_name(error.get("loc", ()))
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if field == "segments":
            message = f"give a segment count or a list of per-segment prompts, 1 to {MAX_SEGMENTS:,} of either"
        elif error.get("type") == "extra_forbidden":
            message = f"unknown field; known fields: {', '.join(VideoRequest.model_fields)}"
        elif "input" in error:
            message = f"{message} (got {shown_input(error['input'])})"
        raise InvalidInput(field, message, where=where) from exc


def _field_name(loc: tuple[int | str, ...]) -> str:
    """`segments` for ("segments", "list[str]", 0), `enhance.smooth` for ("enhance", "smooth"): the request's
    field, without pydantic's union branch names."""
    if not loc:
        return "request"
    if loc[0] == "enhance" and len(loc) > 1:
        return f"enhance.{loc[1]}"
    return str(loc[0])
