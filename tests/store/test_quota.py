"""The usage ledger and the quota check, on every store: charged with the job in one atomic step, kept when the job
is deleted, and never passed by concurrent submits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import insert

from kiln.errors import OverQuota, QuotaExceeded
from kiln.jobs.memory import MemoryStore
from kiln.jobs.quota import QUOTA_WINDOW, Charge
from kiln.jobs.records import NewJob
from kiln.jobs.sql import SqlStore, make_engine, migrate
from kiln.jobs.sql.migrate import alembic_config
from kiln.jobs.sql.tables import JOBS
from tests.store.conftest import FakeClock, Store, StoreFactory, items


def test_a_job_over_the_quota_is_refused_and_nothing_is_written(store: Store, clock: FakeClock) -> None:
    start = clock.now
    store.create_job(NewJob(owner="alice"), items(3), charge=Charge(3, quota=5))
    with pytest.raises(QuotaExceeded) as refused:
        store.create_job(NewJob(owner="alice"), items(3), charge=Charge(3, quota=5))
    assert str(refused.value) == (
        "quota of 5 images per rolling 24 hours: 3 used in the last 24 hours, this request needs 3; retry in 86401 s"
    )
    assert refused.value.retry_after == 86401
    assert len(store.list_jobs(owner="alice")) == 1 and store.pending_count() == 3
    assert store.images_since("alice", start) == 3
    store.create_job(NewJob(owner="alice"), items(2), charge=Charge(2, quota=5))  # exactly up to the quota
    assert store.images_since("alice", start) == 5


def test_retry_after_is_when_enough_usage_leaves_the_window(store: Store, clock: FakeClock) -> None:
    first = clock.now
    store.create_job(NewJob(owner="alice"), items(4), charge=Charge(4, quota=10))
    clock.advance(3600)
    store.create_job(NewJob(owner="alice"), items(6), charge=Charge(6, quota=10))
    clock.advance(60)
    with pytest.raises(QuotaExceeded) as refused:  # 4 fit once the first charge has left: 23 h - 60 s from now
        store.create_job(NewJob(owner="alice"), items(4), charge=Charge(4, quota=10))
    wait = refused.value.retry_after
    assert wait == int((first + QUOTA_WINDOW - clock.now).total_seconds()) + 1
    clock.advance(wait - 1)
    with pytest.raises(QuotaExceeded):
        store.create_job(NewJob(owner="alice"), items(4), charge=Charge(4, quota=10))
    clock.advance(1)
    store.create_job(NewJob(owner="alice"), items(4), charge=Charge(4, quota=10))


def test_a_request_larger_than_the_quota_never_fits(store: Store) -> None:
    """Bad input naming the field that sets the job's size (a 422 over the API), not a quota refusal to retry."""
    with pytest.raises(OverQuota) as refused:
        store.create_job(NewJob(owner="alice"), items(1), charge=Charge(6, quota=5, field="items.0.frames"))
    assert not isinstance(refused.value, QuotaExceeded)
    assert (refused.value.field, refused.value.quota, refused.value.needed) == ("items.0.frames", 5, 6)
    assert "can never fit" in str(refused.value) and store.images_since("alice", datetime.min.replace(tzinfo=UTC)) == 0


def test_deleting_a_job_gives_no_images_back(store: Store, clock: FakeClock) -> None:
    start = clock.now
    job = store.create_job(NewJob(owner="alice"), items(5), charge=Charge(5, quota=5))
    assert store.delete_job(job.id) == []
    assert store.images_since("alice", start) == 5
    with pytest.raises(QuotaExceeded):
        store.create_job(NewJob(owner="alice"), items(1), charge=Charge(1, quota=5))


def test_the_charge_is_what_the_caller_says_a_job_costs(store: Store, clock: FakeClock) -> None:
    """A motion job of one item costs its frames; an assembly costs nothing; without a charge, its items."""
    start = clock.now
    store.create_job(NewJob(owner="alice", kind="animation"), items(1), charge=Charge(100_000))
    store.create_job(NewJob(owner="alice", kind="assembly"), items(1), charge=Charge(0, quota=1))
    store.create_job(NewJob(owner="alice"), items(2))
    assert store.images_since("alice", start) == 100_002


def test_concurrent_submits_accept_exactly_what_the_quota_allows(make_store: StoreFactory, clock: FakeClock) -> None:
    """Twenty threads, each with its own store (its own connections), submit n=5 against a quota of 50 at once."""
    first = make_store(clock)
    # SQL: a store per thread, so each has its own connections; memory: one store (stores share nothing)
    stores = [first] * 20 if isinstance(first, MemoryStore) else [first] + [make_store(clock) for _ in range(19)]
    start, barrier = clock.now, threading.Barrier(len(stores))
    accepted: list[str] = []
    refused: list[QuotaExceeded] = []
    errors: list[BaseException] = []

    def submit(store: Store) -> None:
        try:
            barrier.wait()
            accepted.append(store.create_job(NewJob(owner="alice"), items(5), charge=Charge(5, quota=50)).id)
        except QuotaExceeded as exc:
            refused.append(exc)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert (len(accepted), len(refused)) == (10, 10)
    assert stores[0].images_since("alice", start) == 50
    assert sorted(job.id for job in stores[0].list_jobs(owner="alice")) == sorted(accepted)


def test_the_migration_charges_existing_jobs(empty_sql_url: str) -> None:
    """A database from before the ledger keeps its usage: each owned job is charged its items."""
    command.upgrade(alembic_config(empty_sql_url), "0002")
    engine = make_engine(empty_sql_url)
    created = datetime.now(UTC)
    row = {"kind": "images", "state": "completed", "priority": 0, "prefix": None, "save": True, "micro_batch": None}
    row |= {"webhook_url": None, "max_attempts": 3, "request": {}, "created_at": created}
    try:
        with engine.begin() as conn:
            conn.execute(insert(JOBS), [
                {**row, "id": "01JOBA0000000000000000000A", "owner": "alice", "total": 7},
                {**row, "id": "01JOBB0000000000000000000B", "owner": None, "total": 3},
            ])  # fmt: skip
    finally:
        engine.dispose()
    migrate(empty_sql_url)
    store = SqlStore(empty_sql_url)
    try:
        assert store.images_since("alice", created - timedelta(seconds=1)) == 7
    finally:
        store.close()
