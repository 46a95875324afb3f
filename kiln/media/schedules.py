"""Deforum keyframe schedules (`0:(1.0), 30:(1.05)`), prompt schedules by frame, and per-frame seeds.

A schedule is `frame: value` pairs separated by commas; spaces are free and a value may drop its parentheses
(`0: 0, 10: 5`). A value is a number or a safe expression in `t`, the frame index (see `kiln.media.expressions`),
such as `0:(1.02+0.02*sin(2*pi*t/20))`. Values between keyframes follow Deforum:

- a keyframe whose value uses `t` is evaluated at every frame from it up to the next keyframe (to the end if it is
  the last one);
- a constant keyframe is interpolated towards the next keyframe's value (an expression's value at its own frame);
- before the first keyframe the first value holds, after a constant last keyframe its value holds.

Interpolation is `linear` (Deforum's default) or `smooth`: a monotone cubic through the keyframes (Fritsch-Carlson
PCHIP) with zero slope at the first and last keyframe. It never overshoots a keyframe, flows through keyframes
where the values keep rising (or falling), eases in and out where they turn, and between just two keyframes it is
exactly smoothstep (3s² - 2s³).

Errors are `ScheduleError`s naming the schedule and the 0-based character position in its text.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from kiln.errors import InvalidInput
from kiln.media.expressions import Expression, ExpressionError, compile_expression

__all__ = [
    "RANDOM_SEED_LIMIT",
    "SEED_LIMIT",
    "Interpolation",
    "Keyframe",
    "PromptSchedule",
    "Schedule",
    "ScheduleError",
    "SeedBehaviour",
    "parse_prompt_schedule",
    "parse_schedule",
    "seed_for_frame",
]

Interpolation = Literal["linear", "smooth"]
SeedBehaviour = Literal["iter", "fixed", "random", "schedule"]
SEED_LIMIT = 2**63  # seeds are 0 .. 2**63 - 1, as in job specs
RANDOM_SEED_LIMIT = 2**32  # "random" seeds are drawn below this, like the planner's


class ScheduleError(InvalidInput, ValueError):
    """A malformed schedule: `name: position N: reason` (the position indexes the schedule text from 0)."""

    def __init__(self, name: str, reason: str, position: int | None = None) -> None:
        self.name = name
        self.reason = reason
        self.position = position
        super().__init__(name, reason if position is None else f"position {position}: {reason}")


@dataclass(frozen=True, slots=True)
class Keyframe:
    """One `frame: value` pair; `value` is the value at `frame`, `position` where the value starts in the text."""

    frame: int
    expression: Expression
    position: int
    value: float


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule: `value_at(frame)` for one frame, `series(frames)` for frames 0 .. frames - 1."""

    name: str
    text: str
    keyframes: tuple[Keyframe, ...]
    interpolation: Interpolation = "linear"
    _frames: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _slopes: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keyframes:
            raise ScheduleError(self.name, "a schedule needs at least one keyframe", 0)
        object.__setattr__(self, "_frames", tuple(k.frame for k in self.keyframes))
        object.__setattr__(self, "_slopes", _pchip_slopes(self.keyframes))

    def value_at(self, frame: int) -> float:
        index = bisect_right(self._frames, frame) - 1
        if index < 0:
            return self.keyframes[0].value
        key = self.keyframes[index]
        if key.expression.uses_t:
            return self._evaluate(key, frame)
        if index == len(self.keyframes) - 1:
            return key.value
        following = self.keyframes[index + 1]
        span = following.frame - key.frame
        s = (frame - key.frame) / span
        if self.interpolation == "linear":
            return key.value + (following.value - key.value) * s
        s2, s3 = s * s, s * s * s
        return (
            (2 * s3 - 3 * s2 + 1) * key.value
            + (s3 - 2 * s2 + s) * span * self._slopes[index]
            + (3 * s2 - 2 * s3) * following.value
            + (s3 - s2) * span * self._slopes[index + 1]
        )

    def series(self, frames: int) -> list[float]:
        if frames < 0:
            raise ValueError(f"frames must be 0 or more, got {frames}")
        return [self.value_at(frame) for frame in range(frames)]

    def _evaluate(self, key: Keyframe, frame: int) -> float:
        try:
            return key.expression(frame)
        except ExpressionError as exc:
            raise ScheduleError(self.name, exc.reason, key.position + exc.position) from None

    def __str__(self) -> str:
        return self.text


