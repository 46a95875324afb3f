"""Telling why a file could not be stored, to a client: the cause without the server's paths."""

from __future__ import annotations

__all__ = ["storage_reason"]


def storage_reason(exc: BaseException) -> str:
    """`storage error: No space left on device (errno 28)`: an `OSError`'s message would name the server's file."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"storage error: {exc.strerror}" + (f" (errno {exc.errno})" if exc.errno else "")
    return f"storage error: {type(exc).__name__}: {exc}"
