"""The product's worker for the API tests: `JobWorker` with the tiny engine and the app's own `LocalStorage`, run
in a thread, with the fake worker's `start`/`stop`/`with` interface. Tests of storage keys, isolation, delete and
ZIP run with it too, so they hold for the layout the product really writes."""

from __future__ import annotations

import threading
from types import TracebackType

from kiln.config import Settings
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRegistry
from kiln.storage.protocol import Storage
from kiln.worker.service import GenerationEngine, JobWorker

__all__ = ["RealWorker"]


class RealWorker:
    """A `JobWorker` in a thread while used as a context manager (or between `start()` and `stop()`); with a
    `registry`, it beats there as the product's workers do."""

    def __init__(
        self,
        store: JobStore,
        storage: Storage,
        settings: Settings,
        engine: GenerationEngine,
        registry: WorkerRegistry | None = None,
    ) -> None:
        self.worker = JobWorker(
            store, engine, storage, settings, "api-test-worker", poll_seconds=0.02, registry=registry
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> RealWorker:
        if self._thread is None:
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self.worker.run_forever, args=(self._stop,), daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    def __enter__(self) -> RealWorker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
