"""A running animation's live view: each frame it makes goes to the job's storage (the newest few, full size, so
`GET /v1/jobs/{id}/items/{index}/frame` serves them from any API process, a bucket included) and out as an
`item.frame` event with a small WebP of it.

The full frame is written before the event is appended, so a client that sees the event can fetch the frame.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from PIL import Image

from kiln.jobs.records import ItemRecord
from kiln.jobs.storage_keys import live_frame_folder, live_frame_key
from kiln.jobs.store import JobStore
from kiln.task_item import TaskItem

__all__ = ["EVENT", "KEPT_FRAMES", "PREVIEW_SIDE", "LiveFrames", "live_frames_of"]

log = logging.getLogger(__name__)
EVENT = "item.frame"
KEPT_FRAMES = 16  # full frames kept per item (`?n=` reaches back this far); older ones are deleted as new ones come
PREVIEW_SIDE = 256  # the event's WebP: its longest side at most this


class FrameStorage(Protocol):
    """What the live view needs of `kiln.storage.protocol.Storage`."""

    def write(self, relative: str, data: bytes) -> object: ...

    def delete(self, relative: str, *, prune: str | None = None) -> None: ...


@dataclass
class LiveFrames:
    """`frame_made` of one animation item (`kiln.motion.task.FrameSink`): stores the frame, then tells it."""

    store: JobStore
    storage: FrameStorage
    job_id: str
    index: int
    folder: str  # `kiln.jobs.storage_keys.live_frame_folder` of the item
    kept: int = KEPT_FRAMES

    def frame_made(self, frame: int, frames: int, image: Image.Image, seconds: float) -> None:
        try:
            self.storage.write(live_frame_key(self.folder, frame), _png(image))
            if frame >= self.kept:
                self.storage.delete(live_frame_key(self.folder, frame - self.kept))
        except Exception:  # the frame is saved in the work folder: only the live view misses it
            log.warning("could not store live frame %d of job %s", frame, self.job_id, exc_info=True)
        data: dict[str, Any] = {
            "index": self.index,
            "frame": frame,
            "frames": frames,
            "image": _webp_data_uri(image),
            "seconds": round(seconds, 3),
            "paused": False,  # frames are made only while it runs; a pause is told by `item.progress`
        }
        try:
            self.store.append_event(self.job_id, EVENT, data)
        except KeyError:
            pass  # the job was deleted while it ran: its progress says so once
        except Exception:
            log.warning("could not record live frame %d of job %s", frame, self.job_id, exc_info=True)


def live_frames_of(store: JobStore, storage: FrameStorage, record: ItemRecord) -> LiveFrames | None:
    """The live view of an animation item; None for other items (and a job deleted meanwhile)."""
    item = record.item
    if not isinstance(item, TaskItem) or item.kind != "animation":
        return None
    job = store.get_job(record.job_id)
    if job is None:
        return None
    return LiveFrames(store, storage, record.job_id, item.index, live_frame_folder(job.owner, job.id, item.index))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)  # fast: it is replaced within seconds
    return buffer.getvalue()


def _webp_data_uri(image: Image.Image) -> str:
    small = image.convert("RGB")
    small.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)  # never enlarges
    buffer = io.BytesIO()
    small.save(buffer, format="WEBP", quality=70)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()
