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
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

__all__ = ["SharedAssets"]

_INCOMING = ".incoming-"


class SharedAssets:
    """An owner's finished assets by key under `root/<key>/`, each with its record (`record_name`) inside."""

    def __init__(self, root: Path, record_name: str) -> None:
        self.root = root
        self._record = record_name

    def take(self, key: str, into: Path) -> bool:
        """Links the shared asset `key` into the folder `into` (its record last) and says whether there was one."""
        source = self.root / key
        files = self._files(source)
        if files is None:
            return False
        into.mkdir(parents=True, exist_ok=True)
        for name in files:
            _link_or_copy(source / name, into / name)
        temporary = into / f"{self._record}.{uuid.uuid4().hex}.part"
        _link_or_copy(source / self._record, temporary)
        os.replace(temporary, into / self._record)
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

    def _files(self, folder: Path) -> list[str] | None:
        """The file names an asset folder's record lists, when the record and all of them are there."""
        record = folder / self._record
        if not record.is_file():
            return None
        files: Mapping[str, str] = json.loads(record.read_text(encoding="utf-8")).get("files", {})
        names = list(files.values())
        return names if all((folder / name).is_file() for name in names) else None


def _link_or_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, target)
