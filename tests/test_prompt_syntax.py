"""Prompt variations and the wildcard folder (pure: no model): the syntax, deterministic picks, errors naming the
position, and names that try to leave the folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.grid import GridSpec, parse_grid_flag, plan_grid
from kiln.jobs.planner import plan_items
from kiln.jobs.prompt_syntax import MAX_NESTING, parse_template
from kiln.jobs.spec import ImageSpec
from kiln.jobs.wildcards import WildcardFolder
from kiln.presets.styles import load_styles


@pytest.fixture
def cards(tmp_path: Path) -> WildcardFolder:
    root = tmp_path / "cards"
    (root / "people").mkdir(parents=True)
    (root / "colour.txt").write_text("# colours\nred\n\n  green  \n#blue\n")
    (root / "people" / "painters.txt").write_text("Turner\nMonet in __colour__\n")
    (root / "loop.txt").write_text("a __loop2__\n")
    (root / "loop2.txt").write_text("b __loop__\n")
    (root / "empty.txt").write_text("# nothing\n\n")
    (tmp_path / "secret.txt").write_text("secret\n")
    return WildcardFolder(root)


def expansions(text: str, cards: WildcardFolder | None = None, seeds: range = range(200)) -> set[str]:
    template = parse_template(text, "prompt", cards)
    return {template.expand(seed) for seed in seeds}


def test_alternatives_nest_and_escapes_are_literal(cards: WildcardFolder) -> None:
    assert expansions("a {red|blue} car") == {"a red car", "a blue car"}
    assert expansions("{a {big|small} dog|a cat}") == {"a big dog", "a small dog", "a cat"}
    assert expansions("{solo}") == {"solo"}  # a choice of one
    assert expansions("{|misty }hills") == {"hills", "misty hills"}  # an empty alternative is allowed
    assert expansions(r"json \{x\} a\|b \\ x|y") == {r"json {x} a|b \ x|y"}
    assert expansions(r"snake\_case__ and __init") == {"snake_case__ and __init"}  # no wildcard: plain text


def test_wildcards_skip_blanks_and_comments_and_may_nest(cards: WildcardFolder) -> None:
    assert expansions("__colour__", cards) == {"red", "green"}
    assert expansions("by __people/painters__", cards) == {"by Turner", "by Monet in red", "by Monet in green"}


def test_one_seed_gives_one_prompt_and_seeds_vary(cards: WildcardFolder) -> None:
    template = parse_template("{a|b|c|d} __colour__ {x|y}", "prompt", cards)
    again = parse_template("{a|b|c|d} __colour__ {x|y}", "prompt", WildcardFolder(cards.root))
    assert [template.expand(seed) for seed in range(50)] == [again.expand(seed) for seed in range(50)]
    assert len({template.expand(seed) for seed in range(50)}) == 16
    negative = parse_template("{a|b|c|d} __colour__ {x|y}", "negative_prompt", cards)
    assert [negative.expand(s) for s in range(20)] != [template.expand(s) for s in range(20)]  # fields pick apart


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a {red|blue", '"{" at character 3 is never closed'),
        ("a {x} {y", '"{" at character 7 is never closed'),
        ("a red}", '"}" at character 6 closes no "{"'),
        ("a {} b", '"{}" at character 3 has no alternatives'),
        ("__nope__", "unknown wildcard __nope__"),
        ("__loop__", "wildcard __loop__ names itself (__loop__ -> __loop2__ -> __loop__)"),
        ("__empty__", "wildcard __empty__ has no options"),
    ],
)
def test_errors_name_the_field_and_the_position(cards: WildcardFolder, text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_template(text, "negative_prompt", cards)
    assert caught.value.field == "negative_prompt"
    assert message in caught.value.message


def test_braces_nested_too_deep_are_refused_not_a_crash(cards: WildcardFolder) -> None:
    """Each brace is a level of recursion when parsing, checking and expanding: thousands would overflow the stack
    (a RecursionError, a 500 from the API), so nesting has a limit far above any real prompt's."""
    deep = "a " + "{b|" * MAX_NESTING + "c" + "}" * MAX_NESTING
    assert expansions(deep, seeds=range(20)) <= {"a b", "a c"}
    for text in ("{" * 5000 + "}" * 5000, "a " + "{b|" * (MAX_NESTING + 1) + "c" + "}" * (MAX_NESTING + 1)):
        with pytest.raises(InvalidInput) as caught:
            parse_template(text, "prompt", cards)
        assert caught.value.field == "prompt"
        assert f"nest over {MAX_NESTING} deep" in caught.value.message


