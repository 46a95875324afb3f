"""Writing downloads to disk: atomically (a file is absent or complete), and naming a job's results."""

from __future__ import annotations

import mimetypes
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from kiln.sdk.models import Result

__all__ = ["AtomicFile", "extension_for", "result_filename", "result_filenames", "target_path", "write_bytes"]

_FILENAME = re.compile(r'filename="?([^";]+)"?', re.IGNORECASE)
_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "application/zip": ".zip",
}


def _file_mode() -> int:
    """What `open()` gives a new file under the process's umask (read from `/proc/self/status` where the kernel
    tells it, so reading it changes nothing); `mkstemp`'s files are 0600 and are chmod-ed to this."""
    try:
        found = re.search(r"^Umask:\s*([0-7]+)$", Path("/proc/self/status").read_text(), re.MULTILINE)
    except OSError:
        found = None
    if found is not None:
        return 0o666 & ~int(found.group(1), 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _file_mode()  # read once, at import


def extension_for(content_type: str) -> str:
    """A file extension for a media type ('' when unknown)."""
    base = content_type.split(";", 1)[0].strip().lower()
    return _EXTENSIONS.get(base) or mimetypes.guess_extension(base) or ""


def _item_name(result: Result) -> str | None:
    """The name the item was given (`name` of its spec), kept in the artifact's recipe, as a plain name."""
    item = result.metadata.get("item")
    name = item.get("name") if isinstance(item, dict) else result.metadata.get("name")
    if not isinstance(name, str):
        return None
    plain = Path(name.replace("\\", "/")).name
    return plain if plain not in ("", ".", "..") else None


def result_filename(result: Result) -> str:
    """As a run folder names files: the item's `name` (`scene-7.png`), else `00042_1234.png` (index, seed)."""
    stem = _item_name(result)
    if stem is None:
        stem = f"{result.index:05d}" if result.seed is None else f"{result.index:05d}_{result.seed}"
    return stem + extension_for(result.content_type)


def result_filenames(results: Sequence[Result]) -> list[str]:
    """A distinct file name for each result (a repeated name gets the item's index appended)."""
    names: list[str] = []
    seen: set[str] = set()
    for result in results:
        name = result_filename(result)
        if name in seen:
            path = Path(name)
            name = f"{path.stem}-{result.index:05d}{path.suffix}"
        seen.add(name)
        names.append(name)
    return names


def target_path(path: str | os.PathLike[str], response: httpx.Response, name: str | None = None) -> Path:
    """Where to write a download: `path` itself, or inside it when it is a folder: named `name`, else as the
    response's Content-Disposition says, else after the URL's last segment and the content type."""
    target = Path(path)
    if not target.is_dir():
        return target
    if name is None:
        name = _disposition_name(response.headers.get("content-disposition", ""))
    if name is None:
        name = response.url.path.rstrip("/").rsplit("/", 1)[-1] or "download"
        name += extension_for(response.headers.get("content-type", "")) if not Path(name).suffix else ""
    return target / name


def _disposition_name(header: str) -> str | None:
    """The `filename` of a Content-Disposition header, reduced to a plain name (no folders)."""
    match = _FILENAME.search(header)
    name = Path(match.group(1).strip().replace("\\", "/")).name if match else ""
    return name if name not in ("", ".", "..") else None


class AtomicFile:
    """A file written to a temporary name beside `path` and renamed into place only when complete."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd = -1
        self._temp = ""

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd, self._temp = tempfile.mkstemp(dir=self.path.parent, prefix=".kiln-", suffix=".part")
        os.fchmod(self._fd, _FILE_MODE)
        return self

    def write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            view = view[os.write(self._fd, view) :]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        os.close(self._fd)
        if exc_type is None:
            os.replace(self._temp, self.path)
        else:
            Path(self._temp).unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically; returns the path."""
    with AtomicFile(path) as file:
        file.write(data)
    return file.path
