"""Bulk input: .jsonl, .csv and .txt files into labelled rows and image specs, with located errors."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.bulk_input import read_bulk_file, row_labels, specs_from_rows
from kiln.jobs.planner import plan_items
from kiln.jobs.spec import MAX_PROMPT_CHARS, ImageSpec
from kiln.presets.styles import load_styles


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- .jsonl -------------------------------------------------------------------------------------------

JSONL = """\
# scenes for episode 1
{"prompt": "a harbour at dawn", "name": "s01", "steps": 12}

"a lone tree on a hill"
  {"prompt": "a night market", "width": 256, "height": 192, "seed": 7}
"""


def test_jsonl_rows_are_labelled_by_line(tmp_path: Path) -> None:
    rows = read_bulk_file(write(tmp_path, "scenes.jsonl", JSONL))
    assert rows == [
        ("line 2", {"prompt": "a harbour at dawn", "name": "s01", "steps": 12}),
        ("line 4", {"prompt": "a lone tree on a hill"}),
        ("line 5", {"prompt": "a night market", "width": 256, "height": 192, "seed": 7}),
    ]
    specs = specs_from_rows(rows, {})
    assert [s.prompt for s in specs] == ["a harbour at dawn", "a lone tree on a hill", "a night market"]
    assert (specs[0].name, specs[0].steps, specs[2].seed) == ("s01", 12, 7)


def test_bad_json_is_named_by_line(tmp_path: Path) -> None:
    text = '{"prompt": "one"}\n{"prompt": "two"}\n{"prompt": "three",, }\n'
    with pytest.raises(InvalidInput) as info:
        read_bulk_file(write(tmp_path, "scenes.jsonl", text))
    assert info.value.where == "scenes.jsonl line 3"
    assert info.value.field == "json"
    assert "not valid JSON" in info.value.message
    assert str(info.value).startswith("scenes.jsonl line 3: json:")


@pytest.mark.parametrize(
    "line", ["[" * 100_000, '{"prompt":' * 5000, '{"prompt": ' + "[" * 100_000 + "]" * 100_000 + "}"]
)
def test_json_nested_too_deep_is_named_by_line_not_a_crash(tmp_path: Path, line: str) -> None:
    with pytest.raises(InvalidInput) as info:
        read_bulk_file(write(tmp_path, "scenes.jsonl", '{"prompt": "one"}\n' + line + "\n"))
    assert info.value.where == "scenes.jsonl line 2"
    assert "nested too deeply" in info.value.message


def test_a_json_line_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as info:
        read_bulk_file(write(tmp_path, "scenes.jsonl", '"fine"\n["a", "b"]\n'))
    assert info.value.where == "scenes.jsonl line 2"
    assert "not a list" in info.value.message


def test_an_unknown_field_is_named_by_line(tmp_path: Path) -> None:
    text = "\n".join([f'{{"prompt": "p{n}"}}' for n in range(1, 5)] + ['{"prompt": "p5", "foo": 1}'])
    path = write(tmp_path, "scenes.jsonl", text)
    with pytest.raises(InvalidInput) as info:
        specs_from_rows(read_bulk_file(path), {}, source=path.name)
    assert info.value.where == "scenes.jsonl line 5"
    assert info.value.field == "foo"
    assert info.value.message.startswith("unknown field 'foo'; known fields: prompt, negative_prompt, style")
    assert "width" in info.value.message


def test_a_lone_surrogate_is_named_by_line_and_field(tmp_path: Path) -> None:
    """JSON can spell half a UTF-16 pair; it is no text, and would break the tokenizer after the run started."""
    path = write(tmp_path, "scenes.jsonl", '{"prompt": "fine"}\n{"prompt": "a\\ud800b"}')
    with pytest.raises(InvalidInput) as info:
        specs_from_rows(read_bulk_file(path), {}, source=path.name)
    assert info.value.where == "scenes.jsonl line 2" and info.value.field == "prompt"
    assert "surrogate" in info.value.message


def test_a_missing_prompt_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "scenes.jsonl", '{"prompt": "ok"}\n{"steps": 4}\n')
    with pytest.raises(InvalidInput) as info:
        specs_from_rows(read_bulk_file(path), {}, source=path.name)
    assert (info.value.where, info.value.field) == ("scenes.jsonl line 2", "prompt")
    assert "every line needs a prompt" in info.value.message


def test_an_empty_prompt_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "scenes.jsonl", '{"prompt": "ok"}\n{"prompt": "   "}\n')
    with pytest.raises(InvalidInput) as info:
        specs_from_rows(read_bulk_file(path), {}, source=path.name)
    assert (info.value.where, info.value.field) == ("scenes.jsonl line 2", "prompt")
    assert info.value.message.startswith("the prompt is empty")


def test_a_prompt_over_the_limit_is_named_and_not_echoed_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "scenes.jsonl", '{"prompt": "' + "a" * (MAX_PROMPT_CHARS + 1) + '"}\n')
    with pytest.raises(InvalidInput) as info:
        specs_from_rows(read_bulk_file(path), {}, source=path.name)
    assert (info.value.where, info.value.field) == ("scenes.jsonl line 1", "prompt")
    assert f"at most {MAX_PROMPT_CHARS} characters" in info.value.message and len(info.value.message) < 200


def test_several_problems_on_one_line_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "scenes.jsonl", '{"prompt": "ok", "steps": 0, "width": 1}\n')
    with pytest.raises(InvalidInput) as info:
        specs_from_rows(read_bulk_file(path), {})
    assert info.value.field == "steps"
    assert "(got 0)" in info.value.message
    assert "1 more problem" in info.value.message
    assert info.value.where == "line 1"


# --- rows over flags ----------------------------------------------------------------------------------


def test_row_fields_override_the_command_line_flags(tmp_path: Path) -> None:
    text = '{"prompt": "a", "steps": 20}\n{"prompt": "b", "style": null}\n"c"\n'
    rows = read_bulk_file(write(tmp_path, "scenes.jsonl", text))
    flags = {"steps": 10, "style": "anime", "width": 256, "height": 256}
    specs = specs_from_rows(rows, flags)
    assert [s.steps for s in specs] == [20, 10, 10]
    assert [s.style for s in specs] == ["anime", "anime", "anime"]  # null leaves the flag
    assert all((s.width, s.height) == (256, 256) for s in specs)
    assert flags == {"steps": 10, "style": "anime", "width": 256, "height": 256}


def test_a_bad_flag_is_reported_at_the_first_row() -> None:
    with pytest.raises(InvalidInput) as info:
        specs_from_rows([("line 1", {"prompt": "a"})], {"quality": "extreme"}, source="x.txt")
    assert (info.value.field, info.value.where) == ("quality", "x.txt line 1")


# --- .csv ---------------------------------------------------------------------------------------------

CSV = """\
prompt,width,height,seed,style,name
"a harbour, at dawn",256,192,7,,s01
a lone tree,,,,cinematic,
,,,,,
a night market,128,128,,,
"""


def test_csv_rows_leave_empty_cells_unset(tmp_path: Path) -> None:
    rows = read_bulk_file(write(tmp_path, "shots.csv", CSV))
    assert rows == [
        (
            "row 2",
            {"prompt": "a harbour, at dawn", "width": "256", "height": "192", "seed": "7", "name": "s01"},
        ),
        ("row 3", {"prompt": "a lone tree", "style": "cinematic"}),
        ("row 5", {"prompt": "a night market", "width": "128", "height": "128"}),
    ]
    specs = specs_from_rows(rows, {"steps": 8, "width": 512, "height": 512})
    assert (specs[0].width, specs[0].height, specs[0].seed, specs[0].steps) == (256, 192, 7, 8)
    assert (specs[1].width, specs[1].style) == (512, "cinematic")


def test_csv_header_is_tolerant_of_case_spaces_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "shots.csv"
    path.write_text("\ufeffPrompt , Steps\na fox,12\n", encoding="utf-8")
    assert read_bulk_file(path) == [("row 2", {"prompt": "a fox", "steps": "12"})]


def test_csv_without_a_prompt_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as info:
        read_bulk_file(write(tmp_path, "shots.csv", "a fox,12\nan owl,8\n"))
    assert (info.value.field, info.value.where) == ("from", "shots.csv")
    assert "header" in info.value.message


def test_csv_with_too_many_cells_is_named_by_row(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as info:
        read_bulk_file(write(tmp_path, "shots.csv", "prompt,steps\na fox,12\na cat, on a mat,12\n"))
    assert info.value.where == "shots.csv row 3"
    assert "3 cells" in info.value.message


def test_a_csv_cell_over_the_size_limit_is_named_by_row_not_a_crash(tmp_path: Path) -> None:
    text = 'prompt,style\n"a lighthouse",cinematic\n"' + "x" * 200_000 + '",anime\n'
    with pytest.raises(InvalidInput) as info:
        read_bulk_file(write(tmp_path, "scenes.csv", text))
    assert info.value.where == "scenes.csv row 3"
    assert "cannot read" in info.value.message and "field larger than field limit" in info.value.message


def test_csv_duplicate_columns_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="steps more than once"):
        read_bulk_file(write(tmp_path, "shots.csv", "prompt,steps,Steps\na,1,2\n"))


def test_csv_trailing_unnamed_column_is_ignored_when_empty(tmp_path: Path) -> None:
    assert read_bulk_file(write(tmp_path, "shots.csv", "prompt,steps,\na,1,\n")) == [
        ("row 2", {"prompt": "a", "steps": "1"})
    ]
    with pytest.raises(InvalidInput, match="column with no name"):
        read_bulk_file(write(tmp_path, "shots.csv", "prompt,steps,\na,1,oops\n"))


def test_csv_invalid_width_is_named_by_row(tmp_path: Path) -> None:
    text = "prompt,width,height\na,128,128\nb,128,128\nc,wide,128\n"
    path = write(tmp_path, "shots.csv", text)
    with pytest.raises(InvalidInput) as info:
        specs_from_rows(read_bulk_file(path), {}, source=path.name)
    assert (info.value.where, info.value.field) == ("shots.csv row 4", "width")
    assert "(got 'wide')" in info.value.message


def test_csv_width_off_the_multiple_is_named_by_row_in_the_planner(tmp_path: Path) -> None:
    text = "prompt,width,height\na,128,128\nb,128,128\nc,513,512\n"
    path = write(tmp_path, "shots.csv", text)
    rows = read_bulk_file(path)
    specs = specs_from_rows(rows, {}, source=path.name)
    labels = row_labels(rows, path.name)
    with pytest.raises(InvalidInput) as info:
        plan_items(
            specs,
            defaults=None,
            settings=Settings(default_model="tiny-sd"),
            styles=load_styles(),
            where=labels.__getitem__,
        )
    assert (info.value.where, info.value.field) == ("shots.csv row 4", "width")
    assert info.value.message == "513 is not a multiple of 8; use 512 or 520"


# --- .txt ---------------------------------------------------------------------------------------------


def test_txt_is_one_prompt_per_line(tmp_path: Path) -> None:
    text = "# my prompts\na red fox\n\n   \n  an owl at night  \n#not this one\nthe sea, {calm}\n"
    rows = read_bulk_file(write(tmp_path, "prompts.txt", text))
    assert rows == [
        ("line 2", {"prompt": "a red fox"}),
        ("line 5", {"prompt": "an owl at night"}),
        ("line 7", {"prompt": "the sea, {calm}"}),
    ]
    assert row_labels(rows, "prompts.txt") == [
        "prompts.txt line 2",
        "prompts.txt line 5",
        "prompts.txt line 7",
    ]
    assert row_labels(rows) == ["line 2", "line 5", "line 7"]


def test_txt_end_to_end_with_flags(tmp_path: Path) -> None:
    path = write(tmp_path, "prompts.txt", "a red fox\nan owl\n")
    specs = specs_from_rows(read_bulk_file(path), {"style": "watercolor", "aspect": "16:9"})
    items = plan_items(
        specs,
        defaults=None,
        settings=Settings(default_model="tiny-sd"),
        styles=load_styles(),
        count=2,
        rng=random.Random(3),
    )
    assert [i.user_prompt for i in items] == ["a red fox", "a red fox", "an owl", "an owl"]
    assert all(i.style == "Watercolor" and i.width > i.height for i in items)
    assert all(isinstance(s, ImageSpec) for s in specs)


# --- files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["scenes.json", "scenes.yaml", "scenes"])
def test_an_unknown_extension_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        read_bulk_file(write(tmp_path, name, '"a"\n'))
    assert info.value.field == "from"
    assert "use .jsonl, .csv or .txt" in info.value.message


def test_upper_case_extensions_are_read(tmp_path: Path) -> None:
    assert read_bulk_file(write(tmp_path, "PROMPTS.TXT", "a\n")) == [("line 1", {"prompt": "a"})]


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        read_bulk_file(tmp_path / "absent.jsonl")


@pytest.mark.parametrize(("name", "text"), [("a.txt", "# only\n\n"), ("a.jsonl", ""), ("a.csv", "prompt\n")])
def test_a_file_without_prompts_is_refused(tmp_path: Path, name: str, text: str) -> None:
    with pytest.raises(InvalidInput, match="holds no prompts"):
        read_bulk_file(write(tmp_path, name, text))
