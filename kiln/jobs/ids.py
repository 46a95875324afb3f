"""Sortable ids (ULID-like) and the UTC clock the stores share.

An id is 26 Crockford base32 characters (case-insensitive, as Crockford's base32 is; stored in upper case, which
`stored_id` turns any spelling into): 48 bits of milliseconds since the epoch, then 80 bits that are random
for the first id of a millisecond and incremented for the next ones, so ids made in one process sort in the
order they were made, even when a test clock stands still.
"""

from __future__ import annotations

import copy
import functools
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from kiln.errors import InvalidInput

__all__ = ["Clock", "by_id", "cursor_id", "is_id", "new_id", "stored_id", "utc_now"]

F = TypeVar("F", bound=Callable[..., Any])

Clock = Callable[[], datetime]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_ID = re.compile(f"[{_ALPHABET}]{{26}}", re.IGNORECASE)
_lock = threading.Lock()
_last = (-1, 0)  # (milliseconds, random part) of the last id made


def utc_now() -> datetime:
    """The default clock: now, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(now: datetime | None = None) -> str:
    """A new id for the time `now` (default: the wall clock); later calls in this process sort after it."""
    global _last
    millis = int((now or utc_now()).timestamp() * 1000)
    with _lock:
        last_millis, last_random = _last
        if millis <= last_millis:
            millis, random_part = last_millis, last_random + 1
            if random_part >= 1 << _RANDOM_BITS:
                millis, random_part = millis + 1, secrets.randbits(_RANDOM_BITS - 1)
        else:
            random_part = secrets.randbits(_RANDOM_BITS - 1)  # headroom for increments within the millisecond
        _last = (millis, random_part)
    return _encode(millis, 10) + _encode(random_part, 16)


def is_id(value: object) -> bool:
    """Whether `value` has the form of an id (any case): what is not can name no job, artifact or upload, and is
    never sent to a database (PostgreSQL refuses text with a NUL byte rather than finding nothing)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def stored_id(value: object) -> str | None:
    """`value` as ids are stored (upper case) if it has the form of an id in either case; None otherwise."""
    return value.upper() if isinstance(value, str) and is_id(value) else None


def cursor_id(before: str) -> str:
    """A list's `before` cursor as the id it must be (upper case, as ids are stored); `InvalidInput` otherwise."""
    found = stored_id(before)
    if found is None:
        raise InvalidInput("before", f"{before[:40]!r} is not a job id; give the id of the last job of a page")
    return found


def by_id(missing: object) -> Callable[[F], F]:
    """A store method whose first argument is a job or artifact id, in either case: it gets the id as stored. A
    string that is not an id (a NUL byte, a wrong length) names nothing, so the method answers `missing` (None or
    an empty list) without asking the database: SQLite would find nothing; PostgreSQL refuses such text with an
    error that must not reach a caller."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def checked(self: object, value: str, /, *args: Any, **kwargs: Any) -> Any:
            found = stored_id(value)
            return copy.copy(missing) if found is None else method(self, found, *args, **kwargs)

        return cast(F, checked)

    return wrap
