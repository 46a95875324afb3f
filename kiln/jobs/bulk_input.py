"""Bulk input: prompts and per-image settings from a .jsonl, .csv or .txt file, one image per line or row.

- `.jsonl`: one JSON object per line (fields of `ImageSpec`), or a bare JSON string as the prompt.
- `.csv`: a header row naming the fields, `prompt` among them; an empty cell leaves the field unset.
- `.txt`: one prompt per line.
Blank lines and lines starting with `#` are skipped in .jsonl and .txt. Rows are labelled for errors:
"line 7" (the file's line number) or, in a CSV, "row 7" (the spreadsheet row, the header being row 1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiln.errors import InvalidInput, shown_input
from kiln.jobs.spec import ImageSpec

__all__ = ["BULK_SUFFIXES", "Row", "parse_bulk_text", "read_bulk_file", "row_labels", "specs_from_rows"]

Row = tuple[str, dict[str, Any]]
BULK_SUFFIXES = (".jsonl", ".csv", ".txt")


def _content_lines(text: str) -> list[tuple[int, str]]:
    """(line number, stripped line) for every line that is neither blank nor a `#` comment."""
    lines = enumerate(text.splitlines(), start=1)
    return [(n, line.strip()) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]


def _read_jsonl(text: str, source: str) -> list[Row]:
    rows: list[Row] = []
    for number, line in _content_lines(text):
        label = f"line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            message = f"not valid JSON: {exc.msg} (column {exc.colno}); write one JSON object per line"
            raise InvalidInput("json", message, where=f"{source} {label}") from exc
        except RecursionError:  # thousands of nested brackets: the decoder recurses once per level
            message = "JSON nested too deeply to read; an image's fields are one flat object"
            raise InvalidInput("json", message, where=f"{source} {label}") from None
        if isinstance(value, str):
            value = {"prompt": value}
        if not isinstance(value, dict):
            message = f"a line must be a JSON object or a prompt string, not a {type(value).__name__}"
            raise InvalidInput("json", message, where=f"{source} {label}")
        rows.append((label, value))
    return rows


def _csv_rows(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of each row; a row the csv module cannot read (a cell over its size limit, a NUL) is an
    `InvalidInput` naming the row, not a crash."""
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where = source if number == 1 else f"{source} row {number}"
            raise InvalidInput("from", f"cannot read this row: {exc}", where=where) from None
        yield number, cells
        number += 1


def _read_csv(text: str, source: str) -> list[Row]:
    reader = _csv_rows(text, source)
    header = [name.strip().lower() for name in next(reader, (1, []))[1]]
    if "prompt" not in header:
        raise InvalidInput(
            "from", "the first row must be a header naming the columns, 'prompt' among them", where=source
        )
    named = [name for name in header if name]
    duplicates = sorted({name for name in named if named.count(name) > 1})
    if duplicates:
        raise InvalidInput("from", f"the header names {', '.join(duplicates)} more than once", where=source)
    rows: list[Row] = []
    for number, cells in reader:
        label = f"row {number}"
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            message = f"{len(cells)} cells but the header has {len(header)} columns; quote cells with commas"
            raise InvalidInput("from", message, where=f"{source} {label}")
        fields: dict[str, Any] = {}
        for column, cell in zip(header, cells, strict=False):
            if not cell.strip():
                continue
            if not column:
                raise InvalidInput("from", f"a cell {cell!r} is in a column with no name", where=f"{source} {label}")
            fields[column] = cell.strip()
        rows.append((label, fields))
    return rows


def _read_txt(text: str) -> list[Row]:
    return [(f"line {number}", {"prompt": line}) for number, line in _content_lines(text)]


def read_bulk_file(path: Path) -> list[Row]:
    """(label, fields) for every image the file asks for; errors name the file and the line or row."""
    source = path.name
    suffix = path.suffix.lower()
    if suffix not in BULK_SUFFIXES:
        raise InvalidInput("from", f"cannot read {source}: use .jsonl, .csv or .txt")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput("from", f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("from", f"cannot read {path}: {exc}") from exc
    return parse_bulk_text(text, suffix, source)


def parse_bulk_text(text: str, suffix: str, source: str) -> list[Row]:
    """`read_bulk_file`'s rows from a file's text (already decoded), `suffix` (.jsonl, .csv or .txt) naming its
    kind; errors name `source` and the line or row. The API parses uploaded text with the CLI's very rules."""
    if suffix == ".jsonl":
        rows = _read_jsonl(text, source)
    elif suffix == ".csv":
        rows = _read_csv(text, source)
    elif suffix == ".txt":
        rows = _read_txt(text)
    else:
        raise InvalidInput("from", f"cannot read {source}: use .jsonl, .csv or .txt")
    if not rows:
        raise InvalidInput("from", f"{source} holds no prompts")
    return rows


def row_labels(rows: Sequence[Row], source: str | None = None) -> list[str]:
    """Each row's `where` in errors ("scenes.jsonl line 7"); the planner takes `labels.__getitem__`."""
    return [f"{source} {label}" if source else label for label, _ in rows]


def _describe(error: Mapping[str, Any]) -> tuple[str, str]:
    """(field, message) for one pydantic error, worded for someone editing the file."""
    loc = error.get("loc", ())
    field = ".".join(str(part) for part in loc) if loc else "prompt"  # `loras.0.weight` for nested fields
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        known = ", ".join(["prompt", *(name for name in ImageSpec.model_fields if name != "prompt")])
        return field, f"unknown field {field!r}; known fields: {known}"
    if kind == "missing":
        return field, "missing; every line needs a prompt" if field == "prompt" else "missing"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if kind != "value_error" and "input" in error:
        message = f"{message} (got {shown_input(error['input'])})"
    return field, message


def specs_from_rows(
    rows: Sequence[Row], overrides_base: Mapping[str, Any], *, source: str | None = None
) -> list[ImageSpec]:
    """One `ImageSpec` per row: the row's fields over `overrides_base` (the command line's flags).

    A null in a row leaves the flag's value. Errors are `InvalidInput` naming the field, with `where` the
    row's label, prefixed by `source` (the file name) when given.
    """
    specs: list[ImageSpec] = []
    for (_, fields), where in zip(rows, row_labels(rows, source), strict=True):
        merged = {**overrides_base, **{k: v for k, v in fields.items() if v is not None}}
        try:
            specs.append(ImageSpec.model_validate(merged))
        except ValidationError as exc:
            errors = exc.errors()
            field, message = _describe(errors[0])
            if len(errors) > 1:
                message += f" (and {len(errors) - 1} more problem(s) on this line)"
            raise InvalidInput(field, message, where=where) from exc
        except InvalidInput as exc:  # raised as is by a validator (text that is not Unicode): add the row
            raise InvalidInput(exc.field, exc.message, where=where) from exc
    return specs
