"""Grid images of grid jobs, made by workers once a job completes.

The worker that settles a unit asks the store for the grid of each job the unit touched (`claim_grid(job_id=)`),
and every worker asks now and then for any owed grid (`claim_grid()`), so a maker that died is replaced once its
lease runs out. The claim is a lease held by one maker at a time and the record happens once, so one job has one
grid image. The cells are read back from storage; an item without an image (failed, or its file gone) is a
crossed cell.
"""

from __future__ import annotations

import io
import logging
from typing import Protocol

from PIL import Image, UnidentifiedImageError

from kiln.jobs.grid import GridSpec, compose_grid
from kiln.jobs.records import JobRecord, NewArtifact
from kiln.jobs.storage_keys import grid_key, job_folder
from kiln.jobs.store import JobStore

__all__ = ["GridStorage", "make_grid"]

log = logging.getLogger(__name__)


class GridStorage(Protocol):
    def write(self, relative: str, data: bytes) -> object: ...

    def read(self, relative: str) -> bytes: ...


def _open(storage: GridStorage, key: str) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(storage.read(key)))
        image.load()
        return image
    except (OSError, UnidentifiedImageError, ValueError) as exc:  # gone or unreadable: a crossed cell
        log.warning("grid cell %s cannot be read: %s", key, exc)
        return None


def make_grid(store: JobStore, storage: GridStorage, job: JobRecord) -> str | None:
    """Draw, store and record the grid image of `job` (claimed by the caller); its artifact id, or None when the
    job is gone or its grid was recorded meanwhile."""
    if job.grid is None:
        return None
    grid = GridSpec.model_validate(job.grid)
    keys = {a.index: a.storage_key for a in store.list_artifacts(job.id) if a.item_id is not None}
    images = [_open(storage, keys[index]) if index in keys else None for index in range(grid.cells)]
    data, width, height = compose_grid(grid, images)
    key = grid_key(job_folder(job.owner, job.id, job.prefix))
    storage.write(key, data)
    metadata = {"kind": "grid", "grid": dict(job.grid), "cells": grid.cells}
    recorded = store.record_grid(job.id, NewArtifact(key, "image/png", len(data), width, height, metadata))
    if recorded is None:
        log.info("the grid of job %s was recorded by another worker, or the job is gone", job.id)
        return None
    log.info("grid image of job %s: %s (%dx%d)", job.id, recorded.id, width, height)
    return recorded.id
