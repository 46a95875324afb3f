"""One worker process: the store, storage and engine from the settings, a warm model, a row in the worker
registry, and a clean stop. With `KILN_WORKER_MODELS` (`kiln worker --models`) it serves that pool only.

SIGTERM or SIGINT asks the worker to stop: the unit in flight finishes within the grace period or goes back
to the queue. A second SIGINT (Ctrl+C twice) quits at once; the lease of what was running then expires. A
worker started by `kiln serve` (`kiln worker --parent-pid`) also stops when the server dies, so a killed server
leaves no worker holding a GPU.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from types import FrameType

from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.errors import KilnError
from kiln.events.bus import publish_commits
from kiln.jobs.pools import claim_keys, parse_pool
from kiln.jobs.sql.migrate import migrate
from kiln.jobs.sql.store import SqlStore
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRegistry
from kiln.storage.open import open_storage
from kiln.worker.service import JobWorker

__all__ = ["default_worker_id", "run_worker", "stop_on_signals", "stop_with_parent"]

log = logging.getLogger(__name__)

GRACE_SECONDS = 30.0  # a stopping worker's unit in flight gets this long to finish (the supervisor waits longer)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop`; a second SIGINT exits at once (call from the main thread)."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            log.warning("second interrupt: quitting now")
            os._exit(130)
        log.info("%s: finishing the unit in flight, then stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def stop_with_parent(stop: threading.Event, parent: int, interval: float = 1.0) -> threading.Thread:
    """Set `stop` once this process's parent is no longer `parent` (it exited: orphans are re-parented).

    The parent's pid comes from the parent itself, so a parent that died while this process was still
    importing is noticed too."""

    def watch() -> None:
        while os.getppid() == parent and not stop.wait(interval):
            pass
        if not stop.is_set():
            log.warning("the parent process %d is gone: stopping", parent)
            stop.set()

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


def run_worker(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    store: JobStore | None = None,
    registry: WorkerRegistry | None = None,
    worker_id: str | None = None,
    parent: int | None = None,
    grace_seconds: float = GRACE_SECONDS,
) -> JobWorker:
    """Run one worker until SIGTERM/SIGINT, or until process `parent` exits; returns it, for its stats.

    The worker beats in `registry`; by default that is the store, when the store is a `WorkerRegistry`."""
    settings = settings or Settings()
    pool = None
    if settings.worker_models is not None:  # checked before anything starts: a typo is refused at once
        pool = parse_pool(settings.worker_models, field="KILN_WORKER_MODELS")
        claim_keys(pool, field="KILN_WORKER_MODELS")
    if store is None:
        url = settings.resolved_database_url()
        migrate(url)  # idempotent and safe when several processes start at once
        store = SqlStore(url)
    if registry is None and isinstance(store, WorkerRegistry):
        registry = store
    model_engine = engine or Engine(settings, max_models=settings.max_loaded_models, reuse_last_unit=True)
    stop = threading.Event()
    stop_on_signals(stop)
    if parent is not None:
        stop_with_parent(stop, parent)
    worker = JobWorker(
        store,
        model_engine,
        open_storage(settings),
        settings,
        worker_id or default_worker_id(),
        grace_seconds=grace_seconds,
        registry=registry,
        pool=pool,
    )
    # a pool's worker warms the default model if it serves it, else the first of its own
    warm = settings.default_model if pool is None or settings.default_model in pool else pool[0]
    if pool is not None:
        log.info("serving the pool %s only", ",".join(pool))

    def preload() -> None:
        log.info("loading %s on %s", warm, model_engine.plan.device)
        try:
            model_engine.model(warm)
        except KilnError as exc:  # its items will fail with this reason; other models may still work
            log.error("could not preload %s: %s", warm, exc)

    publisher = publish_commits(store, settings)  # with KILN_REDIS_URL: every API process hears of our events
    try:
        worker.run_forever(stop, prepare=preload if settings.preload_model else None)
    finally:
        if publisher is not None:
            publisher.close()
    return worker
