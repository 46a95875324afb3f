"""Store fixtures: every contract test runs on memory, SQLite (a migrated file) and PostgreSQL (a fresh schema).

PostgreSQL comes from `KILN_TEST_POSTGRES_URL` (default: postgres@127.0.0.1:5432/test). When it does not
answer, its tests are skipped, or fail when the `CI` environment variable is set.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest

from kiln.jobs.ids import Clock
from kiln.jobs.keys import KeyStore
from kiln.jobs.memory import MemoryStore
from kiln.jobs.outbox import WebhookOutbox
from kiln.jobs.records import JobRecord, NewArtifact, NewJob, WorkUnit
from kiln.jobs.sql import SqlStore, migrate
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRegistry
from kiln.types import ImageItem
from tests.helpers import make_item
from tests.postgres import empty_postgres

LEASE = 30.0
START = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


class Store(JobStore, KeyStore, WebhookOutbox, WorkerRegistry, Protocol):
    """What both implementations offer: the four protocols on one object."""


class FakeClock:
    """A clock that moves only when told, so lease tests never sleep."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


StoreFactory = Callable[[Clock], Store]


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A URL whose connections use a new, empty PostgreSQL schema of their own, dropped afterwards."""
    with empty_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(empty_postgres_url: str) -> str:
    migrate(empty_postgres_url)
    return empty_postgres_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'kiln.db'}"
    migrate(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def empty_sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL with no tables yet, once per SQL backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL, once per SQL backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_store(request: pytest.FixtureRequest) -> Iterator[StoreFactory]:
    """Builds stores of one backend; SQL ones share one migrated database."""
    url: str | None = None
    if request.param != "memory":
        url = request.getfixturevalue(f"{request.param}_url")
    opened: list[SqlStore] = []

    def make(clock: Clock) -> Store:
        if url is None:
            return MemoryStore(clock=clock)
        store = SqlStore(url, clock=clock)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: StoreFactory, clock: FakeClock) -> Store:
    return make_store(clock)


def artifact(key: str, **metadata: Any) -> NewArtifact:
    return NewArtifact(
        storage_key=key, content_type="image/png", size_bytes=1234, width=64, height=64, metadata=metadata
    )


def items(count: int, start: int = 0, **fields: Any) -> list[ImageItem]:
    return [make_item(i, **fields) for i in range(start, start + count)]


def claim(store: Store, max_items: int = 100, **kwargs: Any) -> WorkUnit:
    """A unit for worker-1 under a `LEASE`; there must be one."""
    unit = store.claim("worker-1", max_items=max_items, lease_seconds=LEASE, **kwargs)
    assert unit is not None
    return unit


def claimed(unit: WorkUnit) -> list[tuple[str, int]]:
    return [(item.job_id, item.index) for item in unit.items]


def job(store: Store, job_id: str) -> JobRecord:
    record = store.get_job(job_id)
    assert record is not None
    return record


def complete_all(store: Store, unit: WorkUnit) -> None:
    for item in unit.items:
        assert store.complete_item(unit.id, item.id, artifact(f"{item.job_id}/{item.index}.png"))


def add_jobs_for_claimers(store: Store) -> list[JobRecord]:
    """200 items: four jobs of two priorities and three owners (one of them None), each of two signatures."""
    owners = (None, "key-a", "key-b", "key-a")
    return [
        store.create_job(
            NewJob(priority=n % 2, owner=owners[n]), [make_item(i, width=64 + 64 * (i % 2)) for i in range(50)]
        )
        for n in range(4)
    ]


def run_claimers(stores: Sequence[Store]) -> list[list[int]]:
    """One thread per store, started together, claiming (3 at a time) and completing until nothing is left."""
    start = threading.Barrier(len(stores))
    claimed: list[list[int]] = [[] for _ in stores]
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        store = stores[slot]
        try:
            start.wait()
            while (unit := store.claim(f"worker-{slot}", max_items=3, lease_seconds=60)) is not None:
                for item in unit.items:
                    claimed[slot].append(item.id)
                    assert store.complete_item(unit.id, item.id, artifact(f"{item.job_id}/{item.index}.png"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return claimed
