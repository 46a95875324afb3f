"""A poison pill: an item whose generation kills its worker process fails after `max_attempts` worker deaths,
while the supervisor restarts the worker and the rest of the job completes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.jobs.lifecycle import lost_lease_error
from kiln.jobs.records import FINAL_JOB_STATES, JobRecord, NewJob
from kiln.jobs.sql.migrate import migrate
from kiln.jobs.sql.store import SqlStore
from kiln.storage.local import LocalStorage
from kiln.worker.supervisor import WorkerSupervisor
from tests.conditions import wait_until
from tests.helpers import make_item
from tests.worker.poison_worker import POISON_EXIT_CODE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        output_dir=tmp_path / "out",
        device="cpu",
        threads=2,
        lease_seconds=2,
        heartbeat_seconds=0.5,
        preload_model=True,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[SqlStore]:
    url = settings.resolved_database_url()
    migrate(url)
    store = SqlStore(url)
    yield store
    store.close()


@pytest.mark.slow
def test_a_poison_pill_fails_alone_after_max_attempts(settings: Settings, store: SqlStore) -> None:
    items = [make_item(i) for i in range(4)]
    items[2] = make_item(2, prompt="a POISON apple")
    job = store.create_job(NewJob(prefix="pill", max_attempts=2), items)
    supervisor = WorkerSupervisor(
        settings,
        devices=[None],
        command=[sys.executable, "-m", "tests.worker.poison_worker", str(os.getpid())],
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"},
    )
    supervisor.start(interval=0.1)
    try:

        def finished() -> JobRecord | None:
            record = store.get_job(job.id)
            return record if record is not None and record.state in FINAL_JOB_STATES else None

        final = wait_until(finished, timeout=180, interval=0.2, what="the job to finish")
    finally:
        supervisor.stop(timeout=30)
    assert final.state == "completed"
    by_index = {item.index: item for item in store.list_items(job.id)}
    poisoned = by_index.pop(2)
    assert (poisoned.state, poisoned.attempts) == ("failed", 2)
    assert poisoned.error == lost_lease_error(2)
    assert {item.state for item in by_index.values()} == {"done"}
    storage = LocalStorage(settings.output_dir)
    assert sorted(a.storage_key for a in store.list_artifacts(job.id)) == [
        f"anonymous/{job.id}/pill/{name}" for name in ("00000_1000.png", "00001_1001.png", "00003_1003.png")
    ]
    assert all(storage.exists(a.storage_key) for a in store.list_artifacts(job.id))
    assert supervisor.restarts >= 2  # the first death took the batch, the second the poison alone
    assert POISON_EXIT_CODE in supervisor.exit_codes[0]
