"""Steering a running animation: pause, resume, stop, teleport and edit, picked up between two frames.

A command is a JSON object, as the API stores it and as command files hold it:
`{"action": "pause"}`, `{"action": "resume"}`, `{"action": "stop"}`, `{"action": "teleport", "image": "a.png"}`
(a local image that becomes the start of the next frame) and `{"action": "edit", "changes": {"strength": "0:(0.4)"}}`
(fields of the request, from the next frame on; see `request.EDITABLE_FIELDS`).

`stop` ends the animation where it is: the frames made so far become the video. To abandon a run instead, make
`should_stop` true: the runner raises `Cancelled` and a later run resumes it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from kiln.errors import InvalidInput
from kiln.motion.task import TaskControl

__all__ = ["AnimationControl", "Command", "QueueControl", "parse_command"]


@runtime_checkable
class AnimationControl(TaskControl, Protocol):
    """A `TaskControl` that also carries commands (what `kiln.worker.tasks.StoreTaskControl` provides)."""

    def commands(self) -> list[dict[str, Any]]:
        """Commands that arrived since the last call, oldest first; each is handed out once."""
        ...

    def wait(self, seconds: float) -> None:
        """Block until a command may have arrived or `seconds` have passed (a paused runner waits here)."""
        ...


class Command(BaseModel):
    """One command, checked. Keys it does not know (such as the API's item `index`) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    image_hint: ClassVar[str] = "the path of an image file"  # how a teleport names its image, for messages

    action: Literal["pause", "resume", "stop", "teleport", "edit"]
    image: str | None = None
    changes: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _fields_of_action(self) -> Command:
        # `InvalidInput` (not a ValueError) passes through pydantic as is, naming the field that is missing
        if self.action == "teleport" and not self.image:
            raise InvalidInput("image", f"teleport needs an image: {self.image_hint}")
        if self.action == "edit" and not self.changes:
            raise InvalidInput("changes", "edit needs changes: the fields to change and their new values")
        return self


def parse_command(data: Mapping[str, Any]) -> Command:
    """`data` as a `Command`; `InvalidInput` naming the field otherwise."""
    try:
        return Command.model_validate(dict(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error.get("loc", ())) or "command"
        raise InvalidInput(field, str(error.get("msg", "is invalid")).removeprefix("Value error, ")) from exc


class QueueControl:
    """An in-memory `AnimationControl`, safe to `send` to from any thread; a paused runner wakes on a command.

    `should_stop` and `on_progress` are optional hooks (a Ctrl-C flag, a progress bar); `stop_now()` makes
    `should_stop` true."""

    def __init__(
        self,
        *,
        should_stop: Callable[[], bool] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> None:
        self._should_stop = should_stop
        self._on_progress = on_progress
        self._pending: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        self._stopped = threading.Event()

    def send(self, command: Mapping[str, Any]) -> None:
        parse_command(command)  # refuse a bad command here, where the sender sees the error
        with self._arrived:
            self._pending.append(dict(command))
            self._arrived.notify_all()

    def stop_now(self) -> None:
        self._stopped.set()
        with self._arrived:
            self._arrived.notify_all()

    def commands(self) -> list[dict[str, Any]]:
        with self._arrived:
            taken, self._pending = self._pending, []
        return taken

    def wait(self, seconds: float) -> None:
        with self._arrived:
            self._arrived.wait_for(lambda: bool(self._pending) or self._stopped.is_set(), timeout=seconds)

    def progress(self, done: int, total: int, message: str = "") -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, message)

    def should_stop(self) -> bool:
        return self._stopped.is_set() or (self._should_stop is not None and self._should_stop())
