"""A secret kept in a file, made once: every process that reads it agrees, even when several start together.

The file is written complete (fsync'd, mode 0600) under a temporary name, then linked into place; a link never
replaces an existing file, so when two processes race the first one's secret wins and both read it back.
Imports nothing of kiln's.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["read_or_create"]


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The secret in `path` (stripped), written first with `make()` when the file does not exist."""
    if not path.exists():
        _create_once(path, make())
    return path.read_text().strip()


def _create_once(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: keep its secret
            os.link(temp, path)  # atomic, and never replaces an existing file
    finally:
        Path(temp).unlink(missing_ok=True)
