"""`item.progress` events as the worker appends them: a job deleted while its items run is expected, not an error;
`UnitProgress` is a unit's `on_step`, throttled."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiln.jobs.store import JobStore

__all__ = ["UnitProgress", "append_progress"]

log = logging.getLogger(__name__)


def append_progress(store: JobStore, job_id: str, data: dict[str, Any]) -> bool:
    """Appends an `item.progress` event of `job_id`; False once the job is gone (deleted while running: said in one
    info line, and the caller reports no more: its work stops at the next lease or cancel check). Any other store
    error is logged and the progress skipped."""
    try:
        store.append_event(job_id, "item.progress", data)
    except KeyError:
        log.info("job %s was deleted while running; its progress is no longer recorded", job_id)
        return False
    except Exception:
        log.warning("could not record progress of job %s", job_id, exc_info=True)
    return True


class UnitProgress:
    """`on_step` for one unit: an `item.progress` event per job in the unit, at most one per `interval`."""

    def __init__(
        self, store: JobStore, jobs: dict[str, list[int]], interval: float, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._jobs = dict(jobs)
        self._interval = interval
        self._clock = clock
        self._last = float("-inf")

    def __call__(self, step: int, steps: int) -> None:
        now = self._clock()
        if now - self._last < self._interval:
            return
        self._last = now
        for job_id, indices in list(self._jobs.items()):
            if not append_progress(self._store, job_id, {"step": step, "steps": steps, "items": indices}):
                del self._jobs[job_id]
