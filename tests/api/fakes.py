"""Test doubles for the API tests: a fake worker (Pillow, no torch) and a live uvicorn server in a thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import uvicorn
from fastapi import FastAPI
from PIL import Image

from kiln.jobs.records import ItemRecord, NewArtifact
from kiln.jobs.storage_keys import image_key, job_folder
from kiln.jobs.store import JobStore
from kiln.media.images import CONTENT_TYPES, encode_image
from kiln.storage.protocol import Storage
from tests.conditions import wait_until

__all__ = ["FAIL_MARKER", "FakeWorker", "live_server"]

FAIL_MARKER = "FAIL"  # items whose prompt holds this fail instead of making an image


class FakeWorker:
    """Claims units from the store and completes each item with a small solid-colour image in storage.

    `step()` handles one unit synchronously; `start()` runs steps in a thread until `stop()`.
    """

    def __init__(self, store: JobStore, storage: Storage, *, batch: int = 16, interval: float = 0.01) -> None:
        self.store = store
        self.storage = storage
        self.batch = batch
        self.interval = interval
        self.completed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _key(self, record: ItemRecord) -> str:
        """The key the real worker writes (`kiln.jobs.storage_keys`), so layout-dependent tests mean something."""
        job = self.store.get_job(record.job_id)
        owner, prefix = (job.owner, job.prefix) if job is not None else (None, None)
        return image_key(job_folder(owner, record.job_id, prefix), record.image)

    def _complete(self, unit_id: str, record: ItemRecord) -> None:
        item = record.image
        if FAIL_MARKER in item.user_prompt:
            self.store.fail_item(unit_id, record.id, "the fake engine was told to fail")
            return
        colour = (item.seed % 256, (item.seed // 256) % 256, 128)
        image = Image.new("RGB", (item.width, item.height), colour)
        data = encode_image(
            image, item.output_format, quality=item.output_quality, infotext=item.prompt, recipe={"seed": item.seed}
        )
        key = self._key(record)
        self.storage.write(key, data)
        artifact = NewArtifact(
            storage_key=key,
            content_type=CONTENT_TYPES[item.output_format],
            size_bytes=len(data),
            width=item.width,
            height=item.height,
            metadata={"seed": item.seed, "prompt": item.prompt},
        )
        if self.store.complete_item(unit_id, record.id, artifact):
            self.completed += 1

    def step(self) -> int:
        """Claim one unit and finish its items; the number of items handled (0: nothing pending)."""
        unit = self.store.claim("fake-worker", max_items=self.batch, lease_seconds=60)
        if unit is None:
            return 0
        held = set(self.store.heartbeat(unit.id, lease_seconds=60))
        for record in unit.items:
            if record.id in held:
                self._complete(unit.id, record)
        self.store.release_unit(unit.id)  # canceled ones go back
        return len(unit.items)

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.step():
                self._stop.wait(self.interval)

    def start(self) -> FakeWorker:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="fake-worker", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> FakeWorker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on a free local port in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, timeout=20, what="uvicorn to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True
        thread.join(timeout=20)
        sock.close()
