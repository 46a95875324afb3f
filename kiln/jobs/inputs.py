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


def map_inputs(request: Any, transform: Callable[[str, str], str], path: str = "", key: str | None = None) -> Any:
    """`request` with `transform(value, field path)` applied to every string of an input field, whether the field
    holds it or a list under the field does (e.g. `shots.2.image`); everything else as it is."""
    if isinstance(request, dict):
        return {k: map_inputs(v, transform, f"{path}.{k}" if path else str(k), str(k)) for k, v in request.items()}
    if isinstance(request, list):
        return [map_inputs(v, transform, f"{path}.{i}" if path else str(i), key) for i, v in enumerate(request)]
    if key in INPUT_FIELDS and isinstance(request, str):
        return transform(request, path)
    return request
