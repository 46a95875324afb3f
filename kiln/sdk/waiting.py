"""The decisions of `Job.wait`, shared by the sync and async jobs: when to refresh, when to give up.

`wait` follows the job's event stream and refreshes the job's status on every `job.state` event and, for the
busier item events, at most once per `poll_interval` (a 10,000-item job does not cost 10,000 requests). Where
no stream can be had it polls every `poll_interval`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from kiln.sdk.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    WaitTimeout,
)
from kiln.sdk.events import Event

__all__ = ["STREAM_FATAL", "WaitTracker"]

# the server may answer a job's status from a record read a moment before its final event (KILN_STATUS_CACHE_SECONDS):
# once the stream said "final", the status is polled this often until it says so too
FINAL_CATCH_UP_SECONDS = 0.1

# errors that polling would meet as well: raised from `wait` rather than falling back to polling
STREAM_FATAL: tuple[type[Exception], ...] = (AuthenticationError, PermissionDeniedError, NotFoundError, WaitTimeout)


class WaitTracker:
    """The clock of one `wait`: deadline, and whether the status is due for a refresh."""

    def __init__(
        self, timeout: float | None, poll_interval: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        self._clock = clock
        self._timeout = timeout
        self.deadline = None if timeout is None else clock() + timeout
        self.poll_interval = poll_interval
        self._last_refresh = -math.inf
        self._dirty = False
        self.final_seen = False  # the stream announced a final state

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(self.deadline - self._clock(), 0.0)

    def check(self, job_id: str) -> None:
        """Raise `WaitTimeout` once the deadline has passed."""
        if self.deadline is not None and self._clock() >= self.deadline:
            raise WaitTimeout(f"job {job_id} was not finished after {self._timeout:g} seconds")

    def refreshed(self) -> None:
        self._last_refresh = self._clock()
        self._dirty = False

    def wants_refresh(self, event: Event | None) -> bool:
        """After an event (None: a keep-alive or a reconnect), whether to fetch the status now."""
        if event is not None:
            if event.type == "job.state":
                self.final_seen = self.final_seen or event.is_final
                return True
            self._dirty = True
        return self._dirty and self._clock() - self._last_refresh >= self.poll_interval

    def poll_delay(self) -> float:
        interval = min(self.poll_interval, FINAL_CATCH_UP_SECONDS) if self.final_seen else self.poll_interval
        remaining = self.remaining()
        return interval if remaining is None else min(interval, remaining)
