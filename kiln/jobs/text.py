"""Text a request may carry: valid Unicode without control characters.

JSON can spell a lone UTF-16 surrogate (`"a\\ud800b"`) and Python's `json` takes it, but such a string cannot be
encoded as UTF-8: it would be accepted, stored, and then break the worker (a tokenizer, a file name). JSON can also
spell a NUL (`"\\u0000"`), which PostgreSQL cannot store in text or jsonb, and other control characters, which end
up in file names, URLs and log lines. `PlainText` models refuse both before anything else, naming the field: every
request body of the API and every `ImageSpec` of the CLI derive from it, and a motion job's items (free-form
dicts) are checked by the job body's check.

Free text (prompts, narration) may hold tab, newline and carriage return; names, references and URLs hold no
control character at all, nor a bidirectional control (U+202E and its kin, which make one name look like
another): dict keys, the fields named in `SINGLE_LINE_FIELDS` and every value that reads as a reference
(`upload:`, `artifact:`, `http(s)://`).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, model_validator

from kiln.errors import InvalidInput

__all__ = ["SINGLE_LINE_FIELDS", "PlainText", "bad_text_at"]

# Fields that name something (a file, a folder, a model, a URL): one line, no control character.
SINGLE_LINE_FIELDS = frozenset(
    {
        "prefix",
        "webhook_url",
        "name",
        "model",
        "video_model",
        "image",
        "init_image",
        "mask",
        "audio",
        "user",
        "voice",
        "id",
    }
)
# a reference or URL holds no space (a prompt such as "Artifact: a sword" is text, not a reference)
_REFERENCE = re.compile(r"(?:upload|artifact|https?):[^ ]*", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# bidirectional controls: in a name they make one name look like another ("\u202eevil" shows as "live")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_SURROGATE_REASON = "holds a lone UTF-16 surrogate (such as \\ud800), which is not text; send valid Unicode"


def _problem(text: str, *, single_line: bool) -> str | None:
    """Why `text` may not be taken, or None."""
    if _SURROGATE.search(text):
        return _SURROGATE_REASON
    single_line = single_line or _REFERENCE.fullmatch(text) is not None
    if single_line and (bidi := _BIDI.search(text)) is not None:
        return f"holds the bidirectional control {bidi.group()!r}, which can make a name look like another; remove it"
    found = (_CONTROL if single_line else _CONTROL_BUT_LINES).search(text)
    if found is None:
        return None
    allowed = "" if single_line else " (text may hold tab, newline and carriage return)"
    return f"holds the control character {found.group()!r}{allowed}; remove it"


def bad_text_at(data: Any, path: str = "", *, single_line: bool = False) -> tuple[str, str] | None:
    """The dotted path ("" for `data` itself) of the first string in `data` (dicts, lists and their keys) that
    may not be taken, and why; None when every string is fine. Python strings never pair surrogates, so every
    surrogate code point is a lone half."""
    if isinstance(data, str):
        reason = _problem(data, single_line=single_line)
        return None if reason is None else (path, reason)
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (reason := _problem(key, single_line=True)) is not None:
                return where, reason
            found = bad_text_at(value, where, single_line=key in SINGLE_LINE_FIELDS)
            if found is not None:
                return found
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found = bad_text_at(value, f"{path}.{index}" if path else str(index), single_line=single_line)
            if found is not None:
                return found
    return None


class PlainText(BaseModel):
    """A model whose input strings must be valid Unicode without control characters (see the module): one that
    is not is `InvalidInput` naming its field (raised as is through pydantic, so the API answers 422 with that
    field, not a validation detail)."""

    @model_validator(mode="before")
    @classmethod
    def _plain_text_only(cls, data: Any) -> Any:
        found = bad_text_at(data)
        if found is not None:
            where, reason = found
            raise InvalidInput(where or "body", reason)
        return data
