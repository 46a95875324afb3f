"""The progress bar of the motion commands (`kiln video`, `kiln animate`, `kiln assemble`, `kiln render`): a runner's
`TaskControl` that draws what it reports. Ctrl-C interrupts the main thread, so `should_stop` is always False.
Where no bar can be drawn (output to a file or a pipe), a line is printed whenever the runner's state changes
("paused", "encoding"), not on every step."""

from __future__ import annotations

import re
import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

__all__ = ["TaskProgressBar"]


class TaskProgressBar:
    """Steps done of the total, time left, the runner's message, and with `unit` a rate (`12.5 frames/s`, measured
    since the total last changed: a runner reports its phases with their own totals)."""

    def __init__(self, console: Console, label: str, *, unit: str | None = None) -> None:
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[message]}"),
            console=console,
        )
        self._task = self._progress.add_task(label, total=None, rate="", message="")
        self._unit = unit
        self._console = console
        self._label = label
        self._said = ""  # the last state printed without a bar, its numbers blanked
        self._phase: tuple[int, float, int] | None = None  # (total, started, done then)

    def __enter__(self) -> TaskProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()

    def progress(self, done: int, total: int, message: str = "") -> None:
        now = time.perf_counter()
        if self._phase is None or self._phase[0] != total:
            self._phase = (total, now, done)
        rate = ""
        _, started, first = self._phase
        if self._unit is not None and done > first and now > started:
            rate = f"{(done - first) / (now - started):.1f} {self._unit}/s"
        self._progress.update(self._task, completed=done, total=total, rate=rate, message=message[:80])
        state = re.sub(r"\d+", "#", message)
        if not self._console.is_terminal and message and state != self._said:
            self._said = state
            self._console.print(f"{self._label} {done}/{total}: {message}", highlight=False)

    update = progress  # the animation's FileControl reports through `on_progress`

    def should_stop(self) -> bool:
        return False