def test_an_error_in_any_branch_is_found_whatever_the_seed(cards: WildcardFolder) -> None:
    with pytest.raises(InvalidInput, match="__nope__"):
        parse_template("{a|b|{c|__nope__}}", "prompt", cards)


@pytest.mark.parametrize(
    "name",
    ["../secret", "../../etc/passwd", "/etc/passwd", "people/../../secret", ".hidden", "people//painters", "a/./b"],
)
def test_wildcard_names_never_leave_the_folder(cards: WildcardFolder, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_template(f"a __{name}__", "prompt", cards)
    assert "secret" not in caught.value.message.replace(name, "") and str(cards.root) not in caught.value.message


def test_a_link_out_of_the_folder_is_refused(cards: WildcardFolder) -> None:
    os.symlink(cards.root.parent / "secret.txt", cards.root / "outside.txt")
    with pytest.raises(InvalidInput, match="leads out of the wildcard folder"):
        parse_template("__outside__", "prompt", cards)


def test_the_planner_expands_per_item_and_keeps_the_template(tmp_path: Path, cards: WildcardFolder) -> None:
    settings = Settings(data_dir=tmp_path, wildcards_dir=cards.root)
    spec = ImageSpec(prompt="a {red|blue} house", negative_prompt="{blur|noise}", style="cinematic")
    items = plan_items([spec], defaults=None, settings=settings, styles=load_styles(None), start_seed=0, count=8)
    again = plan_items([spec], defaults=None, settings=settings, styles=load_styles(None), start_seed=0, count=8)
    assert items == again
    assert {i.user_prompt for i in items} == {"a red house", "a blue house"}
    for item in items:
        assert item.user_prompt in item.prompt and "{" not in item.prompt  # the style wraps the expansion
        assert item.negative_prompt.endswith(("blur", "noise"))  # after the style's own negative
        assert (item.prompt_template, item.negative_template) == ("a {red|blue} house", "{blur|noise}")
    plain = plan_items([ImageSpec(prompt=r"a \{literal\}")], defaults=None, settings=settings, styles=load_styles(None))
    assert (plain[0].prompt, plain[0].prompt_template) == ("a {literal}", None)
    with pytest.raises(InvalidInput) as caught:
        plan_items([ImageSpec(prompt="{ | }")], defaults=None, settings=settings, styles=load_styles(None), count=1)
    assert caught.value.field == "prompt" and "empty once expanded" in caught.value.message


def test_the_default_wildcard_folder_is_in_the_data_dir(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).resolved_wildcards_dir() == tmp_path / "wildcards"


def test_grid_flags_and_cells(tmp_path: Path) -> None:
    assert parse_grid_flag("seed=1, 2,3", 0).values == [1, 2, 3]
    assert parse_grid_flag("Guidance=3.5,7", 0).values == [3.5, 7.0]
    assert parse_grid_flag("prompt=red,blue", 0).values == ["red", "blue"]
    for bad in ["seed", "colour=red", "seed=1,,2", "steps=two"]:
        with pytest.raises(InvalidInput) as caught:
            parse_grid_flag(bad, 1)
        assert caught.value.field == "grid[1]"
    settings = Settings(data_dir=tmp_path)
    grid = GridSpec.model_validate(
        {"axes": [{"field": "steps", "values": [1, 2]}, {"field": "guidance", "values": [1, 5]},
                  {"field": "sampler", "values": ["euler", "ddim"]}]}
    )  # fmt: skip
    items = plan_grid(
        grid, [ImageSpec(prompt="a")], defaults=None, count=1, settings=settings, styles=load_styles(None)
    )
    assert [(i.steps, i.guidance, i.scheduler) for i in items] == [
        (steps, guidance, sampler) for sampler in ("euler", "ddim") for guidance in (1, 5) for steps in (1, 2)
    ]
    assert len({i.seed for i in items}) == 1  # one base seed: only the axes change
    with pytest.raises(InvalidInput, match="n is 2") as caught:
        plan_grid(grid, [ImageSpec(prompt="a")], defaults=None, count=2, settings=settings, styles=load_styles(None))
    assert caught.value.field == "grid"
