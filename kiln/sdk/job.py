"""`Job`: a handle on one job of a `Client`, holding its latest status."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from kiln.sdk import calls
from kiln.sdk.errors import KilnSDKError
from kiln.sdk.events import Event
from kiln.sdk.files import result_filenames
from kiln.sdk.models import JobStatus, Result
from kiln.sdk.waiting import STREAM_FATAL, WaitTracker

if TYPE_CHECKING:
    from kiln.sdk.client import Client

__all__ = ["Job"]

ProgressCallback = Callable[[JobStatus], None]


class Job:
    """A job on the server. `status` is the snapshot last fetched; `refresh()` and `wait()` fetch anew."""

    def __init__(self, client: Client, status: JobStatus) -> None:
        self._client = client
        self._status = status

    @property
    def id(self) -> str:
        return self._status.id

    @property
    def status(self) -> JobStatus:
        return self._status

    def __repr__(self) -> str:
        return f"<Job {self.id} {self._status.state} {self._status.progress:.0%}>"

    def refresh(self) -> JobStatus:
        self._status = self._client._call(calls.get_job(self.id))
        return self._status

    def _update(self, tracker: WaitTracker, on_progress: ProgressCallback | None) -> bool:
        """Refresh, tell `on_progress`; whether the job is final."""
        status = self.refresh()
        tracker.refreshed()
        if on_progress is not None:
            on_progress(status)
        return status.is_final

    def wait(
        self, on_progress: ProgressCallback | None = None, timeout: float | None = None, poll_interval: float = 1.0
    ) -> JobStatus:
        """Block until the job is completed, failed or canceled; returns its final status.

        Follows the job's event stream, falling back to polling every `poll_interval` seconds where there is
        none. `on_progress` gets each fresh status (at most one per `poll_interval`, plus every state change).
        Raises `WaitTimeout` after `timeout` seconds; the job itself goes on.
        """
        tracker = WaitTracker(timeout, poll_interval)
        if self._update(tracker, on_progress):
            return self._status
        try:
            with closing(self._client._follow(self.id, deadline=tracker.deadline)) as stream:
                for event in stream:
                    if tracker.wants_refresh(event) and self._update(tracker, on_progress):
                        return self._status
                    tracker.check(self.id)
            if self._update(tracker, on_progress):
                return self._status
        except STREAM_FATAL:
            raise
        except KilnSDKError:
            pass  # no usable event stream: poll
        while True:
            tracker.check(self.id)
            time.sleep(tracker.poll_delay())
            if self._update(tracker, on_progress):
                return self._status

    def events(self, after: int = 0) -> Iterator[Event]:
        """The job's events after event id `after`, in order, until the job is final. A dropped connection is
        reopened with `Last-Event-ID`, so no event is lost or repeated."""
        with closing(self._client._follow(self.id, after)) as stream:
            for event in stream:
                if event is not None:
                    yield event

    def results(self) -> list[Result]:
        """The job's finished images so far (refreshes `status` as well)."""
        self._status = self._client._call(calls.get_job(self.id, results=True))
        return list(self._status.results or ())

    def download_all(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Download every finished image into `folder`, named as a run folder names them (`00042_<seed>.png`,
        or the item's `name`); returns the files."""
        results = self.results()
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        names = result_filenames(results)
        return [self._client.download(result, target / name) for result, name in zip(results, names, strict=True)]

    def cancel(self) -> JobStatus:
        self._status = self._client.cancel(self.id)
        return self._status

    def retry(self) -> JobStatus:
        self._status = self._client.retry(self.id)
        return self._status

    def set_priority(self, priority: int) -> JobStatus:
        self._status = self._client.set_priority(self.id, priority)
        return self._status

    def delete(self) -> None:
        self._client.delete(self.id)
