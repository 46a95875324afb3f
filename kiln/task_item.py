"""`TaskItem`: one item of a motion job (a video, an animation, an assembly, a storyboard), and how the store tells
it from an image item. Imports nothing of kiln's but `kiln.types`.

An image item is one image of a batchable micro-batch; a task item is one whole runner call (see
`kiln.motion.task`), never batched with another: its signature carries its own `token`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from kiln.types import ImageItem, Signature

__all__ = ["TASK_KINDS", "TaskItem", "WorkItem", "item_from_dict"]

TASK_KINDS = ("video", "animation", "assembly", "storyboard", "upscale", "lipsync", "avatar")
_TASK_MARKER = "task"


@dataclass(frozen=True, slots=True)
class TaskItem:
    """A runner call: its kind, its request (the runner's request model as JSON, input references unresolved) and
    the model it loads first (empty when it needs none)."""

    index: int
    kind: str
    request: dict[str, Any]
    model: str = ""
    name: str | None = None
    token: str = field(default_factory=lambda: secrets.token_hex(8))

    def signature(self) -> Signature:
        return Signature(
            model=self.model, kind=self.kind, width=0, height=0, steps=0, guidance=0.0, scheduler=self.token
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            _TASK_MARKER: True,
            "index": self.index,
            "kind": self.kind,
            "request": self.request,
            "model": self.model,
            "name": self.name,
            "token": self.token,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskItem:
        return cls(
            index=data["index"],
            kind=data["kind"],
            request=dict(data["request"]),
            model=data.get("model", ""),
            name=data.get("name"),
            token=data["token"],
        )


WorkItem = ImageItem | TaskItem


def item_from_dict(data: dict[str, Any]) -> WorkItem:
    """An item as the store keeps it (`to_dict()`), back as its own type."""
    return TaskItem.from_dict(data) if data.get(_TASK_MARKER) else ImageItem.from_dict(data)
