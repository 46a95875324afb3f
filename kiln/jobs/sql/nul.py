"""No NUL byte reaches the database: PostgreSQL text cannot hold one (psycopg raises DataError) and jsonb refuses
the escape `\\u0000`, so a failure message or event that quoted a user's string with a NUL in it would make the
write fail, and with it the recording of that failure.

Requests refuse control characters at submit (`kiln.jobs.text`); this is the store's own guard for everything
else it writes: text columns that hold reasons (`NulFreeText`) and every JSON value (`dumps_without_nul`, the
engine's JSON serializer). A NUL becomes U+FFFD, the replacement character, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator

__all__ = ["NUL_STAND_IN", "NulFreeText", "dumps_without_nul", "without_nul"]

NUL_STAND_IN = "\ufffd"
# `\u0000` in JSON text, but not an escaped backslash followed by "u0000" (an even run of backslashes before it)
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def without_nul(text: str) -> str:
    """`text` with each NUL replaced by U+FFFD."""
    return text.replace("\x00", NUL_STAND_IN)


def dumps_without_nul(value: Any) -> str:
    """`value` as JSON (as SQLAlchemy writes it) with each NUL of its strings and keys replaced by U+FFFD."""
    text = json.dumps(value)
    return _JSON_NUL.sub(r"\1\\ufffd", text) if "\\u0000" in text else text


class NulFreeText(TypeDecorator[str]):
    """Text whose NUL bytes are written as U+FFFD: for reasons (errors) that may quote what a user sent."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else without_nul(value)
