"""`AsyncJob`: a handle on one job of an `AsyncClient`, holding its latest status. Mirrors `Job`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING

from kiln.sdk import calls
from kiln.sdk.errors import KilnSDKError
from kiln.sdk.events import Event
from kiln.sdk.files import result_filenames
from kiln.sdk.models import JobStatus, Result
from kiln.sdk.waiting import STREAM_FATAL, WaitTracker

if TYPE_CHECKING:
    from kiln.sdk.async_client import AsyncClient

__all__ = ["AsyncJob"]

ProgressCallback = Callable[[JobStatus], None]


class AsyncJob:
    """A job on the server. `status` is the snapshot last fetched; `refresh()` and `wait()` fetch anew."""

    def __init__(self, client: AsyncClient, status: JobStatus) -> None:
        self._client = client
        self._status = status

    @property
    def id(self) -> str:
        return self._status.id

    @property
    def status(self) -> JobStatus:
        return self._status

    def __repr__(self) -> str:
        return f"<AsyncJob {self.id} {self._status.state} {self._status.progress:.0%}>"

    async def refresh(self) -> JobStatus:
        self._status = await self._client._call(calls.get_job(self.id))
        return self._status

    async def _update(self, tracker: WaitTracker, on_progress: ProgressCallback | None) -> bool:
        """Refresh, tell `on_progress`; whether the job is final."""
        status = await self.refresh()
        tracker.refreshed()
        if on_progress is not None:
            on_progress(status)
        return status.is_final

    async def wait(
        self, on_progress: ProgressCallback | None = None, timeout: float | None = None, poll_interval: float = 1.0
    ) -> JobStatus:
        """Until the job is completed, failed or canceled; returns its final status. See `Job.wait`."""
        tracker = WaitTracker(timeout, poll_interval)
        if await self._update(tracker, on_progress):
            return self._status
        try:
            async with aclosing(self._client._follow(self.id, deadline=tracker.deadline)) as stream:
                async for event in stream:
                    if tracker.wants_refresh(event) and await self._update(tracker, on_progress):
                        return self._status
                    tracker.check(self.id)
            if await self._update(tracker, on_progress):
                return self._status
        except STREAM_FATAL:
            raise
        except KilnSDKError:
            pass  # no usable event stream: poll
        while True:
            tracker.check(self.id)
            await asyncio.sleep(tracker.poll_delay())
            if await self._update(tracker, on_progress):
                return self._status

    async def events(self, after: int = 0) -> AsyncIterator[Event]:
        """The job's events after event id `after`, in order, until the job is final; reconnects as `Job.events`."""
        async with aclosing(self._client._follow(self.id, after)) as stream:
            async for event in stream:
                if event is not None:
                    yield event

    async def results(self) -> list[Result]:
        """The job's finished images so far (refreshes `status` as well)."""
        self._status = await self._client._call(calls.get_job(self.id, results=True))
        return list(self._status.results or ())

    async def download_all(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Download every finished image into `folder`, named as a run folder names them (`00042_<seed>.png`,
        or the item's `name`); returns the files."""
        results = await self.results()
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        names = result_filenames(results)
        return [await self._client.download(result, target / name) for result, name in zip(results, names, strict=True)]

    async def cancel(self) -> JobStatus:
        self._status = await self._client.cancel(self.id)
        return self._status

    async def retry(self) -> JobStatus:
        self._status = await self._client.retry(self.id)
        return self._status

    async def set_priority(self, priority: int) -> JobStatus:
        self._status = await self._client.set_priority(self.id, priority)
        return self._status

    async def delete(self) -> None:
        await self._client.delete(self.id)
