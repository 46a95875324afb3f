"""Storage keys of the service's artifacts: every job writes under a folder of its own.

`<owner>/<job id>/<prefix>/<index>_<seed>.<ext>` (the prefix, when a job has one, stays the readable part inside),
so two jobs never share a file: one caller cannot overwrite another's image, and deleting a job deletes only the
files it recorded. An artifact's thumbnails lie beside its file in `.thumbnails/` (a folder no prefix can name:
prefixes never start with "."), named after the file, so they go with it. Uploads are
`uploads/<owner>/<upload id>.<ext>`, a new id each. `kiln generate`'s run folders keep their own layout
(`kiln.jobs.run_folder`).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from kiln.media.images import EXTENSIONS
from kiln.types import ImageItem

__all__ = [
    "ANONYMOUS",
    "image_key",
    "job_folder",
    "task_key",
    "thumbnail_folder",
    "thumbnail_key",
    "thumbnail_prefix",
    "upload_folder",
    "upload_id_of",
    "upload_key",
]

ANONYMOUS = "anonymous"  # the owner folder of jobs submitted with authentication off
UPLOADS = "uploads"  # the folder of every owner's uploads
THUMBNAILS = ".thumbnails"  # beside the files they show


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


def upload_folder(owner: str | None) -> str:
    """The folder of one owner's uploads."""
    return f"{UPLOADS}/{owner or ANONYMOUS}"


def upload_key(owner: str | None, upload_id: str, suffix: str) -> str:
    return f"{upload_folder(owner)}/{upload_id}{suffix}"


def upload_id_of(key: str) -> str | None:
    """The upload id of an upload's storage key; None for any other key."""
    parts = PurePosixPath(key).parts
    return PurePosixPath(parts[2]).stem if len(parts) == 3 and parts[0] == UPLOADS else None


def thumbnail_folder(key: str) -> str:
    """The folder of the thumbnails of the file at `key`."""
    return str(PurePosixPath(key).parent / THUMBNAILS)


def thumbnail_prefix(key: str) -> str:
    """The start of the names of every thumbnail of the file at `key`."""
    return f"{PurePosixPath(key).name}."


def thumbnail_key(key: str, artifact_id: str, size: int) -> str:
    """`<folder of key>/.thumbnails/<file name>.<artifact id>.<size>.webp`."""
    return f"{thumbnail_folder(key)}/{thumbnail_prefix(key)}{artifact_id}.{size}.webp"