def parse_schedule(text: str, *, name: str, interpolation: Interpolation = "linear") -> Schedule:
    """Parses `0:(1.0), 30:(1.05)`; raises `ScheduleError` naming `name` and the position of the first problem."""
    if interpolation not in ("linear", "smooth"):
        raise ValueError(f"interpolation must be 'linear' or 'smooth', got {interpolation!r}")
    keyframes: dict[int, Keyframe] = {}
    pos = _skip_spaces(text, 0)
    if pos == len(text):
        raise ScheduleError(name, "empty schedule; write keyframes like 0:(1.0), 30:(1.05)", pos)
    while pos < len(text):
        start = pos
        while pos < len(text) and text[pos].isdigit():
            pos += 1
        if pos == start:
            raise ScheduleError(name, "expected a frame number", pos)
        frame = int(text[start:pos])
        if frame in keyframes:
            raise ScheduleError(name, f"frame {frame} appears twice", start)
        pos = _skip_spaces(text, pos)
        if pos < len(text) and text[pos] == ".":
            raise ScheduleError(name, "frame numbers are whole numbers", pos)
        if pos == len(text) or text[pos] != ":":
            raise ScheduleError(name, "expected ':' after the frame number", pos)
        value_start = pos + 1
        pos = _value_end(text, value_start, name)
        try:
            expression = compile_expression(text[value_start:pos])
            value = expression(frame)
        except ExpressionError as exc:
            hint = " (is a ',' missing between keyframes?)" if ":" in text[value_start:pos] else ""
            raise ScheduleError(name, exc.reason + hint, value_start + exc.position) from None
        keyframes[frame] = Keyframe(frame, expression, value_start, value)
        if pos < len(text):  # a comma: more keyframes may follow (a trailing comma is fine)
            pos = _skip_spaces(text, pos + 1)
    ordered = tuple(keyframes[frame] for frame in sorted(keyframes))
    return Schedule(name, text, ordered, interpolation)


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _value_end(text: str, pos: int, name: str) -> int:
    """Where a value ends: at the first comma outside parentheses, or the end of the text."""
    opened: list[int] = []
    while pos < len(text):
        char = text[pos]
        if char == "(":
            opened.append(pos)
        elif char == ")":
            if not opened:
                raise ScheduleError(name, "')' without a matching '('", pos)
            opened.pop()
        elif char == "," and not opened:
            return pos
        pos += 1
    if opened:
        raise ScheduleError(name, "'(' is never closed", opened[-1])
    return pos


def _pchip_slopes(keys: tuple[Keyframe, ...]) -> tuple[float, ...]:
    """Fritsch-Carlson slopes at each keyframe; zero at both ends and wherever the values turn."""
    slopes = [0.0] * len(keys)
    for i in range(1, len(keys) - 1):
        h0, h1 = keys[i].frame - keys[i - 1].frame, keys[i + 1].frame - keys[i].frame
        d0, d1 = (keys[i].value - keys[i - 1].value) / h0, (keys[i + 1].value - keys[i].value) / h1
        if d0 * d1 > 0:
            w0, w1 = 2 * h1 + h0, h1 + 2 * h0
            slopes[i] = (w0 + w1) / (w0 / d0 + w1 / d1)
    return tuple(slopes)


@dataclass(frozen=True, slots=True)
class PromptSchedule:
    """Prompts by frame: `prompt_at(frame)` is the latest keyframe's prompt (the first one's before it)."""

    keyframes: tuple[tuple[int, str], ...]

    def prompt_at(self, frame: int) -> str:
        index = bisect_right(self.keyframes, frame, key=lambda keyframe: keyframe[0]) - 1
        return self.keyframes[max(index, 0)][1]


def parse_prompt_schedule(mapping: Mapping[str | int, str], *, name: str = "prompts") -> PromptSchedule:
    """Reads `{"0": "a forest", "30": "a city"}` (keys are frame numbers, as strings or ints)."""
    prompts: dict[int, str] = {}
    for key, prompt in mapping.items():
        text = key.strip() if isinstance(key, str) else key
        if isinstance(text, bool) or not (isinstance(text, int) or text.isdigit()):
            raise ScheduleError(name, f"key {key!r} is not a frame number (0, 1, 2, ...)")
        frame = int(text)
        if frame < 0:
            raise ScheduleError(name, f"key {key!r} is negative; frames count from 0")
        if frame in prompts:
            raise ScheduleError(name, f"frame {frame} appears twice")
        if not isinstance(prompt, str):
            raise ScheduleError(name, f"the prompt for frame {frame} is not text")
        prompts[frame] = prompt
    if not prompts:
        raise ScheduleError(name, "no prompts; give at least one, e.g. {'0': 'a forest'}")
    return PromptSchedule(tuple(sorted(prompts.items())))


def seed_for_frame(behaviour: SeedBehaviour, base_seed: int, frame: int, schedule: Schedule | None = None) -> int:
    """The seed of one frame: iter (base + frame), fixed (base), random (a hash of base and frame, so a resumed
    run draws the same seeds; below 2**32), or schedule (the schedule's value, rounded). Wraps into 0 .. 2**63-1.
    """
    if behaviour == "iter":
        return (base_seed + frame) % SEED_LIMIT
    if behaviour == "fixed":
        return base_seed % SEED_LIMIT
    if behaviour == "random":
        digest = hashlib.blake2b(f"kiln-seed:{base_seed}:{frame}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") % RANDOM_SEED_LIMIT
    if behaviour == "schedule":
        if schedule is None:
            raise ValueError("seed behaviour 'schedule' needs a seed schedule")
        return round(schedule.value_at(frame)) % SEED_LIMIT
    raise ValueError(f"unknown seed behaviour {behaviour!r}; use iter, fixed, random or schedule")
