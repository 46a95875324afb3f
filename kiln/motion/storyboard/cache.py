"""The asset cache in a render's work folder: `assets/<key>/` holds an asset's files and `asset.json`.

`asset.json` is written atomically and last, after every file of the asset is complete: an asset is done
exactly when its record exists, so a render stopped (or killed) halfway leaves nothing that passes for done.
A folder without a record is an asset in the making; `scratch(key)` is where a sub-task keeps its own
checkpoints meanwhile (so a stopped video clip resumes from its finished parts), removed once the asset is done.
With `shared` (an owner's `SharedAssets`), an asset missing here is taken from there, and each one committed here
is published there, so the owner's next render in another work folder reuses it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiln.motion.storyboard.shared import SharedAssets
from kiln.storage.local import LocalStorage

__all__ = ["CLIP_FILE", "IMAGE_FILE", "NARRATION_FILE", "RECORD_NAME", "AssetCache", "CachedAsset"]

RECORD_NAME = "asset.json"
IMAGE_FILE = "image.png"  # each kind's main file, fixed so that a plan can name it before it exists
CLIP_FILE = "clip.mp4"
NARRATION_FILE = "narration.wav"
_SCRATCH = "work"


@dataclass(frozen=True, slots=True)
class CachedAsset:
    """A finished asset: its files by role (`main`, and e.g. `subtitles`) and what its maker noted about it."""

    key: str
    kind: str
    folder: Path
    files: Mapping[str, str]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def file(self, role: str = "main") -> Path:
        return self.folder / self.files[role]


class AssetCache:
    """Finished assets by key under `work_dir/assets/`."""

    def __init__(self, work_dir: Path, shared: Path | None = None, *, shared_max_bytes: int | None = None) -> None:
        self.root = work_dir / "assets"
        self._storage = LocalStorage(self.root)
        self._shared = SharedAssets(shared, RECORD_NAME, max_bytes=shared_max_bytes) if shared is not None else None

    def get(self, key: str) -> CachedAsset | None:
        """The finished asset with this key, or None (never made, half made, or a file of it gone)."""
        asset = self._local(key)
        if asset is None and self._shared is not None and self._shared.take(key, self.root / key):
            asset = self._local(key)
        return asset

    def _local(self, key: str) -> CachedAsset | None:
        record = self.root / key / RECORD_NAME
        if not record.is_file():
            return None
        data = json.loads(record.read_text(encoding="utf-8"))
        asset = CachedAsset(key, data["kind"], record.parent, data["files"], data.get("metadata", {}))
        return asset if all(asset.file(role).is_file() for role in asset.files) else None

    def folder(self, key: str) -> Path:
        """Where the asset's files go while it is made (created if needed)."""
        folder = self.root / key
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def scratch(self, key: str) -> Path:
        """A sub-task's work folder for this asset: kept across a stop, removed when the asset is done."""
        folder = self.folder(key) / _SCRATCH
        folder.mkdir(exist_ok=True)
        return folder

    def commit(
        self, key: str, kind: str, files: Mapping[str, str], metadata: Mapping[str, Any] | None = None
    ) -> CachedAsset:
        """Marks the asset done once its files (names inside `folder(key)`) are complete: the record goes last."""
        folder = self.folder(key)
        missing = [name for name in files.values() if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(f"asset {key} lacks {', '.join(missing)} in {folder}")
        record = {"key": key, "kind": kind, "files": dict(files), "metadata": dict(metadata or {})}
        self._storage.write(f"{key}/{RECORD_NAME}", json.dumps(record, indent=1, sort_keys=True).encode())
        shutil.rmtree(folder / _SCRATCH, ignore_errors=True)
        if self._shared is not None:
            self._shared.publish(key, folder)
        return CachedAsset(key, kind, folder, dict(files), dict(metadata or {}))
