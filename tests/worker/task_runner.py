"""A small runner for the worker's task tests: writes one checkpoint file per frame, obeys stop and commands.

It follows `kiln.motion.task` like the real runners, without a model, so the tests can count exactly which frames
an attempt made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from kiln.errors import Cancelled, InvalidInput
from kiln.motion.task import ModelSource, TaskControl, TaskOutput


class FramesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    frames: int
    image: str | None = None
    name: str = "frames.txt"
    fail: bool = False


ON_FRAME: list[Callable[[int], None]] = []  # called after each frame is saved (a test cancels from there)


def run_frames(
    request: FramesRequest, *, models: ModelSource, work_dir: Path, control: TaskControl
) -> list[TaskOutput]:
    if request.fail:
        raise InvalidInput("frames", "this request always fails")
    frames = work_dir / "frames"
    frames.mkdir(exist_ok=True)
    commands: list[dict[str, Any]] = []
    for index in range(request.frames):
        frame = frames / f"{index:03d}.txt"
        if frame.exists():  # made by an earlier attempt
            continue
        poll = getattr(control, "commands", None)
        if poll is not None:
            commands.extend(poll())
        text = f"frame {index}"
        if request.image is not None:
            text += f" from {Path(request.image).read_text()}"
        frame.write_text(text + "".join(f" {c['action']}" for c in commands))
        control.progress(index + 1, request.frames)
        for hook in ON_FRAME:
            hook(index)
        if control.should_stop():
            raise Cancelled(f"stopped after frame {index + 1}")
    out = work_dir / request.name
    out.write_text("\n".join(p.read_text() for p in sorted(frames.iterdir())))
    return [TaskOutput(path=out, content_type="text/plain", name=request.name, frames=request.frames)]
