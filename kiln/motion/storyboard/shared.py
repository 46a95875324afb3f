"""Finished assets shared between one owner's renders: what lets a second storyboard job reuse the first's.

Over the API every job renders in a work folder of its own (`kiln.jobs.task_folders`), so its `AssetCache` starts
empty. `SharedAssets` is a second level behind it, one folder per owner (`owner_asset_dir`): a finished asset is
published there, and a later render of the same owner that lacks an asset with that key takes it from there.
Keys hash every input of an asset (`kiln.motion.storyboard.keys`), so an asset found under its key is the one the
render would make. Owners never share a folder, so one owner can neither reuse nor read another's assets.

An asset is published whole or not at all: its files are linked (or copied) into a fresh folder beside the others,
which is then renamed to its key; a folder with that key already there (a render of the same owner that finished
first) wins and the copy is dropped. Files are hard links where the file system allows, so a shared asset costs
no second copy on disk, and removing a job's work folder leaves the shared copy whole.

The cache is bounded (`KILN_ASSET_CACHE_MAX_BYTES`): after each publish, whole assets of every owner on this host
(the folders beside the owner's) are removed, least recently used first (a take marks its asset used), until the
rest fit. An asset is removed by renaming it away first, so a render taking it either gets all of it or none (and
then makes it itself).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

__all__ = ["SharedAssets", "evict_least_used"]

_INCOMING = ".incoming-"
_EVICTING = ".evicting-"


class SharedAssets:
    """An owner's finished assets by key under `root/<key>/`, each with its record (`record_name`) inside."""

    def __init__(self, root: Path, record_name: str, *, max_bytes: int | None = None) -> None:
        self.root = root
        self._record = record_name
        self._max_bytes = max_bytes  # of the whole host's cache (`root.parent`); None: unbounded

    def take(self, key: str, into: Path) -> bool:
        """Links the shared asset `key` into the folder `into` (its record last) and says whether there was one."""
        source = self.root / key
        files = self._files(source)
        if files is None:
            return False
        into.mkdir(parents=True, exist_ok=True)
        temporary = into / f"{self._record}.{uuid.uuid4().hex}.part"
        try:
            for name in files:
                _link_or_copy(source / name, into / name)
            _link_or_copy(source / self._record, temporary)
        except FileNotFoundError:  # evicted while taken: the render makes the asset itself
            temporary.unlink(missing_ok=True)
            return False
        os.replace(temporary, into / self._record)
        with contextlib.suppress(OSError):
            os.utime(source / self._record)  # used now: evicted last
        return True

    def publish(self, key: str, folder: Path) -> None:
        """Shares the finished asset in `folder` (its record and the files it names) under `key`, unless an asset
        with that key is shared already."""
        if self._files(self.root / key) is not None:
            return
        files = self._files(folder)
        if files is None:
            return
        incoming = self.root / f"{_INCOMING}{uuid.uuid4().hex}"
        incoming.mkdir(parents=True)
        try:
            for name in [*files, self._record]:
                _link_or_copy(folder / name, incoming / name)
            os.rename(incoming, self.root / key)
        except OSError:
            pass  # another render of this owner shared it first: theirs stays
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
        if self._max_bytes is not None:
            evict_least_used(self.root.parent, self._record, self._max_bytes)

    def _files(self, folder: Path) -> list[str] | None:
        """The file names an asset folder's record lists, when the record and all of them are there."""
        record = folder / self._record
        if not record.is_file():
            return None
        files: Mapping[str, str] = json.loads(record.read_text(encoding="utf-8")).get("files", {})
        names = list(files.values())
        return names if all((folder / name).is_file() for name in names) else None


def evict_least_used(cache: Path, record_name: str, max_bytes: int) -> list[Path]:
    """Removes whole assets of every owner under `cache` (`<cache>/<owner>/<key>/`), least recently used first (the
    mtime of their record), until the rest hold at most `max_bytes`; the assets removed."""
    assets: list[tuple[float, int, Path]] = []
    for asset in (a for owner in _folders(cache) for a in _folders(owner)):
        try:
            used = (asset / record_name).stat().st_mtime
            size = sum(entry.stat().st_size for entry in os.scandir(asset) if entry.is_file())
        except FileNotFoundError:  # half published, or being removed by another worker
            continue
        assets.append((used, size, asset))
    total = sum(size for _, size, _ in assets)
    removed: list[Path] = []
    for _, size, asset in sorted(assets, key=lambda found: (found[0], str(found[2]))):
        if total <= max_bytes:
            break
        doomed = asset.with_name(f"{_EVICTING}{uuid.uuid4().hex}")
        try:
            os.rename(asset, doomed)
        except OSError:  # another worker removed it first
            continue
        shutil.rmtree(doomed, ignore_errors=True)
        total -= size
        removed.append(asset)
    return removed


def _folders(parent: Path) -> list[Path]:
    """The asset or owner folders in `parent` (not the hidden ones being published or removed)."""
    try:
        return [Path(entry.path) for entry in os.scandir(parent) if entry.is_dir() and not entry.name.startswith(".")]
    except FileNotFoundError:
        return []


def _link_or_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, target)
