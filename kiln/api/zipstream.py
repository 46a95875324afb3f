"""A ZIP archive written as a stream of chunks, file by file, without a temporary file or seeking.

Images are already compressed, so entries are stored, not deflated; the archive goes out as it is built.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path, PurePosixPath

from kiln.storage.protocol import Storage

__all__ = ["archive_names", "sized_files", "zip_chunks", "zip_storage", "zip_streams"]

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


def sized_files(storage: Storage, names: Iterable[str], keys: Iterable[str]) -> list[tuple[str, str, int | None]]:
    """`(name, key, size)` of each file to archive; size None for a file gone from storage."""
    pairs = list(zip(names, keys, strict=True))
    sizes = storage.sizes(key for _, key in pairs)
    return [(name, key, sizes.get(key)) for name, key in pairs]


def zip_storage(storage: Storage, files: Iterable[tuple[str, str, int]]) -> Iterator[bytes]:
    """Chunks of a ZIP of each `(name, key, size)` in `storage`, read as a stream (never whole in memory)."""
    return zip_streams((name, size, partial(storage.stream, key)) for name, key, size in files)


def zip_chunks(files: Iterable[tuple[str, Path]]) -> Iterator[bytes]:
    """Chunks of a ZIP holding each `(name, path)` of a local file."""

    def read(path: Path) -> Iterator[bytes]:
        with path.open("rb") as source:
            while chunk := source.read(_CHUNK):
                yield chunk

    def stat(path: Path) -> int:
        return path.stat().st_size

    return zip_streams((name, stat(path), partial(read, path)) for name, path in files)


def zip_streams(files: Iterable[tuple[str, int, Callable[[], Iterator[bytes]]]]) -> Iterator[bytes]:
    """Chunks of a ZIP holding each `(name, size, chunks)`. A file that vanished since the caller checked raises
    `FileNotFoundError`: the stream breaks off without the archive's directory, so the client cannot take an
    incomplete archive for a complete one."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, size, chunks in files:
            source = chunks()
            with archive.open(name, mode="w", force_zip64=size >= 2**31) as entry:
                for chunk in source:
                    entry.write(chunk)
                    if data := sink.take():
                        yield data
            if data := sink.take():
                yield data
    if data := sink.take():
        yield data
