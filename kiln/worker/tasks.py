"""Running a motion task item (`kiln.task_item.TaskItem`) inside the job worker.

The item's request names its inputs by reference; they are fetched into the task's work folder first
(`kiln.worker.task_inputs`), and a failure reason names them as the caller sent them (`kiln.worker.references`).
The runner (`kiln.motion.runners`) then works in a folder that survives a crash (`<data_dir>/tasks/<job id>/<index>`):
killed and claimed again, it continues from its checkpoints. Progress goes out as `item.progress` events, a cancel
or lost lease stops it between steps, and animation commands sent through the API (`control` events of the job)
reach it between frames. Its first output becomes the item's artifact; the others (an .srt beside a video) are
written next to it and listed in the artifact's metadata.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from kiln.config import Settings
from kiln.errors import Cancelled, InvalidInput, KilnError
from kiln.jobs.records import ItemRecord, NewArtifact
from kiln.jobs.storage_keys import task_key
from kiln.jobs.store import JobStore
from kiln.jobs.task_folders import task_work_dir
from kiln.motion.runners import run_task
from kiln.motion.task import FrameSink, ModelSource, TaskOutput
from kiln.storage.errors import storage_reason
from kiln.task_item import TaskItem
from kiln.worker.progress_events import append_progress
from kiln.worker.references import shown_inputs
from kiln.worker.task_inputs import InputStorage, resolve_inputs

__all__ = ["StoreTaskControl", "TaskOutcome", "run_task_item"]

log = logging.getLogger(__name__)
PAUSED, RESUMED = "paused", "resumed"  # a paused animation's message (kiln.motion.animation.runner), and ours


@dataclass
class StoreTaskControl:
    """A runner's `TaskControl` (and animation control) backed by the job store.

    `progress` appends an `item.progress` event at most once per `interval`, and never one that repeats the last
    (a paused animation reports "paused" every half second: it is persisted once, and "resumed" once when a resume
    command is handed over); `should_stop` is the worker's cancel check (a canceled job, a lost lease, a stop past
    its grace); `commands` returns the job's new `control` events (pause, resume, stop, teleport, edit), read at
    most once per `poll_interval`; `frame_made` hands each frame an animation makes to `frames` (the live view:
    `kiln.worker.live_frames`), when there is one."""

    store: JobStore
    job_id: str
    index: int
    cancel_check: Callable[[], bool]
    resolve: Callable[[dict[str, Any]], dict[str, Any]] = dict  # input references of a command → local files
    cursor_file: Path | None = None  # the last control event handed out, kept for the next attempt
    frames: FrameSink | None = None
    interval: float = 0.25
    poll_interval: float = 0.2
    clock: Callable[[], float] = time.monotonic
    _last_progress: float = float("-inf")
    _last_report: tuple[int, int, str] | None = None
    _last_poll: float = float("-inf")
    _after_event: int = 0
    _wake: threading.Event = field(default_factory=threading.Event)
    _gone: bool = False  # the job was deleted while this ran

    def progress(self, done: int, total: int, message: str = "") -> None:
        now = self.clock()
        if (done, total, message) == self._last_report:
            return  # nothing new: a state is told once, not once per poll
        if now - self._last_progress < self.interval and done < total:
            return
        self._last_progress, self._last_report = now, (done, total, message)
        data: dict[str, Any] = {"step": done, "steps": total, "items": [self.index]}
        if message:
            data["message"] = message
        if not self._gone:
            self._gone = not append_progress(self.store, self.job_id, data)

    def should_stop(self) -> bool:
        return self.cancel_check()

    def frame_made(self, frame: int, frames: int, image: Image.Image, seconds: float) -> None:
        if self.frames is not None and not self._gone:
            self.frames.frame_made(frame, frames, image, seconds)

    def commands(self) -> list[dict[str, Any]]:
        """New control commands for this item, oldest first; each handed out once, across attempts too (the cursor
        is kept in `cursor_file`), and one whose input cannot be fetched is reported and dropped."""
        now = self.clock()
        if now - self._last_poll < self.poll_interval:
            return []
        self._last_poll = now
        if self._after_event == 0 and self.cursor_file is not None and self.cursor_file.exists():
            self._after_event = int(self.cursor_file.read_text() or 0)
        found: list[dict[str, Any]] = []
        start = self._after_event
        while events := self.store.events_after(self.job_id, self._after_event):
            self._after_event = events[-1].id
            for event in events:
                if event.type == "control" and event.data.get("index") in (None, self.index):
                    found.extend(self._resolved(dict(event.data)))
        if self._after_event != start and self.cursor_file is not None:
            self.cursor_file.write_text(str(self._after_event))
        report = self._last_report
        if report is not None and report[2] == PAUSED and any(c.get("action") == "resume" for c in found):
            self._last_progress = float("-inf")  # a state change, told at once
            self.progress(report[0], report[1], RESUMED)
        return found

    def _resolved(self, command: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return [self.resolve(command)]
        except Exception as exc:
            log.warning("control command %s of job %s dropped: %s", command, self.job_id, exc)
            reason = {"command": command, "error": str(exc), "items": [self.index]}
            self.store.append_event(self.job_id, "control.rejected", reason)
            return []

    def wait(self, seconds: float) -> None:
        """Pause between polls of a paused task without spinning."""
        self._wake.wait(seconds)


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What the worker records: the artifact of a finished task, or why it failed."""

    artifact: NewArtifact | None = None
    error: str | None = None
    storage_error: str | None = None  # its files could not be stored: retried later, not the task's fault


