"""Aspect ratios: parsing and the sizes they give at a target pixel count."""

from __future__ import annotations

import math

import pytest

from kiln.errors import InvalidInput
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
    assert abs(width - exact_width) <= multiple / 2
    assert abs(height - exact_height) <= multiple / 2


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
