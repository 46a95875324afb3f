"""Styles: the built-in table, tolerant lookup, applying a style, and user style files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiln.errors import InvalidInput, UnknownStyle
from kiln.presets.styles import PLACEHOLDER, Style, StyleBook, join_negatives, load_styles

REQUIRED = [
    "Cinematic",
    "Photographic",
    "Anime",
    "Fantasy",
    "Digital Art",
    "3D",
    "Neon Punk",
    "Oil Painting",
    "Watercolor",
    "Freestyle",
    "Realistic",
    "Artistic",
    "Illustration",
    "3D Render",
]


def test_every_required_style_is_built_in() -> None:
    book = load_styles()
    assert set(REQUIRED) <= set(book.names())


@pytest.mark.parametrize("style", list(load_styles()), ids=lambda s: s.name)
def test_every_template_holds_the_prompt_once(style: Style) -> None:
    assert style.prompt.count(PLACEHOLDER) == 1
    assert "{" not in style.prompt.replace(PLACEHOLDER, "")
    rendered = style.render("a red fox")
    assert "a red fox" in rendered
    assert PLACEHOLDER not in rendered


def test_freestyle_changes_nothing() -> None:
    assert load_styles().apply("Freestyle", "a red fox", None) == ("a red fox", "")
    assert load_styles().apply("freestyle", "a red fox", "blur") == ("a red fox", "blur")


def test_styles_other_than_freestyle_add_words_and_a_negative() -> None:
    for style in load_styles():
        if style.name != "Freestyle":
            assert style.prompt != PLACEHOLDER, style.name
            assert style.negative, style.name


@pytest.mark.parametrize("name", ["Digital Art", "digital art", "digital-art", "digital_art", " DIGITAL  ART "])
def test_lookup_is_tolerant(name: str) -> None:
    book = load_styles()
    assert name in book
    assert book.get(name).name == "Digital Art"


def test_3d_and_3d_render_are_different_styles() -> None:
    book = load_styles()
    assert book.get("3d").name == "3D"
    assert book.get("3d-render").name == "3D Render"
    assert book.get("3d").prompt != book.get("3d_render").prompt


def test_apply_renders_and_joins_negatives() -> None:
    book = StyleBook([Style("Ink", "ink drawing of {prompt}, bold lines", "color, photo")])
    assert book.apply("ink", "a cat", "dogs") == ("ink drawing of a cat, bold lines", "color, photo, dogs")
    assert book.apply("ink", "a cat", "  ") == ("ink drawing of a cat, bold lines", "color, photo")
    assert book.apply(None, "a cat", "dogs") == ("a cat", "dogs")


def test_apply_with_an_empty_style_negative_keeps_only_the_users() -> None:
    book = StyleBook([Style("Plain", "{prompt}, plain", "")])
    assert book.apply("plain", "a cat", "dogs") == ("a cat, plain", "dogs")


def test_join_negatives_skips_empty_parts() -> None:
    assert join_negatives("a", None, "", "  ", " b ") == "a, b"
    assert join_negatives() == ""


def test_unknown_style_lists_the_known_names() -> None:
    with pytest.raises(UnknownStyle) as info:
        load_styles().apply("Vaporwave Deluxe", "a cat", None)
    assert info.value.field == "style"
    assert "Vaporwave Deluxe" in info.value.message
    assert "Cinematic" in info.value.message and "Neon Punk" in info.value.message


def _write(tmp_path: Path, data: object, name: str = "my_styles.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_user_styles_as_a_list_are_added(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"name": "Blueprint", "prompt": "blueprint of {prompt}", "negative": "color"}])
    book = load_styles(path)
    assert book.apply("blueprint", "a ship", "rust") == ("blueprint of a ship", "color, rust")
    assert len(book) == len(load_styles()) + 1
    assert book.names()[-1] == "Blueprint"


def test_user_styles_as_a_mapping_are_added_and_negative_is_optional(tmp_path: Path) -> None:
    path = _write(tmp_path, {"Sketchy": {"prompt": "rough sketch of {prompt}"}})
    assert load_styles(path).apply("sketchy", "a ship", None) == ("rough sketch of a ship", "")


def test_a_user_style_overrides_a_built_in_in_place(tmp_path: Path) -> None:
    builtin = load_styles()
    path = _write(tmp_path, {"cinematic": {"prompt": "movie frame: {prompt}", "negative": "cartoon"}})
    book = load_styles(path)
    assert len(book) == len(builtin)
    assert book.apply("Cinematic", "a ship", None) == ("movie frame: a ship", "cartoon")
    assert book.names().index("cinematic") == builtin.names().index("Cinematic")
    # The built-in table itself is not changed by loading a user file.
    assert load_styles().get("Cinematic").prompt != "movie frame: {prompt}"


def test_a_template_without_the_placeholder_names_file_and_style(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"name": "Broken", "prompt": "a nice picture", "negative": ""}])
    with pytest.raises(InvalidInput) as info:
        load_styles(path)
    assert info.value.where == str(path)
    assert "Broken" in info.value.message
    assert "{prompt}" in info.value.message
    assert "my_styles.json" in str(info.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[{", "not valid JSON"),
        ("42", "JSON list"),
        ('[{"prompt": "x {prompt}"}]', "no 'name'"),
        ('["just a string"]', "must be an object"),
        ('{"Odd": {"prompt": "{prompt}", "colour": "red"}}', "unknown keys ['colour']"),
        ('{"Odd": {"prompt": 3}}', "needs a 'prompt'"),
        ('{"Odd": {"prompt": "{prompt}", "negative": ["a"]}}', "'negative' must be a string"),
        ('[{"name": "A", "prompt": "{prompt}"}, {"name": "a", "prompt": "{prompt}!"}]', "defined twice"),
    ],
)
def test_a_malformed_user_file_is_refused_with_its_name(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InvalidInput) as info:
        load_styles(path)
    assert info.value.field == "styles_file"
    assert info.value.where == str(path)
    assert expected in info.value.message


def test_a_missing_user_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the styles file"):
        load_styles(tmp_path / "absent.json")
