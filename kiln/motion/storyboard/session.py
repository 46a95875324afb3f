"""One render in progress: its cache, its report, and the progress and stop checks every maker shares.

Progress counts assets: the cached ones are done from the start (a resumed render's bar starts where the last
one stopped) and each made asset adds one. Within an asset, a maker reports its own steps in the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiln.errors import Cancelled
from kiln.motion.storyboard.cache import AssetCache, CachedAsset
from kiln.motion.storyboard.plan import AssetKind, RenderPlan
from kiln.motion.storyboard.report import RenderReport
from kiln.motion.task import TaskControl

__all__ = ["RenderSession", "SubtaskControl"]


@dataclass
class RenderSession:
    plan: RenderPlan
    cache: AssetCache
    control: TaskControl
    report: RenderReport = field(default_factory=RenderReport)
    done: int = 0
    total: int = 0

    def __post_init__(self) -> None:
        keys = self.plan.keys()
        self.total = sum(len(found) for found in keys.values())
        for kind, found in keys.items():
            for key in found:
                if self.cache.get(key) is not None:
                    self.report.reused[kind].append(key)
        self.done = sum(len(found) for found in self.report.reused.values())

    def missing(self, key: str) -> bool:
        return self.cache.get(key) is None

    def check_stop(self, before: str) -> None:
        if self.control.should_stop():
            raise Cancelled(f"stopped before {before}; finished assets are kept, render again to resume")

    def note(self, message: str) -> None:
        self.control.progress(self.done, self.total, message)

    def made(self, kind: AssetKind, asset: CachedAsset, message: str) -> None:
        self.report.made[kind].append(asset.key)
        self.done += 1
        self.control.progress(self.done, self.total, message)


class SubtaskControl:
    """A sub-task's `TaskControl` (a video clip, an animation, the assembly): its progress shown inside the
    render's current asset, its stop check the render's."""

    def __init__(self, session: RenderSession, label: str) -> None:
        self._session = session
        self._label = label

    def progress(self, done: int, total: int, message: str = "") -> None:
        detail = f" {message}" if message else ""
        self._session.note(f"{self._label}: {done}/{total}{detail}")

    def should_stop(self) -> bool:
        return self._session.control.should_stop()
