"""Deforum schedules: parsing, interpolation (linear, smooth, holds, expressions), errors, prompts and seeds."""

from __future__ import annotations

import itertools
import math

import pytest

from kiln.errors import InvalidInput
from kiln.media.schedules import (
    RANDOM_SEED_LIMIT,
    SEED_LIMIT,
    ScheduleError,
    parse_prompt_schedule,
    parse_schedule,
    seed_for_frame,
)


def test_linear_interpolation_between_keyframes() -> None:
    schedule = parse_schedule("0:(1.0), 30:(1.05)", name="zoom")
    assert schedule.value_at(0) == 1.0
    assert schedule.value_at(15) == pytest.approx(1.025)
    assert schedule.value_at(30) == pytest.approx(1.05)
    assert [k.frame for k in schedule.keyframes] == [0, 30]


def test_holds_before_the_first_and_after_the_last_keyframe() -> None:
    schedule = parse_schedule("10: (2), 20: (4)", name="angle")
    assert schedule.series(12) == pytest.approx([2.0] * 11 + [2.2])
    assert schedule.value_at(-5) == 2.0
    assert schedule.value_at(20) == 4.0
    assert schedule.value_at(500) == 4.0


@pytest.mark.parametrize(
    "text", ["0: (0), 10: (5)", "0:(0),10:(5)", "0:0, 10:5", " 0 : 0 ,\n 10 : 5 , ", "10: 5, 0: 0"]
)
def test_spacing_parentheses_and_order_do_not_matter(text: str) -> None:
    assert parse_schedule(text, name="x").series(12) == pytest.approx([0.5 * i for i in range(11)] + [5.0])


def test_smooth_between_two_keyframes_is_smoothstep() -> None:
    schedule = parse_schedule("0:(0), 10:(10)", name="x", interpolation="smooth")
    for frame in range(11):
        s = frame / 10
        assert schedule.value_at(frame) == pytest.approx(10 * (3 * s * s - 2 * s**3))


def test_smooth_passes_keyframes_without_overshoot() -> None:
    turning = parse_schedule("0:(0), 10:(10), 20:(0)", name="x", interpolation="smooth")
    values = turning.series(25)
    assert values[10] == 10.0 and values[20] == 0.0
    assert max(values) == 10.0 and min(values) == 0.0  # a plain cubic spline would overshoot past 10
    rising = parse_schedule("0:(0), 10:(10), 20:(30)", name="x", interpolation="smooth").series(21)
    steps = [b - a for a, b in itertools.pairwise(rising)]
    assert all(step > 0 for step in steps[1:-1])  # flows through frame 10 instead of stopping there
    assert steps[9] == pytest.approx(steps[10], rel=0.35)


def test_linear_is_the_default_and_differs_from_smooth() -> None:
    text = "0:(0), 10:(10)"
    assert parse_schedule(text, name="x").value_at(2) == pytest.approx(2.0)
    assert parse_schedule(text, name="x", interpolation="smooth").value_at(2) == pytest.approx(1.04)


def test_expression_in_t_is_evaluated_every_frame() -> None:
    schedule = parse_schedule("0:(1.02+0.02*sin(2*3.14*t/20))", name="zoom")
    for frame in (0, 5, 13, 400):
        assert schedule.value_at(frame) == pytest.approx(1.02 + 0.02 * math.sin(2 * 3.14 * frame / 20))


def test_expression_keyframes_mix_with_constant_ones() -> None:
    schedule = parse_schedule("0:(t*2), 10:(100), 20:(50), 30:(t)", name="x")
    assert schedule.value_at(9) == 18.0  # the expression runs up to the next keyframe
    assert schedule.value_at(10) == 100.0
    assert schedule.value_at(25) == pytest.approx(40.0)  # constant 50 towards the expression's value at 30 (30)
    assert schedule.value_at(99) == 99.0  # a last expression keeps going


