"""Input references in a job's request: which fields name input files, and how to visit them.

The API checks and rewrites the references a caller gives (`kiln.api.inputs`: an upload or artifact becomes
`storage:<key>`); the worker fetches what they name into the task's folder (`kiln.worker.task_inputs`). Both walk a
request with `map_inputs`, so the two agree on which strings are inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["INPUT_FIELDS", "STORAGE_SCHEME", "map_inputs"]

STORAGE_SCHEME = "storage:"
# request fields that name an input file (anywhere in the request: a shot's `image`, a scene's `music`, ...)
INPUT_FIELDS = frozenset({"image", "init_image", "clip", "video", "audio", "music", "sprite", "sprite_image"})
_PATH_OBJECTS = frozenset({"music"})  # input fields that may hold an object naming its file as `path`


def map_inputs(request: Any, transform: Callable[[str, str], str], path: str = "", key: str | None = None) -> Any:
    """`request` with `transform(value, field path)` applied to every string of an input field, whether the field
    holds it, a list under the field does (e.g. `shots.2.image`), or an assembly's `music: {path, ...}` does;
    everything else as it is."""
    if isinstance(request, dict):
        return {
            k: map_inputs(v, transform, f"{path}.{k}" if path else str(k), _field(key, str(k)))
            for k, v in request.items()
        }
    if isinstance(request, list):
        return [map_inputs(v, transform, f"{path}.{i}" if path else str(i), key) for i, v in enumerate(request)]
    if key in INPUT_FIELDS and isinstance(request, str):
        return transform(request, path)
    return request


def _field(parent: str | None, key: str) -> str:
    """The input field a value under `parent` belongs to: the `path` of an assembly's `music: {path, volume, loop}`
    is the music's file; any other key is itself (a sprite's `path` is its motion, not a file)."""
    return parent if key == "path" and parent in _PATH_OBJECTS else key
