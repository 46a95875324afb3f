"""The planner: merging over defaults, count expansion, seeds, steps, negatives, sizes and errors."""

from __future__ import annotations

import random
from typing import Any

import pytest
from pydantic import ValidationError

from kiln.config import Settings
from kiln.errors import InvalidInput, UnknownModel, UnknownStyle
from kiln.jobs.planner import RANDOM_SEED_LIMIT, merge_spec, plan_items
from kiln.jobs.spec import MAX_SEED, ImageSpec
from kiln.presets.styles import Style, StyleBook, load_styles
from kiln.types import ImageItem

STYLES = load_styles()


def plan(
    *specs: ImageSpec,
    settings: Settings | None = None,
    styles: StyleBook = STYLES,
    **kwargs: Any,
) -> list[ImageItem]:
    return plan_items(
        list(specs),
        defaults=kwargs.pop("defaults", None),
        settings=settings or Settings(default_model="tiny-sd", max_items=100),
        styles=styles,
        **kwargs,
    )


def one(**fields: Any) -> ImageItem:
    items = plan(ImageSpec(**fields), rng=random.Random(0))
    assert len(items) == 1
    return items[0]


def error(*specs: ImageSpec, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        plan(*specs, **kwargs)
    return info.value


# --- defaults from the family -------------------------------------------------------------------------


def test_family_defaults_fill_an_item() -> None:
    item = one(prompt="a lighthouse at dusk")
    assert item.model == "tiny-sd"
    assert (item.width, item.height) == (128, 128)
    assert (item.steps, item.guidance) == (44, 7.0)
    assert item.prompt == item.user_prompt == "a lighthouse at dusk"
    assert item.negative_prompt == ""
    assert (item.scheduler, item.kind, item.style, item.quality) == ("default", "txt2img", None, None)
    assert (item.output_format, item.output_quality) == ("png", 95)


def test_the_default_model_comes_from_settings() -> None:
    items = plan(ImageSpec(prompt="a fox"), settings=Settings(default_model="tiny-flux"))
    assert items[0].model == "tiny-flux"
    assert (items[0].steps, items[0].guidance, items[0].width) == (4, 0.0, 128)


def test_explicit_guidance_zero_is_kept() -> None:
    assert one(prompt="a fox", guidance=0.0).guidance == 0.0
    assert one(prompt="a fox", guidance=3.5).guidance == 3.5


@pytest.mark.parametrize(
    ("fmt", "quality", "expected"),
    [("jpeg", None, 90), ("webp", None, 90), ("avif", None, 90), ("png", None, 95), ("webp", 70, 70)],
)
def test_output_format_and_quality(fmt: str, quality: int | None, expected: int) -> None:
    item = one(prompt="a fox", format=fmt, output_quality=quality)
    assert (item.output_format, item.output_quality) == (fmt, expected)


def test_name_is_copied() -> None:
    assert one(prompt="a fox", name="scene-01").name == "scene-01"


# --- merging over defaults ----------------------------------------------------------------------------


def test_spec_fields_win_over_defaults_and_the_placeholder_prompt_is_never_used() -> None:
    defaults = ImageSpec(prompt="placeholder", style="anime", steps=10, width=256, height=256, seed=5)
    specs = [ImageSpec(prompt="a fox", steps=20), ImageSpec(prompt="an owl", style="photographic")]
    items = plan(*specs, defaults=defaults)
    assert [i.user_prompt for i in items] == ["a fox", "an owl"]
    assert [i.steps for i in items] == [20, 10]
    assert [i.style for i in items] == ["Anime", "Photographic"]
    assert all((i.width, i.height) == (256, 256) for i in items)
    assert all("placeholder" not in i.prompt for i in items)


def test_merge_ignores_fields_set_to_none() -> None:
    merged = merge_spec(ImageSpec(prompt="a fox", steps=None), ImageSpec(prompt="-", steps=12))
    assert merged.steps == 12
    assert merge_spec(ImageSpec(prompt="a fox"), None) == ImageSpec(prompt="a fox")


# --- count and indices --------------------------------------------------------------------------------


def test_count_expands_each_spec_with_indices_in_order() -> None:
    items = plan(ImageSpec(prompt="a"), ImageSpec(prompt="b"), count=3, rng=random.Random(1))
    assert [i.index for i in items] == list(range(6))
    assert [i.user_prompt for i in items] == ["a", "a", "a", "b", "b", "b"]


def test_count_below_one_is_refused() -> None:
    assert error(ImageSpec(prompt="a"), count=0).field == "n"


def test_too_many_items_is_refused() -> None:
    exc = error(
        ImageSpec(prompt="a"),
        ImageSpec(prompt="b"),
        count=3,
        settings=Settings(default_model="tiny-sd", max_items=5),
    )
    assert exc.field == "n"
    assert "6 images" in exc.message and "5" in exc.message
    assert len(plan(ImageSpec(prompt="a"), count=5, settings=Settings(default_model="tiny-sd", max_items=5))) == 5


def test_too_many_prompts_names_the_prompts_not_n() -> None:
    specs = [ImageSpec(prompt=f"p{i}") for i in range(6)]
    exc = error(*specs, settings=Settings(default_model="tiny-sd", max_items=5))
    assert exc.field == "prompts"
    assert "6 prompts" in exc.message and "limit of 5 items per job" in exc.message


# --- seeds --------------------------------------------------------------------------------------------


def test_an_explicit_seed_counts_up_over_copies() -> None:
    items = plan(ImageSpec(prompt="a", seed=42), count=3)
    assert [i.seed for i in items] == [42, 43, 44]


def test_an_explicit_seed_wraps_at_the_top() -> None:
    assert [i.seed for i in plan(ImageSpec(prompt="a", seed=MAX_SEED), count=2)] == [MAX_SEED, 0]


def test_start_seed_adds_the_item_index_across_the_run() -> None:
    items = plan(ImageSpec(prompt="a"), ImageSpec(prompt="b"), count=2, start_seed=100)
    assert [i.seed for i in items] == [100, 101, 102, 103]


def test_an_explicit_seed_wins_over_start_seed_and_keeps_indices() -> None:
    items = plan(ImageSpec(prompt="a", seed=7), ImageSpec(prompt="b"), count=2, start_seed=100)
    assert [i.seed for i in items] == [7, 8, 102, 103]


def test_a_default_seed_counts_as_explicit() -> None:
    items = plan(ImageSpec(prompt="a"), ImageSpec(prompt="b"), defaults=ImageSpec(prompt="-", seed=9))
    assert [i.seed for i in items] == [9, 9]


def test_start_seed_out_of_range_is_refused() -> None:
    assert error(ImageSpec(prompt="a"), start_seed=-1).field == "seed"


def test_random_seeds_come_from_rng_and_are_recorded() -> None:
    items = plan(ImageSpec(prompt="a"), count=4, rng=random.Random(123))
    draw = random.Random(123)
    assert [i.seed for i in items] == [draw.randrange(RANDOM_SEED_LIMIT) for _ in range(4)]
    assert len({i.seed for i in items}) == 4
    assert all(0 <= i.seed < 2**32 for i in items)
    again = plan(ImageSpec(prompt="a"), count=4, rng=random.Random(123))
    assert [i.seed for i in again] == [i.seed for i in items]


def test_random_seeds_differ_between_plans_without_rng() -> None:
    first = [i.seed for i in plan(ImageSpec(prompt="a"), count=4)]
    second = [i.seed for i in plan(ImageSpec(prompt="a"), count=4)]
    assert first != second


# --- steps and quality --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "quality", "steps"),
    [
        ("tiny-sd", "fast", 25),
        ("tiny-sd", "balanced", 44),
        ("tiny-sd", "high", 64),
        ("tiny-sd", "ultra", 84),
        ("tiny-flux", "fast", 2),
        ("tiny-flux", "balanced", 4),
        ("tiny-flux", "high", 6),
        ("tiny-flux", "ultra", 8),
    ],
)
def test_quality_maps_to_the_familys_steps(model: str, quality: str, steps: int) -> None:
    item = one(prompt="a fox", model=model, quality=quality)
    assert (item.steps, item.quality) == (steps, quality)


