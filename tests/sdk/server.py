"""A real kiln API for the SDK's integration tests: uvicorn in a thread on a free port, a migrated SQLite store,
auth on, and a fake worker that turns claimed items into small PNGs (no engine, no torch)."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from PIL import Image

from kiln.api.app import create_app
from kiln.config import Settings
from kiln.jobs.records import ItemRecord, NewArtifact, WorkUnit
from kiln.jobs.sql.migrate import migrate
from kiln.jobs.sql.store import SqlStore
from kiln.storage.local import LocalStorage
from tests.conditions import wait_until

__all__ = ["FAIL_WORD", "FakeWorker", "LiveServer", "live_server"]

FAIL_WORD = "FAIL"  # an item whose prompt holds it fails instead of making an image


def png(width: int, height: int, seed: int) -> bytes:
    """A small PNG of one colour derived from the seed."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (seed % 256, (seed // 256) % 256, 128)).save(buffer, "PNG")
    return buffer.getvalue()


class FakeWorker:
    """Claims one item at a time and completes it with a PNG (or fails it, see `FAIL_WORD`).

    With a `gate`, each item waits for a permit of it first: a test hands them out to pace the work. Once
    `gate` is set, no item is claimed without a permit (setting it waits for a claim in progress).
    """

    def __init__(self, store: SqlStore, storage: LocalStorage) -> None:
        self.store = store
        self.storage = storage
        self._gate: threading.Semaphore | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-worker", daemon=True)

    def start(self) -> None:
        self.store.beat("fake-worker", {"loaded_models": ["tiny-sd"], "state": "idle"})  # live for an hour
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    @property
    def gate(self) -> threading.Semaphore | None:
        return self._gate

    @gate.setter
    def gate(self, gate: threading.Semaphore | None) -> None:
        with self._lock:
            self._gate = gate

    def _claim(self) -> WorkUnit | None:
        with self._lock:
            gate = self._gate
            if gate is not None and not gate.acquire(timeout=0.02):
                return None
            unit = self.store.claim("fake-worker", max_items=1, lease_seconds=60)
            if unit is None and gate is not None:
                gate.release()  # not used: keep the permit for the next item
            return unit

    def _run(self) -> None:
        while not self._stop.is_set():
            unit = self._claim()
            if unit is None:
                self._stop.wait(0.01)
                continue
            for record in unit.items:
                self._finish(unit, record)

    def _finish(self, unit: WorkUnit, record: ItemRecord) -> None:
        item = record.image
        self.store.append_event(record.job_id, "item.progress", {"step": 1, "steps": 2, "items": [item.index]})
        if FAIL_WORD in item.prompt:
            self.store.fail_item(unit.id, record.id, "the fake engine was told to fail")
            return
        data = png(item.width, item.height, item.seed)
        key = f"{record.job_id}/{item.index:05d}_{item.seed}.png"
        self.storage.write(key, data)
        metadata = {"item": item.to_dict(), "sampler": "fake", "model_label": item.model}
        self.store.complete_item(
            unit.id, record.id, NewArtifact(key, "image/png", len(data), item.width, item.height, metadata)
        )


@dataclass
class LiveServer:
    url: str
    store: SqlStore
    storage: LocalStorage
    worker: FakeWorker
    key: str  # an API key
    other_key: str  # a second key: its jobs are not the first key's


@contextmanager
def live_server(root: Path) -> Iterator[LiveServer]:
    """The API on 127.0.0.1 at a free port, until the block ends."""
    url = f"sqlite:///{root / 'kiln.db'}"
    migrate(url)
    store = SqlStore(url)
    storage = LocalStorage(root / "files")
    settings = Settings(data_dir=root, output_dir=root / "files", auth="on", heartbeat_seconds=1200)
    app = create_app(settings, store=store, keys=store, storage=storage)
    _, key = store.create_key("sdk tests")
    _, other_key = store.create_key("someone else")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound before uvicorn starts: no race for the port
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    worker = FakeWorker(store, storage)
    worker.start()
    try:
        wait_until(lambda: server.started, timeout=20, what="uvicorn to start")
        yield LiveServer(f"http://127.0.0.1:{port}", store, storage, worker, key, other_key)
    finally:
        worker.stop()
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        store.close()
