"""`AnimationRequest`: what a feedback-loop animation is made of, checked before the first frame.

Frame n+1 is img2img(motion(frame n)). Schedules use Deforum's syntax (`0:(1.0), 30:(1.05)`, expressions in `t`),
parsed by `kiln.media.schedules`; each one is evaluated at every frame here, so a strength that leaves no
denoising step at frame 300 is refused before frame 0 is made. `prompts` maps frame numbers to prompts.

Errors: pydantic's `ValidationError` names the field; `parse_animation_request` turns it into `InvalidInput`, and
`apply_edit` checks the changes a running animation may take (`EDITABLE_FIELDS`) the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from kiln.errors import InvalidInput, shown_input
from kiln.jobs.spec import MAX_SEED
from kiln.media.motion import Border
from kiln.media.schedules import (
    Interpolation,
    ScheduleError,
    SeedBehaviour,
    parse_prompt_schedule,
    parse_schedule,
)
from kiln.media.video import MAX_CRF, VideoFormat

__all__ = [
    "EDITABLE_FIELDS",
    "SCHEDULE_FIELDS",
    "AnimationRequest",
    "EnhanceOptions",
    "HudOptions",
    "SpriteOptions",
    "apply_edit",
    "parse_animation_request",
]

Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
SCHEDULE_FIELDS = ("zoom", "translation_x", "translation_y", "angle", "strength", "guidance", "seed_schedule")
# what a running animation may change from its next frame; the rest fixes its frames, size and output
EDITABLE_FIELDS = frozenset(
    {"prompts", "negative_prompt", "steps", "interpolation", "seed", "seed_behaviour", "border", "enhance", "hud",
     "sprite", *SCHEDULE_FIELDS}
)  # fmt: skip


class EnhanceOptions(BaseModel):
    """Per-frame enhancement (`kiln.media.enhance.enhance_frame`): 0 is off, 1 strong."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    smooth: Annotated[float, Field(ge=0.0, le=1.0)] = Field(default=0.0, description="Edge-preserving bilateral")
    sharpen: Annotated[float, Field(ge=0.0, le=1.0)] = Field(default=0.0, description="Unsharp mask")


class HudOptions(BaseModel):
    """A HUD burned into one corner: frame, seed, steps, CFG, denoise, zoom and pan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    corner: Corner = "top-left"


SpritePath = Literal["cross", "sway"]


class SpriteOptions(BaseModel):
    """An image moving over the frames, smaller when it is farther away: crossing the scene right to left with a
    sinusoidal drift (`cross`, as EpochStreamer's does), or swaying around the centre (`sway`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str = Field(description="The sprite: a local image file (transparency is kept)")
    size: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        default=0.25, description="The sprite's width when nearest, as a fraction of the frame's (0-1)"
    )
    path: SpritePath = Field(
        default="cross", description="cross: right to left with a drift, again and again; sway: around the centre"
    )
    depth: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        default=0.6, description="How much smaller it gets at its farthest (0.6: to 40%)"
    )
    period: Annotated[float, Field(gt=0.0, le=100_000.0)] = Field(
        default=96.0, description="Frames per crossing (cross) or per sway (sway)"
    )
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = Field(default=0, description="Shapes the sprite's path")


