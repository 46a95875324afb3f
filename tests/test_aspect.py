"""Aspect ratios: parsing and the sizes they give at a target pixel count."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiln.engine.families import TINY_SD
from kiln.errors import InvalidInput
from kiln.jobs.sizing import resolve_size
from kiln.presets.aspect import ASPECT_RATIOS, parse_aspect, round_to_multiple, size_for_aspect

REQUIRED = ["1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "21:9"]


def test_required_ratios_are_offered() -> None:
    assert set(REQUIRED) <= set(ASPECT_RATIOS)


@pytest.mark.parametrize("text", ["16:9", "16x9", "16/9", " 16 : 9 ", "16X9"])
def test_parse_accepts_common_spellings(text: str) -> None:
    assert parse_aspect(text) == (16, 9)


@pytest.mark.parametrize("text", ["5:4", "16-9", "wide", "", "9:16:1"])
def test_unknown_ratio_lists_the_choices(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_aspect(text)
    assert info.value.field == "aspect"
    for ratio in REQUIRED:
        assert ratio in info.value.message


@pytest.mark.parametrize("aspect", REQUIRED)
@pytest.mark.parametrize("multiple", [8, 16, 64])
@pytest.mark.parametrize("megapixels", [0.26, 1.0, 2.0])
def test_sizes_are_multiples_nearest_the_exact_size(aspect: str, multiple: int, megapixels: float) -> None:
    width, height = size_for_aspect(aspect, megapixels, multiple)
    assert width % multiple == 0 and height % multiple == 0
    ratio_w, ratio_h = ASPECT_RATIOS[aspect]
    exact_width = math.sqrt(megapixels * 1e6 * ratio_w / ratio_h)
    exact_height = math.sqrt(megapixels * 1e6 * ratio_h / ratio_w)
    assert abs(width - exact_width) < multiple  # the multiple just below or just above
    assert abs(height - exact_height) < multiple


@pytest.mark.parametrize("aspect", REQUIRED)
@pytest.mark.parametrize("multiple", [8, 16])
def test_area_and_ratio_stay_close_to_the_target(aspect: str, multiple: int) -> None:
    width, height = size_for_aspect(aspect, 1.0, multiple)
    assert abs(width * height - 1e6) / 1e6 < 0.03
    ratio_w, ratio_h = ASPECT_RATIOS[aspect]
    assert abs(width / height - ratio_w / ratio_h) / (ratio_w / ratio_h) < 0.03


def test_known_sizes() -> None:
    assert size_for_aspect("1:1", 1.0, 64) == (1024, 1024)
    assert size_for_aspect("16:9", 1.0, 64) == (1344, 768)
    assert size_for_aspect("9:16", 1.0, 64) == (768, 1344)
    assert size_for_aspect("1:1", 128 * 128 / 1e6, 8) == (128, 128)


def test_landscape_and_portrait_are_transposed() -> None:
    for wide, tall in [("16:9", "9:16"), ("4:3", "3:4"), ("3:2", "2:3")]:
        width, height = size_for_aspect(wide, 1.0, 16)
        assert size_for_aspect(tall, 1.0, 16) == (height, width)
        assert width > height


def test_tiny_targets_still_give_one_multiple() -> None:
    assert size_for_aspect("21:9", 0.0001, 64) == (64, 64)
    assert round_to_multiple(3, 8) == 8
    assert round_to_multiple(515, 8) == 512
    assert round_to_multiple(517, 8) == 520


def test_the_exact_ratio_wins_over_the_nearer_pixel_count() -> None:
    # each side rounded on its own gave 136x72 (1.89); 128x72 is exactly 16:9 and a multiple of 8
    assert size_for_aspect("16:9", 0.01, 8) == (128, 72)
    assert resolve_size(TINY_SD, aspect="16:9", megapixels=0.01) == (128, 72)


def _ratio_error(size: tuple[int, int], aspect: str) -> float:
    ratio_w, ratio_h = ASPECT_RATIOS[aspect]
    return round(abs(math.log(size[0] / size[1]) - math.log(ratio_w / ratio_h)), 12)


def _sides_around(exact: float, multiple: int) -> list[int]:
    """Every multiple less than one multiple away from `exact` (the smallest multiple when `exact` is below it)."""
    sides = [k * multiple for k in range(1, math.ceil(exact / multiple) + 2) if abs(k * multiple - exact) < multiple]
    return sides or [multiple]


@settings(max_examples=400, deadline=None)
@given(
    aspect=st.sampled_from(sorted(ASPECT_RATIOS)),
    megapixels=st.floats(min_value=0.001, max_value=4.0, allow_nan=False),
    multiple=st.sampled_from([8, 16, 32, 64]),
)
def test_closest_ratio_first_then_pixel_count(aspect: str, megapixels: float, multiple: int) -> None:
    size = size_for_aspect(aspect, megapixels, multiple)
    width, height = size
    assert width % multiple == 0 and height % multiple == 0 and min(size) >= multiple
    ratio_w, ratio_h = ASPECT_RATIOS[aspect]
    pixels = megapixels * 1e6
    exact_w, exact_h = math.sqrt(pixels * ratio_w / ratio_h), math.sqrt(pixels * ratio_h / ratio_w)
    candidates = [(w, h) for w in _sides_around(exact_w, multiple) for h in _sides_around(exact_h, multiple)]
    assert size in candidates
    best_error = min(_ratio_error(c, aspect) for c in candidates)
    assert _ratio_error(size, aspect) == best_error  # nothing as near the pixel count is nearer the ratio
    ties = [c for c in candidates if _ratio_error(c, aspect) == best_error]
    assert abs(width * height - pixels) == min(abs(w * h - pixels) for w, h in ties)
    # never farther from the ratio than rounding each side on its own (the old rule)
    rounded = (round_to_multiple(exact_w, multiple), round_to_multiple(exact_h, multiple))
    assert _ratio_error(size, aspect) <= _ratio_error(rounded, aspect)


@settings(max_examples=200, deadline=None)
@given(
    aspect=st.sampled_from(sorted(ASPECT_RATIOS)),
    scale=st.integers(min_value=1, max_value=40),
    multiple=st.sampled_from([8, 16, 64]),
)
def test_an_exact_size_is_found_at_its_own_pixel_count(aspect: str, scale: int, multiple: int) -> None:
    ratio_w, ratio_h = ASPECT_RATIOS[aspect]
    exact = (ratio_w * multiple * scale, ratio_h * multiple * scale)  # both sides multiples, exactly the ratio
    assert size_for_aspect(aspect, exact[0] * exact[1] / 1e6, multiple) == exact


@settings(max_examples=200, deadline=None)
@given(megapixels=st.floats(min_value=0.001, max_value=4.0, allow_nan=False), multiple=st.sampled_from([8, 16, 64]))
def test_portrait_is_landscape_transposed(megapixels: float, multiple: int) -> None:
    for wide, tall in [("16:9", "9:16"), ("4:3", "3:4"), ("3:2", "2:3")]:
        width, height = size_for_aspect(wide, megapixels, multiple)
        assert size_for_aspect(tall, megapixels, multiple) == (height, width)