def test_quality_names_are_case_insensitive() -> None:
    assert one(prompt="a fox", quality="HIGH").steps == 64


def test_explicit_steps_win_over_quality() -> None:
    item = one(prompt="a fox", quality="ultra", steps=12)
    assert (item.steps, item.quality) == (12, None)


def test_distilled_default_steps() -> None:
    assert one(prompt="a fox", model="tiny-flux").steps == 4


@pytest.mark.parametrize(("model", "steps", "limit"), [("tiny-flux", 51, 50), ("tiny-sd", 151, 150)])
def test_steps_over_the_family_limit_are_refused(model: str, steps: int, limit: int) -> None:
    exc = error(ImageSpec(prompt="a fox", model=model, steps=steps))
    assert exc.field == "steps"
    assert f"between 1 and {limit} for {model}" in exc.message
    assert one(prompt="a fox", model=model, steps=limit).steps == limit


# --- styles and negative prompts ----------------------------------------------------------------------


def test_style_and_user_negative_are_combined() -> None:
    item = one(prompt="a fox", style="oil-painting", negative_prompt="text")
    style = STYLES.get("Oil Painting")
    assert item.style == "Oil Painting"
    assert item.prompt == style.render("a fox")
    assert item.user_prompt == "a fox"
    assert item.negative_prompt == f"{style.negative}, text"


