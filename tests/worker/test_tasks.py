"""Task items (video, animation, assembly, storyboard) through the job worker, with a model-free runner kind
(`tests.worker.task_runner`): the artifact, progress, input references, resume from the work folder after a cancel,
and control commands handed out once across attempts. The real runners run end to end in tests/motion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.jobs.records import NewJob
from kiln.jobs.store import JobStore
from kiln.jobs.task_folders import task_work_dir
from kiln.motion.runners import RUNNERS, RunnerSpec
from kiln.storage.local import LocalStorage
from kiln.task_item import TaskItem
from kiln.worker.service import JobWorker, StorageFailed
from tests.conditions import wait_until
from tests.worker.task_runner import ON_FRAME


@pytest.fixture(autouse=True)
def frames_kind() -> Iterator[None]:
    RUNNERS["frames"] = RunnerSpec("tests.worker.task_runner:FramesRequest", "tests.worker.task_runner:run_frames")
    yield
    del RUNNERS["frames"]


def make_worker(store: JobStore, engine: Engine, tmp_path: Path) -> tuple[JobWorker, LocalStorage, Settings]:
    settings = Settings(threads=2, output_dir=tmp_path / "out", data_dir=tmp_path / "data", lease_seconds=30)
    storage = LocalStorage(settings.output_dir)
    # renewing at every check: a cancel is seen at the runner's next `should_stop`, however fast its frames
    return JobWorker(store, engine, storage, settings, "test-worker", renew_interval=0.0), storage, settings


def task(index: int, **request: object) -> TaskItem:
    return TaskItem(index=index, kind="frames", request={"frames": 4, **request})


def test_a_task_item_becomes_one_artifact_with_progress(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    job = store.create_job(NewJob(kind="frames", prefix="clips"), [task(0), task(1, name="b.txt")])
    worker, storage, _ = make_worker(store, engine, tmp_path)
    assert worker.run_once() and worker.run_once()  # one unit per task: tasks are never batched
    assert not worker.run_once()
    final = store.get_job(job.id)
    assert final is not None and final.state == "completed"
    artifacts = store.list_artifacts(job.id)
    folder = f"anonymous/{job.id}/clips"
    assert [a.storage_key for a in artifacts] == [f"{folder}/00000_frames.txt", f"{folder}/00001_b.txt"]
    assert storage.read(f"{folder}/00000_frames.txt").decode().splitlines() == [f"frame {i}" for i in range(4)]
    assert artifacts[0].content_type == "text/plain" and artifacts[0].metadata["kind"] == "frames"
    assert artifacts[0].metadata["frames"] == 4
    progress = [e.data for e in store.events_after(job.id, 0) if e.type == "item.progress"]
    assert {"step": 4, "steps": 4, "items": [0]} in progress  # the last step is always reported


def test_a_task_whose_output_cannot_be_stored_is_retried_then_done(
    store: JobStore, engine: Engine, tmp_path: Path
) -> None:
    """The storage root lies under a regular file (ENOTDIR for every write, root or not); then it is mended."""
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    settings = Settings(
        threads=2, output_dir=blocker / "out", data_dir=tmp_path / "data", lease_seconds=30, storage_retry_seconds=0.05
    )
    worker = JobWorker(store, engine, LocalStorage(settings.output_dir), settings, "test-worker")
    job = store.create_job(NewJob(kind="frames", max_attempts=3), [task(0)])
    with pytest.raises(StorageFailed, match="Not a directory"):
        worker.run_once()
    [item] = store.list_items(job.id)
    assert (item.state, item.attempts, item.error) == ("pending", 1, "storage error: Not a directory (errno 20)")
    running = store.get_job(job.id)
    assert running is not None and running.error is not None and "Not a directory" in running.error
    blocker.unlink()
    wait_until(worker.run_once, what="the task to be claimed again")
    final = store.get_job(job.id)
    assert final is not None and (final.state, final.error) == ("completed", None)
    [artifact] = store.list_artifacts(job.id)
    assert (blocker / "out" / artifact.storage_key).read_text().splitlines()[-1] == "frame 3"


def test_a_failing_task_fails_with_its_reason(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    job = store.create_job(NewJob(kind="frames"), [task(0, fail=True)])
    worker, _, _ = make_worker(store, engine, tmp_path)
    assert worker.run_once()
    [item] = store.list_items(job.id)
    assert item.state == "failed" and item.error == "frames: this request always fails"


def test_a_canceled_task_resumes_from_its_work_folder(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    job = store.create_job(NewJob(kind="frames"), [task(0, frames=6)])
    worker, storage, settings = make_worker(store, engine, tmp_path)
    frames = task_work_dir(settings, job.id, 0) / "frames"

    # first attempt: the job is canceled once frame 1 is saved; the runner stops before frame 2
    def cancel_at_frame_1(index: int) -> None:
        if index == 1:
            store.cancel_job(job.id)

    ON_FRAME.append(cancel_at_frame_1)
    try:
        assert worker.run_once()
    finally:
        ON_FRAME.clear()
    assert sorted(p.name for p in frames.iterdir()) == ["000.txt", "001.txt"]
    [item] = store.list_items(job.id)
    assert item.state == "canceled" and store.list_artifacts(job.id) == []
    made = {p.name: p.stat().st_mtime_ns for p in frames.iterdir()}

    # retried: the next attempt keeps frames 0-1 and makes 2-5
    store.retry_job(job.id)
    assert worker.run_once()
    assert {p.name: p.stat().st_mtime_ns for p in frames.iterdir() if p.name in made} == made
    assert len(list(frames.iterdir())) == 6
    final = store.get_job(job.id)
    assert final is not None and final.state == "completed"
    [artifact] = store.list_artifacts(job.id)
    assert storage.read(artifact.storage_key).decode().splitlines()[-1] == "frame 5"


def test_inputs_and_commands_reach_the_runner_once(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    worker, storage, settings = make_worker(store, engine, tmp_path)
    storage.write("uploads/anonymous/start.txt", b"the start")
    job = store.create_job(NewJob(kind="frames"), [task(0, image="storage:uploads/anonymous/start.txt")])
    store.append_event(job.id, "control", {"action": "pause"})
    store.append_event(job.id, "control", {"action": "edit", "index": 1})  # another item's: not handed out
    assert worker.run_once()
    frames = task_work_dir(settings, job.id, 0) / "frames"
    first = (frames / "000.txt").read_text()
    assert first == "frame 0 from the start pause"  # the upload copied into the work folder, the command seen
    assert (frames / "003.txt").read_text() == "frame 3 from the start pause"  # handed out once, not again
    cursor = task_work_dir(settings, job.id, 0) / "control.cursor"
    assert int(cursor.read_text()) >= 3  # the next attempt starts after the commands already handed out
