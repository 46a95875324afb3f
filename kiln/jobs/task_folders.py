"""Where motion tasks keep their work: `<data_dir>/tasks/<job id>/<index:05d>/`, the same folder for every attempt
of an item (so a claimed-again task continues from its checkpoints), removed with its job."""

from __future__ import annotations

import shutil
from pathlib import Path

from kiln.config import Settings

__all__ = ["forget_tasks", "task_work_dir"]


def task_work_dir(settings: Settings, job_id: str, index: int) -> Path:
    return settings.data_dir / "tasks" / job_id / f"{index:05d}"


def forget_tasks(settings: Settings, job_id: str) -> None:
    """Remove a deleted job's work folders (checkpoints, fetched inputs)."""
    shutil.rmtree(settings.data_dir / "tasks" / job_id, ignore_errors=True)
