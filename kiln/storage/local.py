"""A local folder as artifact storage: atomic writes, files made as the umask says, and no path may leave the root."""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from kiln.errors import InvalidInput

__all__ = ["CHUNK_BYTES", "FILE_MODE", "LocalStorage", "process_umask", "safe_relative_path"]

CHUNK_BYTES = 256 * 1024  # of a streamed read


def process_umask() -> int:
    """The process's umask, read without changing it where the kernel tells (`/proc/self/status`, Linux 4.7+):
    setting it to read it back would race with threads creating files meanwhile."""
    try:
        found = re.search(r"^Umask:\s*([0-7]+)$", Path("/proc/self/status").read_text(), re.MULTILINE)
    except OSError:
        found = None
    if found is not None:
        return int(found.group(1), 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# What `open()` would give a new file: `mkstemp` makes its files 0600 whatever the umask, so written files are
# chmod-ed to this. Read once, at import (before any thread starts).
FILE_MODE = 0o666 & ~process_umask()


def safe_relative_path(relative: str, field: str = "prefix") -> PurePosixPath:
    """A relative path that cannot climb out of its root: no absolute paths, no `..`, no empty parts."""
    path = PurePosixPath(relative.replace("\\", "/"))
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or relative.startswith("~"):
        raise InvalidInput(field, f"{relative!r} must be a relative path inside the output folder, without '..'")
    return path


class LocalStorage:
    """Files under one root folder. A file is either absent or complete: writes go to a temporary file that is
    renamed into place, so a crash never leaves half an image."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, relative: str) -> Path:
        return self.root.joinpath(*safe_relative_path(relative, "path").parts)

    def _file(self, relative: str) -> Path:
        """The path of a file's key: "" is the root folder, never a file."""
        if not safe_relative_path(relative, "path").parts:
            raise InvalidInput("path", "an empty key names no file")
        return self.path(relative)

    def exists(self, relative: str) -> bool:
        return self._file(relative).is_file()

    def write(self, relative: str, data: bytes) -> Path:
        target = self._file(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), FILE_MODE)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return target

    def delete(self, relative: str, *, prune: str | None = None) -> None:
        """Removes a file if it is there; with `prune` (a folder above it), also the folders left empty from the
        file's up to and including `prune` (a folder that only this file's owner writes to: another writer could
        lose a folder it just made)."""
        target = self._file(relative)
        target.unlink(missing_ok=True)
        if prune is None:
            return
        top = self.path(prune)
        for folder in target.parents:
            if not folder.is_relative_to(top):
                break
            try:
                folder.rmdir()
            except OSError:  # not empty (or already gone): the folders above it stay
                break

    def read(self, relative: str) -> bytes:
        return self._file(relative).read_bytes()

    def size(self, relative: str) -> int | None:
        path = self._file(relative)
        return path.stat().st_size if path.is_file() else None

    def sizes(self, keys: Iterable[str]) -> dict[str, int]:
        return {key: size for key in keys if (size := self.size(key)) is not None}

    def stream(self, relative: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        # opened now, not at the first chunk: a missing file raises here, before a response starts
        handle = self._file(relative).open("rb")
        return self._chunks(handle, start, end)

    @staticmethod
    def _chunks(handle: io.BufferedReader, start: int, end: int | None) -> Iterator[bytes]:
        with handle:
            handle.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = handle.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def list_names(self, folder: str) -> list[str]:
        found = self.path(folder)
        return sorted(path.name for path in found.iterdir() if path.is_file()) if found.is_dir() else []

    def delete_folder(self, folder: str) -> None:
        shutil.rmtree(self.path(folder), ignore_errors=True)

    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        path = self._file(relative)
        if not path.is_file():
            raise FileNotFoundError(relative)
        yield path

    def presigned_url(self, relative: str, *, filename: str, content_type: str, expires_in: int) -> str | None:
        return None  # kiln serves a folder's files itself (with Range support)

    def check_writable(self) -> None:
        """Write, read back and remove a small file under the root; raises `OSError` with the cause when files
        cannot be stored (a read-only or full disk, a root that is not a folder)."""
        probe = f".kiln-probe-{secrets.token_hex(8)}"  # one per call: two checks at once never share a file
        try:
            self.write(probe, b"ok")
            if self.read(probe) != b"ok":
                raise OSError(f"a file written to {self.root} read back different")
        finally:
            with contextlib.suppress(OSError):
                self.path(probe).unlink(missing_ok=True)
