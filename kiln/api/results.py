"""A job's finished images: each artifact with the planned item it came from (for its seed and prompt)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiln.jobs.records import ArtifactRecord, JobRecord
from kiln.jobs.store import JobStore
from kiln.task_item import WorkItem
from kiln.types import ImageItem

__all__ = ["Result", "collect_results", "task_files"]


@dataclass(frozen=True, slots=True)
class Result:
    """One artifact of a job and, when the store still has it, its planned item."""

    artifact: ArtifactRecord
    item: WorkItem | None

    @property
    def seed(self) -> int | None:
        return self.item.seed if isinstance(self.item, ImageItem) else None


def collect_results(store: JobStore, job: JobRecord) -> list[Result]:
    """The job's artifacts in index order, each with its item."""
    artifacts = store.list_artifacts(job.id)
    if not artifacts:
        return []
    done = store.list_items(job.id, states=["done"], limit=max(job.total, 1))
    items = {record.id: record.item for record in done}
    return [
        Result(artifact, items.get(artifact.item_id) if artifact.item_id is not None else None)
        for artifact in artifacts
    ]


def task_files(artifacts: Iterable[ArtifactRecord]) -> list[str]:
    """Storage keys of the files a task wrote beside its artifact (an .srt beside a video), from its metadata."""
    keys = []
    for artifact in artifacts:
        files = artifact.metadata.get("files")
        for file in files if isinstance(files, list) else ():
            if isinstance(file, dict) and isinstance(file.get("key"), str):
                keys.append(file["key"])
    return keys
