"""Progress as a client sees it, from the real worker: a one-item image job moves with its steps, and a paused task
tells its pause once (not twice a second) and its resume once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.jobs.records import NewJob
from kiln.jobs.store import JobStore
from kiln.storage.local import LocalStorage
from kiln.task_item import TaskItem
from kiln.worker.progress_events import UnitProgress
from kiln.worker.service import JobWorker
from kiln.worker.tasks import StoreTaskControl
from tests.conditions import wait_until
from tests.helpers import make_item


def test_a_one_item_image_job_moves_with_its_steps(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    job = store.create_job(NewJob(), [make_item(0, steps=12)])
    settings = Settings(threads=2, output_dir=tmp_path / "out", lease_seconds=30)
    worker = JobWorker(store, engine, LocalStorage(settings.output_dir), settings, "w", progress_interval=0.0)
    runner = threading.Thread(target=worker.run_once)
    runner.start()
    try:

        def part_way() -> float | None:
            record = store.get_job(job.id)
            assert record is not None
            return record.progress if record.state == "running" and 0 < record.progress < 1 else None

        seen = wait_until(part_way, timeout=60, interval=0.01, what="the job's progress between 0 and 1")
    finally:
        runner.join(120)
    final = store.get_job(job.id)
    assert final is not None and final.state == "completed" and final.progress == 1.0
    steps = [e.data["step"] for e in store.events_after(job.id, 0) if e.type == "item.progress"]
    assert seen in {step / 12 for step in steps}  # a fraction the worker reported


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_pause_is_told_once_and_its_resume_once(store: JobStore) -> None:
    job = store.create_job(NewJob(kind="animation"), [TaskItem(index=0, kind="animation", request={})])
    ticks = Ticks()
    control = StoreTaskControl(store, job.id, 0, lambda: False, clock=ticks)
    control.progress(47, 150, "frame 47 of 150")
    store.append_event(job.id, "control", {"action": "pause"})
    assert [c["action"] for c in control.commands()] == ["pause"]
    for _ in range(1200):  # ten minutes of a paused runner reporting twice a second
        ticks.now += 0.5
        control.progress(47, 150, "paused")
        assert control.commands() == []
    store.append_event(job.id, "control", {"action": "resume"})
    ticks.now += 0.5
    assert [c["action"] for c in control.commands()] == ["resume"]
    ticks.now += 0.3  # the next frame, past the throttle
    control.progress(48, 150, "frame 48 of 150")
    reports = [
        (e.data["step"], e.data.get("message")) for e in store.events_after(job.id, 0) if e.type == "item.progress"
    ]
    assert reports == [(47, "frame 47 of 150"), (47, "paused"), (47, "resumed"), (48, "frame 48 of 150")]


def test_deleting_a_running_job_logs_one_line_and_no_traceback(
    store: JobStore, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = store.create_job(NewJob(), [make_item(0, steps=40)])
    settings = Settings(threads=2, output_dir=tmp_path / "out", lease_seconds=30)
    worker = JobWorker(store, engine, LocalStorage(settings.output_dir), settings, "w", progress_interval=0.0)
    runner = threading.Thread(target=worker.run_once)
    caplog.set_level(logging.INFO, logger="kiln.worker")
    runner.start()
    try:

        def running() -> bool:
            record = store.get_job(job.id)
            return record is not None and record.progress > 0

        wait_until(running, timeout=60, interval=0.01, what="the job running")
        store.delete_job(job.id)
    finally:
        runner.join(120)
    progress = [r for r in caplog.records if "progress" in r.getMessage()]  # none if the cancel came first
    assert [(r.levelno, r.exc_info) for r in progress] in ([], [(logging.INFO, None)]), progress


def test_an_image_units_progress_for_a_deleted_job_says_so_once(
    store: JobStore, caplog: pytest.LogCaptureFixture
) -> None:
    job = store.create_job(NewJob(), [make_item(0)])
    progress = UnitProgress(store, {job.id: [0]}, 0.0, Ticks())
    store.delete_job(job.id)
    caplog.set_level(logging.INFO, logger="kiln.worker")
    for step in range(5):
        progress(step, 10)
    assert [(r.levelno, r.exc_info) for r in caplog.records] == [(logging.INFO, None)]
    assert "deleted while running" in caplog.records[0].getMessage()


def test_a_task_of_a_deleted_job_says_so_once(store: JobStore, caplog: pytest.LogCaptureFixture) -> None:
    job = store.create_job(NewJob(kind="animation"), [TaskItem(index=0, kind="animation", request={})])
    control = StoreTaskControl(store, job.id, 0, lambda: False, interval=0.0)
    store.delete_job(job.id)
    caplog.set_level(logging.INFO, logger="kiln.worker")
    for frame in range(5):
        control.progress(frame, 10)
    assert [(r.levelno, r.exc_info) for r in caplog.records] == [(logging.INFO, None)]
