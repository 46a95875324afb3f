"""Where motion tasks keep their work: `<data_dir>/tasks/<job id>/<index:05d>/`, the same folder for every attempt
of an item (so a claimed-again task continues from its checkpoints), removed with its job; and the assets one owner's
storyboards share across jobs: `<data_dir>/asset-cache/<sha-256 of the owner>/`, a folder per owner (the digest
keeps any owner id a plain folder name), so no job ever sees another owner's assets."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from kiln.config import Settings

__all__ = ["forget_tasks", "owner_asset_dir", "task_work_dir"]


def task_work_dir(settings: Settings, job_id: str, index: int) -> Path:
    return settings.data_dir / "tasks" / job_id / f"{index:05d}"


def owner_asset_dir(settings: Settings, owner: str | None) -> Path:
    """The folder of the finished storyboard assets of `owner` (an API key id; None when auth is off)."""
    digest = hashlib.sha256(f"owner:{owner}".encode() if owner is not None else b"anonymous").hexdigest()
    return settings.data_dir / "asset-cache" / digest[:32]


def forget_tasks(settings: Settings, job_id: str) -> None:
    """Remove a deleted job's work folders (checkpoints, fetched inputs)."""
    shutil.rmtree(settings.data_dir / "tasks" / job_id, ignore_errors=True)
