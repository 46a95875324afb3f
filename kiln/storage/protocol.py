"""What kiln needs of a place to keep files: one protocol, met by a local folder and by an S3 bucket.

Keys are relative, '/'-separated paths (`kiln.jobs.storage_keys`). A write is atomic from a reader's point of view
(a renamed temporary file; one S3 PUT): a key is absent or whole. Reads stream in chunks. A place where the code
needs a file path (PyAV, Pillow's header check) asks for `local_copy`: the file itself in a folder, a temporary
download from a bucket.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

__all__ = ["Storage"]


class Storage(Protocol):
    def exists(self, relative: str) -> bool: ...

    def size(self, relative: str) -> int | None:
        """The size in bytes, or None when the key is absent."""
        ...

    def sizes(self, keys: Iterable[str]) -> dict[str, int]:
        """The size of each key that is there (absent ones left out): one listing per folder in a bucket, not one
        request per key (a job's ZIP of 10,000 files)."""
        ...

    def write(self, relative: str, data: bytes) -> object: ...

    def read(self, relative: str) -> bytes:
        """The whole file; `FileNotFoundError` when absent."""
        ...

    def stream(self, relative: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes `start`..`end` (inclusive; None: to the end) in chunks; `FileNotFoundError` when absent."""
        ...

    def list_names(self, folder: str) -> list[str]:
        """Names of the files directly in `folder` (sorted), none when it is absent."""
        ...

    def delete(self, relative: str, *, prune: str | None = None) -> None:
        """Removes the key if it is there (`prune`: empty folders up to it, where folders exist)."""
        ...

    def delete_folder(self, folder: str) -> None:
        """Removes every key under `folder` (a job's folder)."""
        ...

    def local_copy(self, relative: str) -> AbstractContextManager[Path]:
        """A local path holding the file while the context lasts; `FileNotFoundError` when absent."""
        ...

    def presigned_url(self, relative: str, *, filename: str, content_type: str, expires_in: int) -> str | None:
        """A URL that fetches the file without kiln for `expires_in` seconds, or None where there is none (a
        local folder: kiln serves the file itself)."""
        ...

    def check_writable(self) -> None: ...
