"""`item.progress` events as the worker appends them: a job deleted while its items run is expected, not an error."""

from __future__ import annotations

import logging
from typing import Any

from kiln.jobs.store import JobStore

__all__ = ["append_progress"]

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
