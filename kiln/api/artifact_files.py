"""Removing an artifact's files from storage: its file, the thumbnails beside it, and the folders left empty."""

from __future__ import annotations

from collections.abc import Iterable

from kiln.jobs.storage_keys import thumbnail_folder, thumbnail_prefix
from kiln.storage.protocol import Storage

__all__ = ["remove_files"]


def remove_files(storage: Storage, keys: Iterable[str], *, prune: str) -> None:
    """Removes each file and its thumbnails (every size), then the folders left empty up to `prune`, a folder of
    the job's alone."""
    for key in keys:
        folder, prefix = thumbnail_folder(key), thumbnail_prefix(key)
        for name in storage.list_names(folder):
            if name.startswith(prefix):
                storage.delete(f"{folder}/{name}", prune=prune)
        storage.delete(key, prune=prune)
