"""`GET /v1/jobs/{id}/items/{index}/frame`: the newest full-size frame of a running animation (its live view).

The worker keeps the newest few frames of each animation item in the job's storage folder
(`kiln.worker.live_frames`), so any API process answers, a bucket included; each frame is also told as an
`item.frame` event with a small WebP.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from kiln.api.deps import JobDep, StorageDep
from kiln.errors import NotFound
from kiln.jobs.storage_keys import live_frame_folder, live_frame_key, live_frame_number

__all__ = ["FRAME_HEADER", "router"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
FRAME_HEADER = "X-Kiln-Frame"  # the number (0-based) of the frame answered


@router.get(
    "/{job_id}/items/{index}/frame",
    response_class=Response,
    summary="An animation's newest frame",
    responses={
        200: {"content": {"image/png": {}}, "headers": {FRAME_HEADER: {"description": "The frame's number"}}},
        404: {"description": "No frame yet (or frame n is no longer kept)"},
    },
)
def item_frame(
    job: JobDep,
    storage: StorageDep,
    index: Annotated[int, Path(ge=0, le=1_000_000_000)],
    n: Annotated[int | None, Query(ge=0, le=1_000_000_000, description="This frame (0-based), if still kept")] = None,
) -> Response:
    """The newest full-size frame (PNG) an animation item has made while it runs, or frame `n` if it is among the
    newest few kept; 404 before the first frame."""
    if index >= job.total:
        raise NotFound(f"job {job.id} has {job.total} item(s); item {index} has no frames")
    folder = live_frame_folder(job.owner, job.id, index)
    if n is None:
        numbers = [number for name in storage.list_names(folder) if (number := live_frame_number(name)) is not None]
        if not numbers:
            raise NotFound(f"item {index} of job {job.id} has made no frame yet; its item.frame events tell each one")
        n = max(numbers)
    try:
        data = storage.read(live_frame_key(folder, n))
    except FileNotFoundError:
        raise NotFound(f"frame {n} of item {index} of job {job.id} is not kept (only the newest few are)") from None
    return Response(data, media_type="image/png", headers={FRAME_HEADER: str(n), "Cache-Control": "no-store"})
