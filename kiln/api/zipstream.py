"""A ZIP archive written as a stream of chunks, file by file, without a temporary file or seeking.

Images are already compressed, so entries are stored, not deflated; the archive goes out as it is built.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

__all__ = ["archive_names", "zip_chunks"]

_CHUNK = 256 * 1024


class _Sink:
    """A write-only, unseekable file object that hands written bytes to the generator."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def archive_names(keys: Iterable[str]) -> list[str]:
    """Names inside the archive: each key's file name, or the whole key where two names would clash."""
    keys = list(keys)
    names = [PurePosixPath(key).name for key in keys]
    clash = len(set(names)) != len(names)
    return list(keys) if clash else names


def zip_chunks(files: Iterable[tuple[str, Path]]) -> Iterator[bytes]:
    """Chunks of a ZIP holding each `(name, path)`. A file that vanished since the caller checked raises
    `FileNotFoundError`: the stream breaks off without the archive's directory, so the client cannot take an
    incomplete archive for a complete one."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, path in files:
            source = path.open("rb")
            with source, archive.open(name, mode="w", force_zip64=path.stat().st_size >= 2**31) as entry:
                while chunk := source.read(_CHUNK):
                    entry.write(chunk)
                    if data := sink.take():
                        yield data
            if data := sink.take():
                yield data
    if data := sink.take():
        yield data