def run_task_item(
    record: ItemRecord,
    *,
    store: JobStore,
    models: ModelSource,
    storage: InputStorage,
    settings: Settings,
    folder: str,
    should_cancel: Callable[[], bool],
    frames: FrameSink | None = None,
) -> TaskOutcome:
    """Run one task item to its end; `Cancelled` propagates (the unit is released), other errors fail the item.
    `frames` sees each frame an animation makes (its live view)."""
    item = record.item
    assert isinstance(item, TaskItem)
    work_dir = task_work_dir(settings, record.job_id, item.index)
    work_dir.mkdir(parents=True, exist_ok=True)
    inputs = work_dir / "inputs"

    local: dict[str, str] = {}  # each input file fetched → the reference it came from

    def resolve(data: dict[str, Any]) -> dict[str, Any]:
        resolved: dict[str, Any] = resolve_inputs(data, storage=storage, work_dir=inputs, settings=settings, seen=local)
        return resolved

    def shown(reason: str) -> str:
        """A failure reason as the client may see it: inputs named as the caller sent them, other paths inside
        the task's folder relative to it (the server's folders are its own business)."""
        reason = shown_inputs(reason, local, store)
        return reason.replace(f"{work_dir}/", "").replace(str(work_dir), ".")

    control = StoreTaskControl(
        store, record.job_id, item.index, should_cancel, resolve, cursor_file=work_dir / "control.cursor", frames=frames
    )
    try:
        request = resolve(item.request)
        outputs = run_task(item.kind, request, models=models, work_dir=work_dir, control=control)
    except Cancelled:
        raise
    except KilnError as exc:
        return TaskOutcome(error=shown(str(exc)))
    except Exception as exc:
        log.warning("task item %d (%s) failed", record.id, item.kind, exc_info=True)
        return TaskOutcome(error=shown(f"{item.kind} failed: {type(exc).__name__}: {exc}"))
    if not outputs:
        return TaskOutcome(error=f"{item.kind} made no output")
    try:
        return TaskOutcome(artifact=_store_outputs(outputs, item, folder, storage))
    except InvalidInput as exc:  # a key the storage refuses: retrying will not help
        return TaskOutcome(error=f"could not store the output: {exc}")
    except Exception as exc:  # a full disk, a storage outage: the item is retried later (its work folder stays)
        log.warning("could not store the outputs of task item %d: %s", record.id, exc)
        return TaskOutcome(storage_error=storage_reason(exc))


def _store_outputs(outputs: list[TaskOutput], item: TaskItem, folder: str, storage: InputStorage) -> NewArtifact:
    main, *extra = outputs
    keys = []
    for output in outputs:
        key = task_key(folder, item.index, output.name)
        storage.write(key, output.path.read_bytes())  # the file first: an item is never done without its file
        keys.append(key)
    metadata: dict[str, Any] = {
        "kind": item.kind,
        "request": item.request,
        "duration": main.duration,
        "fps": main.fps,
        "frames": main.frames,
        **main.metadata,
    }
    if extra:
        metadata["files"] = [
            {"key": key, "content_type": output.content_type, "name": output.name}
            for key, output in zip(keys[1:], extra, strict=True)
        ]
    return NewArtifact(
        storage_key=keys[0],
        content_type=main.content_type,
        size_bytes=main.path.stat().st_size,
        width=main.width or 0,
        height=main.height or 0,
        metadata=metadata,
    )