def test_a_family_without_negative_drops_the_style_negative() -> None:
    item = one(prompt="a fox", model="tiny-flux", style="Cinematic")
    assert item.prompt == STYLES.get("Cinematic").render("a fox")
    assert item.negative_prompt == ""


def test_a_user_negative_on_a_family_without_negative_is_refused() -> None:
    exc = error(ImageSpec(prompt="a fox", model="tiny-flux", negative_prompt="blurry"))
    assert exc.field == "negative_prompt"
    assert exc.message == "tiny-flux does not use a negative prompt; remove it"
    defaults = ImageSpec(prompt="-", negative_prompt="blurry")
    assert error(ImageSpec(prompt="a fox", model="tiny-flux"), defaults=defaults).field == "negative_prompt"


def test_a_blank_negative_on_tiny_flux_is_fine() -> None:
    assert one(prompt="a fox", model="tiny-flux", negative_prompt="  ").negative_prompt == ""


def test_unknown_style_and_model() -> None:
    assert isinstance(error(ImageSpec(prompt="a fox", style="Baroque Pop")), UnknownStyle)
    exc = error(ImageSpec(prompt="a fox", model="no-such-model"))
    assert isinstance(exc, UnknownModel)
    assert exc.field == "model"


def test_the_given_style_book_is_used() -> None:
    book = StyleBook([Style("Mine", "my {prompt}, framed", "smudges")])
    items = plan(ImageSpec(prompt="a fox", style="mine", negative_prompt="text"), styles=book)
    item = items[0]
    assert (item.prompt, item.negative_prompt, item.style) == ("my a fox, framed", "smudges, text", "Mine")
    assert isinstance(error(ImageSpec(prompt="a fox", style="anime"), styles=book), UnknownStyle)


# --- sizes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "fields", "field", "message"),
    [
        ("tiny-sd", {"width": 513, "height": 512}, "width", "513 is not a multiple of 8; use 512 or 520"),
        ("tiny-sd", {"width": 512, "height": 300}, "height", "300 is not a multiple of 8; use 296 or 304"),
        ("tiny-flux", {"width": 100, "height": 96}, "width", "100 is not a multiple of 16; use 96 or 112"),
        (
            "tiny-sd",
            {"width": 2000, "height": 512},
            "width",
            "2000 is above 1024, the largest tiny-sd supports",
        ),
        ("tiny-sd", {"width": 512, "height": 16}, "height", "16 is below 32, the smallest tiny-sd supports"),
        ("tiny-sd", {"width": 20}, "width", "20 is below 32"),
    ],
)
def test_invalid_sizes_name_the_field_and_suggest(model: str, fields: dict[str, Any], field: str, message: str) -> None:
    exc = error(ImageSpec(prompt="a fox", model=model, **fields))
    assert exc.field == field
    assert message in exc.message


