"""Keeping a work unit's lease alive while it runs, and noticing when items stop being ours.

Two paths renew the lease: `check()`, called from the engine between denoising steps (at most every
`min_interval` seconds, so a cancel is seen within a step or two), and a background thread every `interval`
seconds, for what runs without steps (a model load, a long VAE decode, encoding). An item is no longer held when
its job was canceled or the lease expired and another worker took it; once lost, it stays lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType

from kiln.jobs.records import WorkUnit
from kiln.jobs.store import JobStore

__all__ = ["LeaseKeeper"]

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews one unit's lease (a context manager: the background heartbeat runs inside the `with`)."""

    def __init__(
        self,
        store: JobStore,
        unit: WorkUnit,
        *,
        lease_seconds: float,
        interval: float,
        min_interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._unit_id = unit.id
        self._ids = frozenset(record.id for record in unit.items)
        self._held = self._ids
        self._lease_seconds = lease_seconds
        self._interval = interval
        self._min_interval = min_interval
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LeaseKeeper:
        self._thread = threading.Thread(target=self._beat, name=f"lease-{self._unit_id}", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def held(self) -> frozenset[int]:
        """Ids of the unit's items that are still ours, as of the last renewal."""
        with self._lock:
            return self._held

    @property
    def lost(self) -> bool:
        return self.held != self._ids

    def renew(self) -> frozenset[int]:
        """Renew now; a store error leaves what is known unchanged (the next renewal tries again)."""
        try:
            still = frozenset(self._store.heartbeat(self._unit_id, lease_seconds=self._lease_seconds))
        except Exception:
            log.warning("heartbeat of unit %s failed", self._unit_id, exc_info=True)
            return self.held
        with self._lock:
            self._last = self._clock()
            self._held = self._held & still
            return self._held

    def check(self) -> bool:
        """Whether every item is still held, renewing first if the last renewal is `min_interval` old."""
        with self._lock:
            due = self._clock() - self._last >= self._min_interval
        held = self.renew() if due else self.held
        return held == self._ids

    def _beat(self) -> None:
        while not self._done.wait(self._interval):
            self.renew()
