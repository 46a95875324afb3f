"""A rich progress bar for runs: images done of all, images per second, ETA and the step in flight."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kiln.worker.local_run import RunProgress

__all__ = ["RunProgressBar"]


class RunProgressBar:
    """Context manager fed with `RunProgress` updates; measures images/s over the images made in this process."""

    def __init__(self, console: Console, label: str) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[step]}"),
            console=console,
            transient=False,
        )
        self._label = label
        self._task = self._progress.add_task(label, total=None, rate="", step="")
        self._started = time.perf_counter()
        self._first_done: int | None = None

    def __enter__(self) -> RunProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()

    def update(self, progress: RunProgress) -> None:
        if self._first_done is None:
            # start the bar at what earlier runs finished, so the ETA is not skewed by a jump
            self._first_done = progress.done
            self._progress.reset(self._task, total=progress.total, completed=progress.done)
        made = progress.done - self._first_done
        elapsed = time.perf_counter() - self._started
        rate = f"{made / elapsed:.2f} img/s" if made and elapsed > 0 else ""
        step = f"step {progress.step}/{progress.steps} x{progress.batch_size}" if progress.steps else ""
        self._progress.update(self._task, total=progress.total, completed=progress.done, rate=rate, step=step)
