"""Commands for a running animation as files: `send_command` drops one into `<work_dir>/control/`, and the running
animation's `FileControl` takes them in the order they were sent.

A command file is `<nanoseconds>-<pid>-<counter>.json`, written under a temporary name and renamed into place, so
the runner never reads half a command. A teleport image is copied next to its command when it is sent: the
command does not depend on a file the sender may move or delete. An edit is checked against the running
animation's request when the folder holds one, so a bad edit is refused to its sender, not dropped later.
A command file is deleted as it is handed out; the runner checkpoints what the command changed right away.

While `kiln animate` runs on a folder, `LiveRun` keeps `control/running.pid` there (the running process's id), so a
sender can tell a command taken within a frame from one that waits for the next run (`running_pid`).
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from kiln.engine.init_images import open_init_image
from kiln.errors import InvalidInput
from kiln.motion.animation.controls import parse_command
from kiln.motion.animation.request import apply_edit
from kiln.motion.animation.state import AnimationFolder
from kiln.storage.local import LocalStorage

__all__ = ["CONTROL_DIR", "FileControl", "LiveRun", "queued_commands", "running_pid", "send_command"]

log = logging.getLogger(__name__)
CONTROL_DIR = "control"
RUNNING_FILE = f"{CONTROL_DIR}/running.pid"
_counter = itertools.count()


def send_command(work_dir: Path, command: Mapping[str, Any]) -> Path:
    """Queue `command` for the animation in `work_dir`; returns the command file. Bad commands raise
    `InvalidInput` naming the field."""
    parsed = parse_command(command)
    data = parsed.model_dump(exclude_none=True)
    storage = LocalStorage(work_dir)
    stamp = f"{time.time_ns():020d}-{os.getpid()}-{next(_counter):06d}"
    if parsed.action == "edit" and parsed.changes is not None:
        state = AnimationFolder(work_dir).load_state()
        if state is not None:
            apply_edit(state.current, parsed.changes)
    if parsed.action == "teleport" and parsed.image is not None:
        buffer = io.BytesIO()
        try:
            image = open_init_image(parsed.image)
        except InvalidInput as exc:  # it says init_image: the sender gave a teleport image
            raise InvalidInput("image", f"the teleport image {exc.message}") from None
        image.save(buffer, format="PNG")
        data["image"] = str(storage.write(f"{CONTROL_DIR}/{stamp}.png", buffer.getvalue()).resolve())
    return storage.write(f"{CONTROL_DIR}/{stamp}.json", json.dumps(data).encode())


def queued_commands(work_dir: Path) -> list[dict[str, Any]]:
    """The commands waiting in `work_dir`, oldest first, left in place (unreadable files are skipped)."""
    queued = []
    for path in sorted((work_dir / CONTROL_DIR).glob("[!.]*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            queued.append(data)
    return queued


def running_pid(work_dir: Path) -> int | None:
    """The id of the live process running the animation in `work_dir`, or None when nothing runs there."""
    try:
        pid = int((work_dir / RUNNING_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return None  # a run that was killed left its file behind
    except PermissionError:
        return pid  # alive, another user's
    return pid


class LiveRun:
    """`control/running.pid` in `work_dir` while the `with` block runs (this process's id), removed after."""

    def __init__(self, work_dir: Path) -> None:
        self._storage = LocalStorage(work_dir)

    def __enter__(self) -> LiveRun:
        self._storage.write(RUNNING_FILE, str(os.getpid()).encode())
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._storage.path(RUNNING_FILE).unlink(missing_ok=True)


class FileControl:
    """An `AnimationControl` reading command files from `<work_dir>/control/`; `should_stop` and `on_progress`
    are optional hooks (a Ctrl-C flag, a progress bar)."""

    def __init__(
        self,
        work_dir: Path,
        *,
        should_stop: Callable[[], bool] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        poll_interval: float = 0.1,
    ) -> None:
        self.folder = work_dir / CONTROL_DIR
        self._should_stop = should_stop
        self._on_progress = on_progress
        self._poll_interval = poll_interval
        self._stopped = threading.Event()
        self._handed_out: list[Path] = []  # teleport copies, removed once the runner has had them

    def _pending(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(path for path in self.folder.glob("*.json") if not path.name.startswith("."))

    def commands(self) -> list[dict[str, Any]]:
        for path in self._handed_out:
            path.unlink(missing_ok=True)
        self._handed_out = []
        taken: list[dict[str, Any]] = []
        for path in self._pending():
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                log.warning("skipping unreadable command file %s: %s", path, exc)
                data = None
            path.unlink(missing_ok=True)
            if isinstance(data, dict):
                taken.append(data)
                image = data.get("image")
                if isinstance(image, str) and Path(image).parent == self.folder.resolve():
                    self._handed_out.append(Path(image))
        return taken

    def wait(self, seconds: float) -> None:
        """Returns once a command file is there, `stop_now` is called or `seconds` pass (files are looked for
        every `poll_interval` seconds)."""
        deadline = time.monotonic() + seconds
        while not self._pending() and not self._stopped.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._stopped.wait(min(left, self._poll_interval))

    def stop_now(self) -> None:
        self._stopped.set()

    def progress(self, done: int, total: int, message: str = "") -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, message)

    def should_stop(self) -> bool:
        return self._stopped.is_set() or (self._should_stop is not None and self._should_stop())
