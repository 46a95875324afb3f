"""Storage keys of the service's artifacts: every job writes under a folder of its own.

`<owner>/<job id>/<prefix>/<index>_<seed>.<ext>` (the prefix, when a job has one, stays the readable part inside),
so two jobs never share a file: one caller cannot overwrite another's image, and deleting a job deletes only the
files it recorded. An artifact's thumbnails lie beside its file in `.thumbnails/` (a folder no prefix can name:
prefixes never start with "."), named after the file, so they go with it. A running animation's newest frames lie in
`<owner>/<job id>/.frames/<index>/<frame>.png` (the live view's full frames, a few kept, any API process reads them).
Uploads are
`uploads/<owner>/<upload id>.<ext>`, a new id each. `kiln generate`'s run folders keep their own layout
(`kiln.jobs.run_folder`).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from kiln.media.images import EXTENSIONS
from kiln.types import ImageItem

__all__ = [
    "ANONYMOUS",
    "GRID_FILE",
    "grid_key",
    "image_key",
    "job_folder",
    "live_frame_folder",
    "live_frame_key",
    "live_frame_number",
    "live_frames_root",
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
GRID_FILE = "grid.png"  # a grid job's labelled grid image, beside its items' files (which start with a number)
THUMBNAILS = ".thumbnails"  # beside the files they show
LIVE_FRAMES = ".frames"  # a running animation's newest frames, in the job's folder (never a prefix's)


def job_folder(owner: str | None, job_id: str, prefix: str | None) -> str:
    """The folder of one job's files: its owner's, then its id, then its (already checked) prefix."""
    folder = f"{owner or ANONYMOUS}/{job_id}"
    return f"{folder}/{prefix}" if prefix else folder


def image_key(folder: str, item: ImageItem) -> str:
    """`<folder>/<index:05d>_<seed>.<ext>`: stable, so a retried item overwrites its own file."""
    return f"{folder}/{item.index:05d}_{item.seed}{EXTENSIONS[item.output_format]}"


def grid_key(folder: str) -> str:
    """A grid job's grid image: one per job, made again in place after a retry."""
    return f"{folder}/{GRID_FILE}"


def task_key(folder: str, index: int, name: str) -> str:
    """A file a task item made (`name` is the runner's output file name)."""
    return f"{folder}/{index:05d}_{name}"


def live_frames_root(owner: str | None, job_id: str) -> str:
    """The folder of every live frame of a job's animation items."""
    return f"{job_folder(owner, job_id, None)}/{LIVE_FRAMES}"


def live_frame_folder(owner: str | None, job_id: str, index: int) -> str:
    """The folder of the newest frames of a running animation item: `<owner>/<job id>/.frames/<index:05d>`."""
    return f"{live_frames_root(owner, job_id)}/{index:05d}"


def live_frame_key(folder: str, frame: int) -> str:
    """One live frame (`frame` 0-based) in `live_frame_folder`'s folder."""
    return f"{folder}/{frame:05d}.png"


def live_frame_number(name: str) -> int | None:
    """The frame number of a file name in a live frame folder; None for any other name."""
    stem, dot, ext = name.partition(".")
    return int(stem) if dot and ext == "png" and stem.isdigit() else None


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
