"""Content addresses of storyboard assets: a hash of an asset's own inputs and of its dependencies' keys.

Because a key includes the keys it depends on, a change anywhere upstream (a scene's prompt) changes exactly
the keys downstream of it (that scene's image, its motion clip, the final cut) and nothing else. Input files
(the music track) count by their bytes, not their path, so replacing a file re-renders and moving it does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["KEY_VERSION", "asset_key", "file_digest"]

KEY_VERSION = 1  # bump when what an asset's file holds changes for the same inputs
_KEY_CHARS = 24  # 96 bits of SHA-256: collisions are out of reach for any cache


def asset_key(kind: str, inputs: Mapping[str, Any], depends_on: Sequence[str] = ()) -> str:
    """`<kind>-<hash>` of the kind, its JSON-able inputs and the keys it depends on (their order counts)."""
    body = {"version": KEY_VERSION, "kind": kind, "inputs": inputs, "depends_on": list(depends_on)}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable)
    return f"{kind}-{hashlib.sha256(canonical.encode()).hexdigest()[:_KEY_CHARS]}"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _jsonable(value: object) -> object:
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not an asset input")
