"""A task's input files, fetched into its work folder before it runs.

By the time a task reaches a worker, the API has checked and rewritten its input references: an upload or an
artifact of the caller became `storage:<key>`. What is left to fetch here: storage keys (copied out of storage, so
the runner reads local files whatever the storage is) and http(s) URLs in input fields (downloaded with size and
time limits; private addresses refused unless `KILN_INPUT_ALLOW_PRIVATE`); an image over `KILN_MAX_INPUT_PIXELS` is
refused by its header, before a runner could decode it. Files already fetched by an earlier attempt are reused: a
resumed task sees the very same inputs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.inputs import STORAGE_SCHEME, map_inputs
from kiln.media.pixels import check_pixels

__all__ = ["InputStorage", "resolve_inputs"]


class InputStorage(Protocol):
    def write(self, relative: str, data: bytes) -> object: ...

    def read(self, relative: str) -> bytes: ...


def resolve_inputs(
    request: dict[str, Any],
    *,
    storage: InputStorage,
    work_dir: Path,
    settings: Settings,
    seen: dict[str, str] | None = None,
) -> Any:
    """The request with each storage key and URL of an input field replaced by a local file's path; `seen` gets
    each local path with the reference it was fetched from (so a failure can name the input as its caller did)."""

    def local(value: str, field: str) -> str:
        path = fetched(value, field)
        if seen is not None:
            seen[str(path)] = value
        name = value if value.startswith(("http://", "https://")) else "the input image"
        check_pixels(path, max_pixels=settings.max_input_pixels, field=field, name=name)
        return str(path)

    def fetched(value: str, field: str) -> Path:
        if value.startswith(STORAGE_SCHEME):
            relative = value.removeprefix(STORAGE_SCHEME)
            return _cached(work_dir, relative, lambda: storage.read(relative))
        if value.startswith(("http://", "https://")):
            from kiln.media.fetch import fetch_bytes

            def download() -> bytes:
                return fetch_bytes(
                    value,
                    max_bytes=settings.input_max_bytes,
                    timeout=settings.input_timeout_seconds,
                    allow_private=settings.input_allow_private,
                    field=field,
                )

            return _cached(work_dir, value, download)
        raise InvalidInput(field, f"{value!r} is not an input this server can read; upload it or give an http(s) URL")

    return map_inputs(request, local)


def _cached(work_dir: Path, source: str, fetch: Any) -> Path:
    """The local copy of `source` (named by its hash, keeping the extension), fetched once."""
    suffix = PurePosixPath(source.split("?", 1)[0]).suffix[:8]
    path = work_dir / f"{hashlib.sha256(source.encode()).hexdigest()[:24]}{suffix}"
    if not path.exists():
        work_dir.mkdir(parents=True, exist_ok=True)
        data: bytes = fetch()
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    return path