def test_explicit_sizes_are_kept() -> None:
    item = one(prompt="a fox", width=256, height=96, aspect="9:16", megapixels=1.0)
    assert (item.width, item.height) == (256, 96)


@pytest.mark.parametrize(
    ("fields", "size"),
    [
        ({"width": 256}, (256, 256)),
        ({"height": 160}, (160, 160)),
        ({"width": 256, "aspect": "16:9"}, (256, 144)),
        ({"height": 256, "aspect": "3:2"}, (384, 256)),
        ({"width": 320, "aspect": "21:9"}, (320, 136)),
    ],
)
def test_one_side_and_the_aspect_give_the_other(fields: dict[str, Any], size: tuple[int, int]) -> None:
    item = one(prompt="a fox", **fields)
    assert (item.width, item.height) == size


def test_a_derived_side_out_of_range_names_its_origin() -> None:
    exc = error(ImageSpec(prompt="a fox", width=1024, aspect="9:16"))
    assert exc.field == "height"
    assert "from width 1024 at aspect 9:16" in exc.message


@pytest.mark.parametrize(
    ("model", "fields", "size"),
    [
        ("tiny-sd", {"aspect": "16:9"}, (168, 96)),
        ("tiny-flux", {"aspect": "16:9"}, (176, 96)),
        ("tiny-flux", {"aspect": "9x16"}, (96, 176)),
        ("tiny-sd", {"aspect": "1:1", "megapixels": 0.0625}, (248, 248)),
        ("tiny-sd", {"megapixels": 0.04}, (200, 200)),
    ],
)
def test_aspect_and_megapixels(model: str, fields: dict[str, Any], size: tuple[int, int]) -> None:
    item = one(prompt="a fox", model=model, **fields)
    assert (item.width, item.height) == size
    assert item.width % 8 == 0 and item.height % 8 == 0


def test_too_many_megapixels_for_the_family_is_refused() -> None:
    exc = error(ImageSpec(prompt="a fox", megapixels=4.0))
    assert exc.field == "megapixels"
    assert "2000x2000" in exc.message


def test_unknown_aspect_is_refused() -> None:
    assert error(ImageSpec(prompt="a fox", aspect="5:4")).field == "aspect"


# --- scheduler ----------------------------------------------------------------------------------------


def test_scheduler_must_belong_to_the_family() -> None:
    assert one(prompt="a fox", scheduler="Euler_A").scheduler == "euler_a"
    exc = error(ImageSpec(prompt="a fox", model="tiny-flux", scheduler="euler"))
    assert exc.field == "scheduler"
    assert "choose one of: default" in exc.message


# --- prompts and error locations ----------------------------------------------------------------------


def test_no_specs_is_an_empty_prompt_error() -> None:
    assert error().field == "prompt"


def test_an_empty_prompt_is_refused() -> None:
    with pytest.raises(ValidationError, match="the prompt is empty"):
        ImageSpec(prompt="   ")
    # A spec that skipped validation (model_construct) is still caught by the planner.
    assert error(ImageSpec.model_construct(prompt="  ")).field == "prompt"


def test_errors_say_where_the_spec_came_from() -> None:
    labels = ["scenes.jsonl line 2", "scenes.jsonl line 7"]
    specs = [ImageSpec(prompt="a fox"), ImageSpec(prompt="an owl", style="nope")]
    exc = error(*specs, where=labels.__getitem__)
    assert isinstance(exc, UnknownStyle)
    assert exc.where == "scenes.jsonl line 7"
    assert str(exc).startswith("scenes.jsonl line 7: style: unknown style 'nope'")
    size = error(ImageSpec(prompt="x", width=513, height=512), where=lambda position: f"row {position + 2}")
    assert (size.where, size.field) == ("row 2", "width")
