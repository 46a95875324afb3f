"""Files that cannot be stored, with the real worker, the tiny engine and a real `LocalStorage`.

The failure is a real one that holds for root too (the tests may run as root, where a chmod-ed folder stays
writable): the storage root lies under a regular file, so every write fails in the kernel with ENOTDIR, through
the same `mkdir`/`mkstemp` calls as a read-only or full disk. Turning that file into a folder mends the storage.
A second real failure is a prefix component longer than the file system's NAME_MAX (ENAMETOOLONG).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.jobs.records import JobRecord, NewJob
from kiln.jobs.store import JobStore
from kiln.storage.local import LocalStorage
from kiln.worker.service import JobWorker, StorageFailed
from tests.conditions import wait_until
from tests.helpers import make_item

REASON = "storage error: Not a directory (errno 20)"


def broken_root(tmp_path: Path) -> Path:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder's parent should be")
    return blocker / "out"


def mend(root: Path) -> None:
    root.parent.unlink()
    root.mkdir(parents=True)


def worker_on(store: JobStore, engine: Engine, root: Path, *, retry: float = 0.05) -> JobWorker:
    settings = Settings(threads=2, output_dir=root, lease_seconds=30, storage_retry_seconds=retry)
    return JobWorker(store, engine, LocalStorage(root), settings, "test-worker")


def job(store: JobStore, job_id: str) -> JobRecord:
    record = store.get_job(job_id)
    assert record is not None
    return record


def test_an_unwritable_storage_tells_the_job_and_fails_items_after_max_attempts(
    store: JobStore, engine: Engine, tmp_path: Path
) -> None:
    created = store.create_job(NewJob(max_attempts=2), [make_item(0), make_item(1)])
    worker = worker_on(store, engine, broken_root(tmp_path), retry=0.2)
    with pytest.raises(StorageFailed, match="Not a directory"):
        worker.run_once()
    items = store.list_items(created.id)
    assert {(i.state, i.attempts, i.error) for i in items} == {("pending", 1, REASON)}
    running = job(store, created.id)
    assert running.state == "running" and running.error is not None and REASON in running.error
    assert "attempt 1 of 2" in running.error
    assert worker.run_once() is False  # the items wait out their delay: no hot loop
    wait_until(lambda: _step(worker) and store.pending_count() == 0, what="the retries (one item per unit)")
    items = store.list_items(created.id)
    assert {(i.state, i.attempts, i.error) for i in items} == {("failed", 2, REASON)}
    failed = job(store, created.id)
    assert failed.state == "failed" and failed.error is not None and REASON in failed.error
    assert store.list_artifacts(created.id) == []  # nothing is done without its file
    assert store.stats().storage_errors == 4 and worker.stats.storage_errors == 4


def test_items_retried_after_the_storage_mends_are_done_and_the_error_clears(
    store: JobStore, engine: Engine, tmp_path: Path
) -> None:
    created = store.create_job(NewJob(max_attempts=3), [make_item(0)])
    root = broken_root(tmp_path)
    worker = worker_on(store, engine, root)
    with pytest.raises(StorageFailed):
        worker.run_once()
    assert job(store, created.id).error is not None
    mend(root)
    wait_until(worker.run_once, what="the retried item to be claimed")
    done = job(store, created.id)
    assert (done.state, done.error) == ("completed", None)
    [artifact] = store.list_artifacts(created.id)
    assert (root / artifact.storage_key).is_file()


def test_a_file_that_cannot_be_written_does_not_hold_back_its_batch_mates(
    store: JobStore, engine: Engine, tmp_path: Path
) -> None:
    """A prefix the file system cannot hold (a component of 260 bytes: over NAME_MAX) made before submit checked
    it, at a higher priority than another caller's job that shares its unit."""
    too_long = store.create_job(NewJob(prefix="ä" * 130, priority=10, max_attempts=1), [make_item(0)])
    other = store.create_job(NewJob(owner="other"), [make_item(1)])
    worker = worker_on(store, engine, tmp_path / "out")
    with pytest.raises(StorageFailed, match="too long"):
        worker.run_once()
    assert worker.stats.units == 1  # one unit held both
    assert job(store, other.id).state == "completed"
    failed = job(store, too_long.id)
    assert failed.state == "failed" and failed.error is not None and "File name too long" in failed.error
    assert store.pending_count() == 0


def _step(worker: JobWorker) -> bool:
    """One step of the worker; True (for `wait_until`) whatever it did."""
    with contextlib.suppress(StorageFailed):
        worker.run_once()
    return True
