"""A worker's presence in the registry: a beat on start, one every `interval` seconds from a thread of its own
(so a long model load or a long unit never makes a live worker look dead), and removal on a clean stop.

A worker that dies (a device failure, a kill) is not removed: its row stops beating and ages out of
`live_workers`. A failing beat is logged and tried again at the next interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from kiln.jobs.workers import WorkerRegistry

__all__ = ["Presence"]

log = logging.getLogger(__name__)


class Presence:
    """Keeps `worker_id` alive in `registry` inside a `with`, reporting `info()` on each beat."""

    def __init__(
        self,
        registry: WorkerRegistry,
        worker_id: str,
        info: Callable[[], Mapping[str, Any]],
        *,
        interval: float,
    ) -> None:
        self._registry = registry
        self._worker_id = worker_id
        self._info = info
        self._interval = interval
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Presence:
        self._done.clear()
        self.beat()
        self._thread = threading.Thread(target=self._run, name=f"presence-{self._worker_id}", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if exc_type is None:
            try:
                self._registry.remove_worker(self._worker_id)
            except Exception:
                log.warning("could not remove worker %s from the registry", self._worker_id, exc_info=True)

    def beat(self) -> None:
        """Report now (also what the thread does every `interval`)."""
        try:
            self._registry.beat(self._worker_id, self._info())
        except Exception:
            log.warning("worker %s could not beat", self._worker_id, exc_info=True)

    def _run(self) -> None:
        while not self._done.wait(self._interval):
            self.beat()
