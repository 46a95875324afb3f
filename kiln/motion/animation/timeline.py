"""The values of one frame: its prompt, seed, strength, guidance and camera motion, from a request's schedules."""

from __future__ import annotations

from dataclasses import dataclass

from kiln.media.schedules import Schedule, parse_prompt_schedule, parse_schedule, seed_for_frame
from kiln.motion.animation.request import AnimationRequest

__all__ = ["FrameSettings", "Timeline"]


@dataclass(frozen=True, slots=True)
class FrameSettings:
    """Everything that varies per frame."""

    frame: int
    prompt: str
    seed: int
    strength: float
    guidance: float
    zoom: float
    translation_x: float
    translation_y: float
    angle: float


class Timeline:
    """A request's schedules, parsed once; `at(frame)` gives one frame's settings.

    `seed` is the animation's base seed (the request's, or the one drawn when it started); `default_guidance` the
    model family's, used when the request has no guidance schedule."""

    def __init__(self, request: AnimationRequest, *, seed: int, default_guidance: float) -> None:
        self._request = request
        self._seed = seed
        self._prompts = parse_prompt_schedule({str(frame): text for frame, text in request.prompts.items()})
        guidance = request.guidance if request.guidance is not None else f"0:({default_guidance!r})"
        self._guidance = self._parse("guidance", guidance)
        self._zoom = self._parse("zoom", request.zoom)
        self._translation_x = self._parse("translation_x", request.translation_x)
        self._translation_y = self._parse("translation_y", request.translation_y)
        self._angle = self._parse("angle", request.angle)
        self._strength = self._parse("strength", request.strength)
        self._seeds = None if request.seed_schedule is None else self._parse("seed_schedule", request.seed_schedule)

    def _parse(self, name: str, text: str) -> Schedule:
        return parse_schedule(text, name=name, interpolation=self._request.interpolation)

    def at(self, frame: int) -> FrameSettings:
        return FrameSettings(
            frame=frame,
            prompt=self._prompts.prompt_at(frame),
            seed=seed_for_frame(self._request.seed_behaviour, self._seed, frame, self._seeds),
            strength=self._strength.value_at(frame),
            guidance=self._guidance.value_at(frame),
            zoom=self._zoom.value_at(frame),
            translation_x=self._translation_x.value_at(frame),
            translation_y=self._translation_y.value_at(frame),
            angle=self._angle.value_at(frame),
        )
