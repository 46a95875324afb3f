"""What the worker needs of a job's options, read once per job (they never change): where its files go, whether it
asked for previews, and whether it is a grid job."""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from kiln.jobs.storage_keys import job_folder
from kiln.jobs.store import JobStore

__all__ = ["JobFacts", "JobFactsCache"]

_KEPT = 256  # the jobs a worker has in hand at once are few; old ones drop out


class JobFacts(NamedTuple):
    folder: str  # its storage folder: owner, id, then prefix (`kiln.jobs.storage_keys`)
    previews: bool
    grid: bool


class JobFactsCache:
    """`JobFacts` by job id, the most recent `_KEPT` jobs kept. A job gone from the store reads as an anonymous
    job without options (its items' results are refused by the store anyway)."""

    def __init__(self, store: JobStore) -> None:
        self._store = store
        self._facts: OrderedDict[str, JobFacts] = OrderedDict()

    def __call__(self, job_id: str) -> JobFacts:
        if job_id not in self._facts:
            job = self._store.get_job(job_id)
            owner, prefix = (job.owner, job.prefix) if job is not None else (None, None)
            previews, grid = bool(job and job.request.get("previews")), bool(job and job.grid is not None)
            self._facts[job_id] = JobFacts(job_folder(owner, job_id, prefix), previews, grid)
            while len(self._facts) > _KEPT:
                self._facts.popitem(last=False)
        return self._facts[job_id]
