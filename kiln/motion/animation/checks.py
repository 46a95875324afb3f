"""Checks of an animation request against its model's family and the files it names, before the first frame."""

from __future__ import annotations

from kiln.engine.families import Family
from kiln.engine.init_images import open_init_image
from kiln.errors import InvalidInput
from kiln.jobs.sizing import resolve_size
from kiln.media.audio import check_audio
from kiln.motion.animation.request import AnimationRequest

__all__ = ["check_animation", "frame_size", "with_size"]


def frame_size(request: AnimationRequest, family: Family) -> tuple[int, int]:
    """The frames' (width, height): as given; one side given, a square; none, the family's default size (what
    `kiln models` lists, as `kiln video` and `kiln generate` use it)."""
    if request.width is not None and request.height is not None:
        return request.width, request.height
    side = request.width if request.width is not None else request.height
    return (side, side) if side is not None else resolve_size(family)


def with_size(request: AnimationRequest, family: Family) -> AnimationRequest:
    """`request` with its frame size written out, so a saved production and its resumption agree on it."""
    width, height = frame_size(request, family)
    return request.model_copy(update={"width": width, "height": height})


def check_animation(request: AnimationRequest, family: Family) -> None:
    """`InvalidInput` naming the field if the family cannot make these frames or a named file is unusable."""
    width, height = frame_size(request, family)
    for name, side in (("width", width), ("height", height)):
        multiple = family.size_multiple
        if side % multiple:
            lower, upper = side - side % multiple, side - side % multiple + multiple
            raise InvalidInput(
                name, f"{side} is not a multiple of {multiple} for {family.name}; use {lower} or {upper}"
            )
        if not family.min_side <= side <= family.max_side:
            raise InvalidInput(name, f"{side} is outside {family.min_side}..{family.max_side} for {family.name}")
    if request.steps > family.max_steps:
        raise InvalidInput("steps", f"{request.steps} is over {family.name}'s limit of {family.max_steps}")
    if request.negative_prompt.strip() and not family.supports_negative:
        raise InvalidInput("negative_prompt", f"{family.name} does not use a negative prompt; remove it")
    if request.init_image is not None:
        open_init_image(request.init_image)
    if request.sprite is not None:
        try:
            open_init_image(request.sprite.image)
        except InvalidInput as exc:
            raise InvalidInput("sprite.image", exc.message) from None
    if request.audio is not None:
        try:
            check_audio(request.audio)
        except ValueError as exc:
            raise InvalidInput("audio", f"{exc}; give a sound file (WAV, MP3, AAC, Opus…)") from None
