"""What only the SQL store has: migrations, engine set-up, one transaction per write, concurrent claimers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from kiln.jobs.records import NewJob
from kiln.jobs.sql import SqlStore, make_engine, migrate, normalize_url
from kiln.jobs.sql.migrate import alembic_config
from kiln.jobs.sql.tables import Base, UtcDateTime
from tests.helpers import make_item
from tests.store.conftest import add_jobs_for_claimers, run_claimers


def test_migrations_are_idempotent_and_match_the_models(sql_url: str) -> None:
    migrate(sql_url)  # a second time: nothing to do
    engine = make_engine(sql_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            assert context.get_current_revision() == "0010"
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def _insert_first_schema_job(url: str, job_id: str, owner: str) -> None:
    """A job of two pending items as schema 0001 stores them (today's store writes columns it lacks)."""
    engine = make_engine(url)
    now = datetime(2026, 1, 2, 3, 4, 5)
    job = {"id": job_id, "owner": owner, "now": now}
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO jobs (id, kind, state, priority, owner, save, max_attempts, request, total,"
                    " created_at)"
                    " VALUES (:id, 'images', 'queued', 0, :owner, true, 3, '{}', 2, :now)"
                ),
                job,
            )
            for index in range(2):
                conn.execute(
                    text(
                        "INSERT INTO items (job_id, item_index, state, priority, job_created, signature, model, spec,"
                        " attempts) VALUES (:id, :index, 'pending', 0, :now, :signature, 'tiny-sd', :spec, 0)"
                    ),
                    job | {"index": index, "signature": make_item(index).signature().key(), "spec": _spec(index)},
                )
    finally:
        engine.dispose()


def _spec(index: int) -> str:
    return json.dumps(make_item(index).to_dict())


def test_a_database_of_the_first_schema_upgrades_with_its_jobs(empty_sql_url: str) -> None:
    command.upgrade(alembic_config(empty_sql_url), "0001")
    job_id = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
    _insert_first_schema_job(empty_sql_url, job_id, "key-1")
    migrate(empty_sql_url)
    store = SqlStore(empty_sql_url)
    try:
        assert store.pending_count() == 2 and store.stats().jobs["queued"] == 1
        store.beat("w", {"state": "idle"})
        assert [w.worker_id for w in store.live_workers(60)] == ["w"]
        job = store.get_job(job_id, owner="key-1")
        assert job is not None and job.total == 2
        with store.engine.connect() as conn:  # 0007 copied each item's owner from its job
            assert conn.execute(text("SELECT DISTINCT owner FROM items")).scalars().all() == ["key-1"]
        unit = store.claim("w", max_items=5, lease_seconds=30)
        assert unit is not None and [i.index for i in unit.items] == [0, 1]
    finally:
        store.close()


def test_processes_starting_together_migrate_once(empty_sql_url: str) -> None:
    """`kiln serve` and its workers may all migrate at start: they wait for each other instead of failing."""
    code = "import sys; from kiln.jobs.sql import migrate; migrate(sys.argv[1])"
    runs = [
        subprocess.Popen([sys.executable, "-c", code, empty_sql_url], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, errors
    store = SqlStore(empty_sql_url)
    try:
        assert store.pending_count() == 0
    finally:
        store.close()


def test_migrate_creates_the_folder_of_a_new_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'kiln.db'}"
    migrate(url)
    store = SqlStore(url)
    try:
        assert store.pending_count() == 0
    finally:
        store.close()


def test_sqlite_connections_are_tuned_for_a_queue(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("journal_mode",
                      "busy_timeout", "synchronous", "foreign_keys")}  # fmt: skip
    finally:
        engine.dispose()
    assert pragma["journal_mode"] == "wal"
    assert int(str(pragma["busy_timeout"])) >= 5000
    assert (pragma["synchronous"], pragma["foreign_keys"]) == (1, 1)  # NORMAL, ON


def test_postgres_urls_use_psycopg_3() -> None:
    for url in ("postgresql://u:p@db:5432/kiln", "postgres://u:p@db:5432/kiln", "postgresql+psycopg://u:p@db/kiln"):
        assert normalize_url(url).drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"


def test_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2026, 1, 1), sqlite.dialect())


def test_a_store_can_borrow_an_engine(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    store = SqlStore(engine)
    store.create_job(NewJob(), [make_item(0)])
    store.close()  # not its engine: still usable
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM items")).scalar() == 1
    engine.dispose()


def test_create_job_is_one_transaction(sql_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("kiln.jobs.sql.store.append_event", broken)  # fails after the job and items are written
    store = SqlStore(sql_url)
    try:
        with pytest.raises(RuntimeError):
            store.create_job(NewJob(), [make_item(i) for i in range(50)])
        assert store.list_jobs() == [] and store.pending_count() == 0
    finally:
        store.close()


def test_a_job_of_ten_thousand_items_is_written_in_bulk(sql_url: str) -> None:
    store = SqlStore(sql_url)
    planned = [make_item(i, width=64 + 8 * (i % 3)) for i in range(10_000)]
    try:
        started = time.perf_counter()
        created = store.create_job(NewJob(), planned)
        elapsed = time.perf_counter() - started
        print(f"create_job of 10,000 items on {store.engine.dialect.name}: {elapsed * 1000:.0f} ms")
        assert created.total == 10_000 and store.pending_count() == 10_000
        assert [i.item for i in store.list_items(created.id, offset=9_998)] == planned[-2:]
        unit = store.claim("w", max_items=64, lease_seconds=30)
        assert unit is not None and [i.index for i in unit.items] == list(range(0, 192, 3))
    finally:
        store.close()


def test_concurrent_claimers_never_share_an_item(sql_url: str) -> None:
    """Four workers, each with its own store (and connections), claim and complete 200 items at once."""
    setup = SqlStore(sql_url)
    stores = [SqlStore(sql_url) for _ in range(4)]
    try:
        jobs = add_jobs_for_claimers(setup)
        claimed = run_claimers(stores)
        everything = [item_id for ids in claimed for item_id in ids]
        assert [item_id for item_id, n in Counter(everything).items() if n > 1] == []
        assert len(everything) == 200
        finished = [setup.get_job(j.id) for j in jobs]
        assert all(j is not None and j.state == "completed" and j.counts["done"] == 50 for j in finished)
    finally:
        for store in [setup, *stores]:
            store.close()
