"""Text a request may carry: valid Unicode only.

JSON can spell a lone UTF-16 surrogate (`"a\\ud800b"`) and Python's `json` takes it, but such a string cannot be
encoded as UTF-8: it would be accepted, stored, and then break the worker (a tokenizer, a file name). `PlainText`
models refuse it before anything else, naming the field: every request body of the API and every `ImageSpec` of
the CLI derive from it.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, model_validator

from kiln.errors import InvalidInput

__all__ = ["PlainText", "lone_surrogate_at"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_at(data: Any, path: str = "") -> str | None:
    """The dotted path of the first string in `data` (dicts, lists and their keys) that holds a surrogate code
    point, "" for `data` itself; None when there is none. Python strings never pair surrogates, so every one is
    a lone half."""
    if isinstance(data, str):
        return path if _SURROGATE.search(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _SURROGATE.search(key):
                return where
            found = lone_surrogate_at(value, where)
            if found is not None:
                return found
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found = lone_surrogate_at(value, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


class PlainText(BaseModel):
    """A model whose input strings must be valid Unicode: one with a lone surrogate is `InvalidInput` naming its
    field (raised as is through pydantic, so the API answers 422 with that field, not a validation detail)."""

    @model_validator(mode="before")
    @classmethod
    def _no_lone_surrogates(cls, data: Any) -> Any:
        where = lone_surrogate_at(data)
        if where is not None:
            raise InvalidInput(
                where or "body",
                "holds a lone UTF-16 surrogate (such as \\ud800), which is not text; send valid Unicode",
            )
        return data
