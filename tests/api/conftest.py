"""API fixtures: the real app over a real store (SQLite after `migrate()`, or memory), a fake worker (or the real
one on the tiny engine), clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kiln.api import create_app
from kiln.config import Settings
from kiln.jobs.ids import Clock, utc_now
from kiln.jobs.memory import MemoryStore
from kiln.jobs.sql import SqlStore, migrate
from kiln.storage.local import LocalStorage
from kiln.storage.open import open_storage
from kiln.storage.protocol import Storage
from tests.api.fakes import FakeWorker
from tests.s3server import new_bucket

if TYPE_CHECKING:
    from tests.api.real_worker import RealWorker
from tests.conditions import wait_until
from tests.postgres import migrated_postgres

StoreKind = Literal["sqlite", "postgres", "memory"]
StorageKind = Literal["folder", "s3"]


@dataclass
class Api:
    """One app with its store, storage, fake worker and a test client."""

    app: FastAPI
    store: SqlStore | MemoryStore
    storage: Storage
    settings: Settings
    client: TestClient
    worker: FakeWorker
    tokens: dict[str, str] = field(default_factory=dict)
    real_worker: RealWorker | None = None  # with make_api(worker="real")

    @property
    def folder(self) -> LocalStorage:
        """The storage as a local folder, for tests that look at files on disk (not on S3)."""
        assert isinstance(self.storage, LocalStorage), "this test looks at a folder: make_api(storage='folder')"
        return self.storage

    def stored(self) -> list[str]:
        """Every key in the storage (a folder's files, a bucket's objects), sorted."""
        if isinstance(self.storage, LocalStorage):
            root = self.storage.root
            return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        from kiln.storage.s3 import S3Storage

        assert isinstance(self.storage, S3Storage)
        bucket, prefix = self.storage.bucket, self.storage.prefix
        pages = self.storage.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"].removeprefix(prefix) for page in pages for item in page.get("Contents", []))

    def run_worker(self) -> FakeWorker | RealWorker:
        """The worker this app was made with (`with api.run_worker(): ...`): the real one, else the fake."""
        return self.real_worker or self.worker

    def key(self, name: str = "alice", quota_per_day: int | None = None) -> str:
        """A new API key's token."""
        _, token = self.store.create_key(name, quota_per_day)
        self.tokens[name] = token
        return token

    def submit(self, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
        response = self.client.post("/v1/jobs", json=body, headers=headers)
        assert response.status_code == 202, response.text
        created: dict[str, Any] = response.json()
        return created

    def job(self, job_id: str, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
        response = self.client.get(f"/v1/jobs/{job_id}", params=params, headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        return job

    def wait_final(self, job_id: str, headers: dict[str, str] | None = None, timeout: float = 20) -> dict[str, Any]:
        def final() -> dict[str, Any] | None:
            job = self.job(job_id, headers)
            return job if job["state"] in ("completed", "failed", "canceled") else None

        return wait_until(final, timeout=timeout, interval=0.02, what=f"job {job_id} to finish")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def receive_until(ws: Any, type: str) -> list[dict[str, Any]]:
    """A WebSocket's messages up to and including the first of `type`."""
    messages = []
    while True:
        message: dict[str, Any] = ws.receive_json()
        messages.append(message)
        if message["type"] == type:
            return messages


ApiFactory = Callable[..., Api]


WorkerKind = Literal["fake", "real"]
SMALL = {"width": 64, "height": 64, "steps": 2}  # image defaults that keep the real worker fast


@pytest.fixture
def make_api(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ApiFactory]:
    """`make_api(auth="off", store="sqlite", clock=utc_now, worker="fake", storage="folder", **settings)` builds an
    app; everything is closed afterwards. `store="postgres"` uses a fresh schema of its own (skipped without
    PostgreSQL, failed on CI); `worker="real"` adds the product's worker (`Api.run_worker()`) on the tiny engine;
    `storage="s3"` keeps files in a new bucket of the session's moto server (`KILN_STORAGE_URL=s3://...`)."""
    made: list[Api] = []
    schemas = ExitStack()

    def make(
        *,
        auth: Literal["on", "off"] = "off",
        store: StoreKind = "sqlite",
        clock: Clock = utc_now,
        worker: WorkerKind = "fake",
        storage: StorageKind = "folder",
        **overrides: Any,
    ) -> Api:
        root = tmp_path / f"api{len(made)}"
        folders: dict[str, Any] = {"data_dir": root / "data", "output_dir": root / "outputs"}
        if storage == "s3":
            endpoint = request.getfixturevalue("s3_endpoint")
            folders |= {"storage_url": f"s3://{new_bucket(endpoint)}/kiln", "s3_endpoint_url": endpoint}
        settings = Settings(auth=auth, **(folders | overrides))
        job_store: SqlStore | MemoryStore
        if store == "sqlite":
            url = f"sqlite:///{root / 'kiln.db'}"
            migrate(url)
            job_store = SqlStore(url, clock=clock)
        elif store == "postgres":
            job_store = SqlStore(schemas.enter_context(migrated_postgres()), clock=clock)
        else:
            job_store = MemoryStore(clock=clock)
        files = open_storage(settings)
        app = create_app(settings, store=job_store, keys=job_store, storage=files)
        client = TestClient(app)
        api = Api(app, job_store, files, settings, client, FakeWorker(job_store, files))
        if worker == "real":
            from tests.api.real_worker import RealWorker  # torch, only for the tests that ask

            api.real_worker = RealWorker(job_store, files, settings, request.getfixturevalue("engine"))
        made.append(api)
        return api

    yield make
    for api in made:
        api.worker.stop()
        if api.real_worker is not None:
            api.real_worker.stop()
        api.client.close()
        if isinstance(api.store, SqlStore):
            api.store.close()
    schemas.close()


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    """Auth off, SQLite store, worker not started."""
    return make_api()


@pytest.fixture
def secured(make_api: ApiFactory) -> Api:
    """Auth on, SQLite store, worker not started."""
    return make_api(auth="on")
