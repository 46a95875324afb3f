"""`GET /v1/artifacts/{id}/thumbnail`: a WebP thumbnail, made on the first request and kept beside the file.

An artifact never changes, so a thumbnail is cached for good: its `ETag` is the artifact's id and the size, and a
request whose `If-None-Match` holds it gets a 304 without a look at storage. The file is written atomically
(a temporary file renamed into place; one PUT in a bucket), so first requests at once each make it and the last
rename wins, never a half-written file. A thumbnail made while its artifact was being deleted is removed again.
"""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from kiln.api.deps import CallerDep, ServicesDep
from kiln.api.errors import ApiError
from kiln.errors import NotFound
from kiln.jobs.storage_keys import thumbnail_key
from kiln.media.thumbnails import SourceTooLarge, UnreadableSource, make_thumbnail
from kiln.storage.local import LocalStorage

__all__ = ["router"]

router = APIRouter(prefix="/v1/artifacts", tags=["gallery"])

CACHE_CONTROL = "private, max-age=31536000, immutable"
WEBP = "image/webp"


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get(
    "/{artifact_id}/thumbnail",
    response_class=FileResponse,
    summary="A WebP thumbnail of an artifact (a video's first frame), made once and kept",
    responses={
        200: {"content": {WEBP: {}}},
        304: {"description": "Not modified (If-None-Match)"},
        410: {"description": "The artifact's file is gone from storage"},
        422: {"description": "A size out of range, or a file that cannot be made into a thumbnail"},
    },
)
def thumbnail(
    artifact_id: str,
    request: Request,
    services: ServicesDep,
    caller: CallerDep,
    size: Annotated[int, Query(ge=64, le=1024, description="The longest side in pixels (never enlarged)")] = 256,
) -> Response:
    store, storage = services.store, services.storage
    found = store.gallery_entries([artifact_id], owner=caller.owner)
    if not found:
        raise NotFound(f"no artifact {artifact_id[:64]!r}")
    artifact = found[0].artifact
    headers = {"ETag": f'"{artifact.id}.{size}"', "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    key = thumbnail_key(artifact.storage_key, artifact.id, size)
    if isinstance(storage, LocalStorage):
        if (path := storage.path(key)).is_file():
            return FileResponse(path, media_type=WEBP, headers=headers)
    else:
        with contextlib.suppress(FileNotFoundError):  # not made yet
            return Response(storage.read(key), media_type=WEBP, headers=headers)
    video = artifact.content_type.startswith("video/")  # GIF and animated WebP: Pillow reads their first frame
    try:
        # a bucket's file is fetched to a temporary file: PyAV and Pillow read from a path
        with storage.local_copy(artifact.storage_key) as source:
            data = make_thumbnail(source, size=size, video=video, max_pixels=services.settings.max_input_pixels)
    except FileNotFoundError as exc:
        raise ApiError(410, "file_gone", f"the file of artifact {artifact.id!r} is gone from storage") from exc
    except SourceTooLarge as exc:
        raise ApiError(422, "source_too_large", f"no thumbnail: {exc}", field="artifact_id") from exc
    except UnreadableSource as exc:
        raise ApiError(422, "unreadable_source", f"no thumbnail: {exc}", field="artifact_id") from exc
    storage.write(key, data)
    if store.get_artifact(artifact.id) is None:  # deleted meanwhile: its files are being removed, this one too
        storage.delete(key)
    return Response(data, media_type=WEBP, headers=headers)
