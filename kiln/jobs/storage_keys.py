"""Storage keys of the service's artifacts: every job writes under a folder of its own.

`<owner>/<job id>/<prefix>/<index>_<seed>.<ext>` (the prefix, when a job has one, stays the readable part inside),
so two jobs never share a file: one caller cannot overwrite another's image, and deleting a job deletes only the
files it recorded. `kiln generate`'s run folders keep their own layout (`kiln.jobs.run_folder`).
"""

from __future__ import annotations

from kiln.media.images import EXTENSIONS
from kiln.types import ImageItem

__all__ = ["ANONYMOUS", "image_key", "job_folder", "task_key"]

ANONYMOUS = "anonymous"  # the owner folder of jobs submitted with authentication off


def job_folder(owner: str | None, job_id: str, prefix: str | None) -> str:
    """The folder of one job's files: its owner's, then its id, then its (already checked) prefix."""
    folder = f"{owner or ANONYMOUS}/{job_id}"
    return f"{folder}/{prefix}" if prefix else folder


def image_key(folder: str, item: ImageItem) -> str:
    """`<folder>/<index:05d>_<seed>.<ext>`: stable, so a retried item overwrites its own file."""
    return f"{folder}/{item.index:05d}_{item.seed}{EXTENSIONS[item.output_format]}"


def task_key(folder: str, index: int, name: str) -> str:
    """A file a task item made (`name` is the runner's output file name)."""
    return f"{folder}/{index:05d}_{name}"
