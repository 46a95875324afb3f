"""Live previews for jobs that ask for them (`"previews": true`): while a unit denoises, an `item.preview` event per
such job, at most one per `interval`, with a small WebP of each of its images as it stands at that step."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable, Sequence
from typing import Any

from kiln.engine.previews import latent_previews
from kiln.jobs.records import ItemRecord
from kiln.jobs.store import JobStore
from kiln.types import ImageItem

__all__ = ["PREVIEW_INTERVAL", "PreviewEvents"]

log = logging.getLogger(__name__)
PREVIEW_INTERVAL = 1.0  # seconds between two previews of a unit


class PreviewEvents:
    """`on_latents` (`kiln.engine.executor.BatchLatentsCallback`) for one unit's records that want previews."""

    def __init__(
        self,
        store: JobStore,
        records: Sequence[ItemRecord],
        clock: Callable[[], float],
        interval: float = PREVIEW_INTERVAL,
    ) -> None:
        self._store = store
        self._records = {id(record.item): record for record in records}  # the engine hands back these very items
        self._clock = clock
        self._interval = interval
        self._last = float("-inf")

    def __call__(self, items: Sequence[ImageItem], step: int, total: int, latents: Any) -> None:
        now = self._clock()
        wanted = [(i, self._records[id(item)]) for i, item in enumerate(items) if id(item) in self._records]
        if not wanted or step >= total or now - self._last < self._interval:
            return  # nobody asked, the image itself is moments away, or too soon
        self._last = now
        try:
            images = latent_previews(latents, width=items[0].width, height=items[0].height)
        except ValueError:
            return  # a latent layout kiln has no preview for
        by_job: dict[str, list[dict[str, Any]]] = {}
        for position, record in wanted:
            by_job.setdefault(record.job_id, []).append({"index": record.index, "image": _data_uri(images[position])})
        for job_id, previews in by_job.items():
            try:
                self._store.append_event(job_id, "item.preview", {"step": step, "steps": total, "previews": previews})
            except Exception:
                log.warning("could not record previews of job %s", job_id, exc_info=True)


def _data_uri(image: Any) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=60)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()