def test_constant_expressions_and_nested_functions() -> None:
    schedule = parse_schedule("0: max(min(2 + 3 * 4 ** 2, 40), sqrt(16)), 5: -2 ** 2", name="x")
    assert schedule.keyframes[0].value == 40.0
    assert schedule.value_at(5) == -4.0


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("0:(1.0), 30 (1.05)", 12, "expected ':' after the frame number"),
        ("0 (1.0)", 2, "expected ':' after the frame number"),
        ("0:(1.0) 30:(1.05)", 8, "is a ',' missing"),
        ("0: ((1.0)", 3, "'(' is never closed"),
        ("0: (1.0))", 8, "')' without a matching '('"),
        ("0: (sin(t), 10: 1", 3, "'(' is never closed"),
        ("0: (__import__('os'))", 4, "unknown function '__import__'"),
        ("0: (1), 7: (t.real)", 12, "attribute access"),
        ("0: (1), 12: os", 12, "unknown name 'os'"),
        ("0: evil(t)", 3, "unknown function 'evil'"),
        ("0: (1, 2)", 3, "lists, tuples"),
        ("0: t // 2", 5, "operator '//'"),
        ("", 0, "empty schedule"),
        ("   ", 3, "empty schedule"),
        ("x: 1", 0, "expected a frame number"),
        ("0: 1, , 5: 2", 6, "expected a frame number"),
        ("-1: 1", 0, "expected a frame number"),
        ("10.5: 1", 2, "whole numbers"),
        ("0:", 2, "expected a number"),
        ("0: (1), 0: (2)", 8, "frame 0 appears twice"),
    ],
)
def test_malformed_schedules_name_the_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text, name="zoom")
    error = caught.value
    assert (error.name, error.position) == ("zoom", position)
    assert fragment in error.reason
    assert str(error).startswith(f"zoom: position {position}: ")
    assert isinstance(error, ValueError) and isinstance(error, InvalidInput)


def test_math_error_at_a_later_frame_names_the_position() -> None:
    schedule = parse_schedule("0: (1), 3: (1/(t-5))", name="strength")
    assert schedule.value_at(4) == -1.0
    with pytest.raises(ScheduleError, match=r"^strength: position 13: division by zero at t=5"):
        schedule.value_at(5)


def test_series_and_text() -> None:
    schedule = parse_schedule("0:(1)", name="x")
    assert schedule.series(0) == [] and schedule.series(3) == [1.0, 1.0, 1.0]
    assert str(schedule) == "0:(1)"
    with pytest.raises(ValueError):
        schedule.series(-1)


def test_prompt_schedule_takes_the_latest_keyframe() -> None:
    prompts = parse_prompt_schedule({"0": "a forest", " 30 ": "a city", 60: "the sea"})
    assert [prompts.prompt_at(f) for f in (0, 29, 30, 59, 60, 1000)] == [
        "a forest",
        "a forest",
        "a city",
        "a city",
        "the sea",
        "the sea",
    ]
    assert parse_prompt_schedule({"10": "late"}).prompt_at(0) == "late"


@pytest.mark.parametrize(
    ("mapping", "fragment"),
    [
        ({}, "no prompts"),
        ({"ten": "x"}, "not a frame number"),
        ({"-1": "x"}, "not a frame number"),
        ({"1.5": "x"}, "not a frame number"),
        ({-1: "x"}, "negative"),
        ({True: "x"}, "not a frame number"),
        ({"0": "x", 0: "y"}, "appears twice"),
    ],
)
def test_prompt_schedule_errors(mapping: dict[str | int, str], fragment: str) -> None:
    with pytest.raises(ScheduleError, match=f"^prompts: .*{fragment}"):
        parse_prompt_schedule(mapping)


def test_seed_behaviours() -> None:
    assert [seed_for_frame("iter", 100, f) for f in range(3)] == [100, 101, 102]
    assert seed_for_frame("iter", SEED_LIMIT - 1, 2) == 1  # wraps into the seed range
    assert {seed_for_frame("fixed", 42, f) for f in range(10)} == {42}
    schedule = parse_schedule("0:(10), 10:(20)", name="seed")
    assert [seed_for_frame("schedule", 0, f, schedule) for f in (0, 5, 10, 99)] == [10, 15, 20, 20]
    with pytest.raises(ValueError, match="seed schedule"):
        seed_for_frame("schedule", 0, 1)
    with pytest.raises(ValueError, match="unknown seed behaviour"):
        seed_for_frame("sometimes", 0, 1)  # type: ignore[arg-type]


def test_random_seeds_are_deterministic_per_base_and_frame() -> None:
    first = [seed_for_frame("random", 7, f) for f in range(200)]
    assert first == [seed_for_frame("random", 7, f) for f in range(200)]  # a resumed run draws the same seeds
    assert len(set(first)) == 200
    assert all(0 <= seed < RANDOM_SEED_LIMIT for seed in first)
    assert first != [seed_for_frame("random", 8, f) for f in range(200)]
    assert first[:2] != [7, 8]  # not simply iter


def test_parsed_schedules_compare_by_content() -> None:
    assert parse_schedule("0:(t), 5:(1)", name="x") == parse_schedule("0:(t), 5:(1)", name="x")
    assert parse_schedule("0:(t)", name="x") != parse_schedule("0:(t*1)", name="x")