class AnimationRequest(BaseModel):
    """A feedback-loop animation. Field order matters to validation: schedules are checked over `frames` and
    `steps` and parsed with `interpolation`, which come first; defaults are checked too (0.65 of 1 step is none)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    model: str = Field(min_length=1, description="An image model (built-in id, hub id or folder)")
    frames: Annotated[int, Field(ge=1, le=100_000)] = 48
    fps: Annotated[float, Field(gt=0.0, le=120.0)] = 12.0
    width: Annotated[int, Field(ge=16, le=4096)] | None = Field(
        default=None, description="Default: the model family's default size (one side given: a square)"
    )
    height: Annotated[int, Field(ge=16, le=4096)] | None = Field(
        default=None, description="Default: the model family's default size (one side given: a square)"
    )
    steps: Annotated[int, Field(ge=1, le=500)] = 20
    interpolation: Interpolation = "linear"
    prompts: dict[int, str] = Field(description='Prompts by frame, e.g. {"0": "a forest", "120": "a city"}')
    negative_prompt: str = ""
    init_image: str | None = Field(default=None, description="Frame 0 is img2img of it; default: txt2img")
    zoom: str = Field(default="0:(1.0)", description="Zoom per frame (>1 moves in)")
    translation_x: str = Field(default="0:(0)", description="Pixels right per frame")
    translation_y: str = Field(default="0:(0)", description="Pixels down per frame")
    angle: str = Field(default="0:(0)", description="Degrees counter-clockwise per frame")
    strength: str = Field(default="0:(0.65)", description="Denoising strength per frame (0 keeps, 1 repaints)")
    guidance: str | None = Field(default=None, description="CFG per frame; default: the model family's")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = Field(default=None, description="Default: drawn")
    seed_behaviour: SeedBehaviour = "iter"
    seed_schedule: str | None = Field(default=None, description="Seeds per frame, for seed_behaviour 'schedule'")
    border: Border = "reflect"
    enhance: EnhanceOptions | None = None
    hud: HudOptions | None = None
    sprite: SpriteOptions | None = None
    format: VideoFormat = "mp4"
    crf: Annotated[int, Field(ge=0)] | None = None
    audio: str | None = Field(default=None, description="An audio file muxed into mp4 or webm")
    name: str = Field(default="animation", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

    @field_validator("prompts")
    @classmethod
    def _prompts(cls, value: dict[int, str]) -> dict[int, str]:
        try:
            schedule = parse_prompt_schedule({str(frame): prompt for frame, prompt in value.items()})
        except ScheduleError as exc:
            raise ValueError(exc.message) from None
        if not any(prompt.strip() for _, prompt in schedule.keyframes):
            raise ValueError("every prompt is empty; write what the animation should show")
        return value

    @field_validator(*SCHEDULE_FIELDS)
    @classmethod
    def _schedule(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        name = info.field_name or "schedule"
        try:
            schedule = parse_schedule(value, name=name, interpolation=info.data.get("interpolation", "linear"))
            frames = info.data.get("frames")
            values = schedule.series(frames) if frames is not None else []
        except ScheduleError as exc:
            raise ValueError(exc.message) from None
        for frame, number in enumerate(values):
            problem = _out_of_range(name, number, info.data.get("steps"))
            if problem:
                raise ValueError(f"frame {frame} gives {number:g}: {problem}")
        return value

    @field_validator("seed_schedule")
    @classmethod
    def _seed_schedule_needs_its_behaviour(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("seed_behaviour") != "schedule":
            raise ValueError("a seed schedule needs seed_behaviour 'schedule'")
        if value is None and info.data.get("seed_behaviour") == "schedule":
            raise ValueError("seed_behaviour 'schedule' needs a seed_schedule, e.g. '0:(5), 24:(9)'")
        return value

    @field_validator("crf")
    @classmethod
    def _crf(cls, value: int | None, info: ValidationInfo) -> int | None:
        output = str(info.data.get("format"))
        if value is not None and output in ("gif", "webp"):
            raise ValueError(f"{output} takes no crf; remove it or use mp4 or webm")
        if value is not None and output in MAX_CRF and value > MAX_CRF[output]:
            raise ValueError(f"crf for {output} goes from 0 (best) to {MAX_CRF[output]}")
        return value

    @field_validator("audio")
    @classmethod
    def _audio(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("format") in ("gif", "webp"):
            raise ValueError("gif and webp carry no audio; use mp4 or webm")
        return value


def _out_of_range(name: str, value: float, steps: int | None) -> str | None:
    """Why one frame's value of the schedule `name` cannot be used, or None."""
    if not math.isfinite(value):
        return "not a finite number"
    if name == "zoom" and value <= 0:
        return "zoom must stay above 0 (1 is still, 1.02 moves in)"
    if name == "strength" and not 0 < value <= 1:
        return "strength must stay above 0 and at most 1"
    if name == "strength" and steps is not None and steps * value < 1:
        return f"less than one denoising step of {steps}; raise strength or steps"
    if name == "guidance" and not 0 <= value <= 50:
        return "guidance must stay from 0 to 50"
    if name == "seed_schedule" and value < 0:
        return "seeds are 0 or more"
    return None


def parse_animation_request(data: Mapping[str, Any], *, where: str | None = None) -> AnimationRequest:
    """`data` as an `AnimationRequest`; the first problem as an `InvalidInput` naming its field."""
    try:
        return AnimationRequest.model_validate(dict(data))
    except ValidationError as exc:
        raise _invalid(exc, where) from exc


def apply_edit(request: AnimationRequest, changes: Mapping[str, Any]) -> AnimationRequest:
    """`request` with `changes` (fields of `EDITABLE_FIELDS`) applied and checked like a new request."""
    if not changes:
        raise InvalidInput("changes", "nothing to change; give fields and their new values")
    fixed = sorted(set(changes) - EDITABLE_FIELDS)
    if fixed:
        raise InvalidInput(
            "changes", f"{', '.join(fixed)} cannot change while running; editable: {', '.join(sorted(EDITABLE_FIELDS))}"
        )
    return parse_animation_request({**request.model_dump(), **changes}, where="edit")


def _invalid(exc: ValidationError, where: str | None) -> InvalidInput:
    error = exc.errors()[0]
    location = [str(part) for part in error.get("loc", ()) if part != "[key]"]
    field = ".".join(location) or "request"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = f"unknown field; known fields: {', '.join(AnimationRequest.model_fields)}"
    elif error.get("type") not in ("value_error", "missing") and "input" in error:
        message = f"{message} (got {shown_input(error['input'])})"
    return InvalidInput(field, message, where=where)
