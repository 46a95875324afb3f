"""The contract every motion task runner follows, so the CLI and the job worker can run any of them.

A runner is a function `run_<kind>(request, *, models, work_dir, control) -> list[TaskOutput]`:
- `models` gives loaded pipelines by model name (the worker's `Engine`, whose LRU keeps them warm);
- `work_dir` survives a crash or restart of the process: a runner keeps its checkpoints there (finished segments,
  saved frames with their state, cached assets) and, run again on the same folder, continues from them instead
  of redoing work;
- `control` reports progress and says when to stop (a cancel, a lost lease, a shutdown): the runner then raises
  `kiln.errors.Cancelled` after saving what it has, never leaving a half-written checkpoint. A control that is also
  a `FrameSink` is shown each frame a frame-by-frame runner makes (the worker's live view of an animation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from kiln.errors import KilnError

if TYPE_CHECKING:
    from PIL import Image

    from kiln.engine.loader import LoadedModel
    from kiln.media.video import VideoInfo

__all__ = ["FrameSink", "ModelSource", "NullControl", "TaskControl", "TaskOutput", "encoding_failed"]


def encoding_failed(exc: Exception, target: Path, kept: str) -> KilnError:
    """The error of an encoder that failed once every frame was made: what failed, and that running the same
    command (or retrying the job) again encodes the `kept` frames without generating them again."""
    return KilnError(
        f"encoding {target.name} failed ({exc}); {kept} are kept in {target.parent}/: fix the cause (an --audio "
        "file that does not decode, a full disk) and run the same command again to encode them without "
        "generating them again"
    )


class ModelSource(Protocol):
    """Loaded pipelines by model name (`kiln.engine.executor.Engine.model`)."""

    def model(self, name: str, family: str | None = None) -> LoadedModel: ...


class TaskControl(Protocol):
    """How a running task reports progress and learns that it must stop."""

    def progress(self, done: int, total: int, message: str = "") -> None: ...

    def should_stop(self) -> bool: ...


@runtime_checkable
class FrameSink(Protocol):
    """What a control offers to see the frames a runner makes, as they are made."""

    def frame_made(self, frame: int, frames: int, image: Image.Image, seconds: float) -> None:
        """Frame `frame` (0-based) of `frames` is made, as shown (`image`), in `seconds` of wall time. Called from
        the runner's thread; it must not raise for a failure of its own (the frame is saved already)."""
        ...


class NullControl:
    """Runs to the end and reports nothing: for direct calls and tests."""

    def progress(self, done: int, total: int, message: str = "") -> None:
        return None

    def should_stop(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class TaskOutput:
    """One finished file of a task: where it is in `work_dir`, what it is, and how it was made."""

    path: Path
    content_type: str
    name: str  # the file name it should have in the job's output folder
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    fps: float | None = None
    frames: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of_video(
        cls, path: Path, info: VideoInfo, *, name: str | None = None, metadata: dict[str, Any] | None = None
    ) -> TaskOutput:
        """A video file as encoded (`kiln.media.video.encode_video`'s facts), named after its file by default."""
        return cls(
            path=path,
            content_type=info.content_type,
            name=name or path.name,
            width=info.width,
            height=info.height,
            duration=info.duration,
            fps=info.fps,
            frames=info.frames,
            metadata=metadata or {},
        )
