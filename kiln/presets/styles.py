"""Styles: named prompt templates with a negative prompt, kept as data in `styles.json`.

A style's `prompt` holds `{prompt}` where the user's prompt goes; its `negative` is joined with the user's
negative prompt. Users add or override styles with a JSON file, either a list of
`{"name", "prompt", "negative"}` objects or a mapping `name -> {"prompt", "negative"}`.
Names match case-insensitively, and `-`, `_` and spaces are the same: "digital-art" is "Digital Art".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from kiln.errors import InvalidInput, UnknownStyle

__all__ = ["PLACEHOLDER", "Style", "StyleBook", "join_negatives", "load_styles", "parse_styles", "style_key"]

PLACEHOLDER = "{prompt}"
_STYLE_KEYS = frozenset({"name", "prompt", "negative"})
_SEPARATORS = re.compile(r"[\s_-]+")


def style_key(name: str) -> str:
    """The lookup key of a style name: lower case, with runs of `-`, `_` and spaces as one space."""
    return _SEPARATORS.sub(" ", name).strip().lower()


def join_negatives(*parts: str | None) -> str:
    """Join negative prompts with ", ", skipping empty ones."""
    return ", ".join(p.strip() for p in parts if p and p.strip())


@dataclass(frozen=True, slots=True)
class Style:
    """One style: a prompt template containing `{prompt}` and a negative prompt."""

    name: str
    prompt: str
    negative: str = ""

    def render(self, prompt: str) -> str:
        """The template with the user's prompt in place of `{prompt}`."""
        return self.prompt.replace(PLACEHOLDER, prompt)


class StyleBook:
    """The styles a run can use, looked up by a tolerant name (see `style_key`)."""

    def __init__(self, styles: Iterable[Style]) -> None:
        self._styles: dict[str, Style] = {}
        for style in styles:
            self._styles[style_key(style.name)] = style

    def __len__(self) -> int:
        return len(self._styles)

    def __iter__(self) -> Iterator[Style]:
        return iter(self._styles.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and style_key(name) in self._styles

    def names(self) -> list[str]:
        """Every style's display name, built-ins first, in file order."""
        return [style.name for style in self._styles.values()]

    def get(self, name: str) -> Style:
        """The style called `name`; raises `UnknownStyle` listing the known names."""
        try:
            return self._styles[style_key(name)]
        except KeyError:
            raise UnknownStyle(name, self.names()) from None

    def apply(self, name: str | None, prompt: str, negative: str | None = None) -> tuple[str, str]:
        """The prompt and negative prompt the pipeline sees; no style (`None`) leaves the prompt as it is."""
        if name is None:
            return prompt, join_negatives(negative)
        style = self.get(name)
        return style.render(prompt), join_negatives(style.negative, negative)


def _parse_style(raw: Any, name: str | None, source: str) -> Style:
    def fail(message: str) -> InvalidInput:
        return InvalidInput("styles_file", message, where=source)

    if not isinstance(raw, dict):
        label = f"style {name!r}" if name else "each style"
        raise fail(f"{label} must be an object with 'prompt' and 'negative', not a {type(raw).__name__}")
    if name is None:
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise fail(f"a style has no 'name': {json.dumps(raw)[:80]}")
    label = f"style {name!r}"
    unknown = sorted(set(raw) - _STYLE_KEYS)
    if unknown:
        raise fail(f"{label} has unknown keys {unknown}; a style has 'name', 'prompt' and 'negative'")
    prompt = raw.get("prompt")
    negative = raw.get("negative", "")
    if not isinstance(prompt, str):
        raise fail(f"{label} needs a 'prompt' template (a string containing {PLACEHOLDER})")
    if PLACEHOLDER not in prompt:
        raise fail(f"{label}: the prompt template {prompt!r} has no {PLACEHOLDER} placeholder; add one")
    if negative is None:
        negative = ""
    if not isinstance(negative, str):
        raise fail(f"{label}: 'negative' must be a string")
    return Style(name=name.strip(), prompt=prompt, negative=negative.strip())


def parse_styles(data: Any, source: str) -> list[Style]:
    """Styles from decoded JSON (a list of styles or a mapping name -> style); `source` names the file."""
    if isinstance(data, list):
        styles = [_parse_style(raw, None, source) for raw in data]
    elif isinstance(data, dict):
        styles = [_parse_style(raw, str(name), source) for name, raw in data.items()]
    else:
        raise InvalidInput(
            "styles_file",
            "must hold a JSON list of styles or an object mapping names to styles",
            where=source,
        )
    seen: set[str] = set()
    for style in styles:
        key = style_key(style.name)
        if key in seen:
            raise InvalidInput("styles_file", f"style {style.name!r} is defined twice", where=source)
        seen.add(key)
    return styles


@cache
def _builtin_styles() -> tuple[Style, ...]:
    resource = files("kiln.presets").joinpath("styles.json")
    return tuple(parse_styles(json.loads(resource.read_text(encoding="utf-8")), "kiln/presets/styles.json"))


def load_styles(extra_file: Path | None = None) -> StyleBook:
    """The built-in styles plus those in `extra_file`; a user style with a built-in's name replaces it."""
    styles = list(_builtin_styles())
    if extra_file is None:
        return StyleBook(styles)
    source = str(extra_file)
    try:
        text = extra_file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput("styles_file", f"cannot read the styles file: {exc.strerror or exc}", where=source) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            "styles_file", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", where=source
        ) from exc
    # StyleBook keeps the first position of a key and the last value: overrides stay in built-in order.
    return StyleBook([*styles, *parse_styles(data, source)])
