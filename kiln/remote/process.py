"""One provider worker process (`kiln worker --backend openai|replicate`): the store and storage from the settings,
the backend, a row in the worker registry, and a clean stop on SIGTERM/SIGINT or when `kiln serve` (its parent)
dies. No torch: it imports nothing of `kiln.engine`'s loading or execution."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket

from kiln.config import Settings
from kiln.events.bus import publish_commits
from kiln.jobs.sql.migrate import migrate
from kiln.jobs.sql.store import SqlStore
from kiln.remote.backends import open_backend
from kiln.remote.worker import RemoteWorker
from kiln.storage.open import open_storage

__all__ = ["run_remote_worker"]

log = logging.getLogger(__name__)


async def _watch_parent(stop: asyncio.Event, parent: int, interval: float = 1.0) -> None:
    while os.getppid() == parent and not stop.is_set():
        await asyncio.sleep(interval)
    if not stop.is_set():
        log.warning("the parent process %d is gone: stopping", parent)
        stop.set()


def run_remote_worker(
    settings: Settings, backend_name: str, *, worker_id: str | None = None, parent: int | None = None
) -> RemoteWorker:
    """Run one provider worker for `backend_name` until a signal (or its parent's exit); returns it, for its
    stats. The backend is checked before anything starts: an unconfigured one is refused at once."""
    backend = open_backend(backend_name, settings)
    url = settings.resolved_database_url()
    migrate(url)
    store = SqlStore(url)
    name = worker_id or f"{socket.gethostname()}-{os.getpid()}-{backend_name}"
    worker = RemoteWorker(store, backend, open_storage(settings), settings, name, registry=store)
    publisher = publish_commits(store, settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        watcher = asyncio.create_task(_watch_parent(stop, parent)) if parent is not None else None
        try:
            await worker.run(stop)
        finally:
            if watcher is not None:
                watcher.cancel()

    try:
        asyncio.run(main())
    finally:
        if publisher is not None:
            publisher.close()
        store.close()
    return worker
