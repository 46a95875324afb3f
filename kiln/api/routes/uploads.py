"""`POST /v1/uploads`: an input file for a motion job (a still to animate, a clip, a music track).

The answer's `ref` (`upload:<id>`) goes in a job's input field (`image`, `init_image`, `clip`, `music`, ...); only the
key that uploaded a file may use it. A file is checked by its content before it is kept (`kiln.api.upload_check`:
an image decodes fully, a sound track's first sound decodes); the answer's `content_type` is the one found. Files
are kept as `uploads/<owner>/<id>.<ext>` in the output storage: the id is new for every upload, so no two uploads
share a file, and a reference is looked up in its caller's folder only.
Storage that cannot take the file (full, read-only) answers 507.
"""

from __future__ import annotations

import errno
from pathlib import PurePosixPath
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel

from kiln.api.deps import CallerDep, ServicesDep
from kiln.api.errors import ApiError
from kiln.api.inputs import UPLOAD_SUFFIXES, upload_key
from kiln.api.upload_check import checked_upload, clean_name
from kiln.errors import InvalidInput
from kiln.jobs.ids import new_id

__all__ = ["UploadCreated", "router", "storage_unavailable"]

router = APIRouter(prefix="/v1/uploads", tags=["uploads"])


class UploadCreated(BaseModel):
    id: str
    ref: str
    filename: str
    content_type: str
    bytes: int


def storage_unavailable(exc: OSError) -> ApiError:
    """507 for a write the storage refused: says which trouble (full, read-only) without the server's path."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        trouble = "is full"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        trouble = "is read-only"
    else:
        trouble = "cannot be written"
    reason = exc.strerror or type(exc).__name__
    return ApiError(
        507,
        "insufficient_storage",
        f"the server's storage {trouble} ({reason}), so the file was not kept; try again later or tell its operator",
    )


@router.post(
    "",
    status_code=201,
    response_model=UploadCreated,
    summary="Upload an input file for a job",
    responses={507: {"description": "The storage is full or read-only: the file was not kept"}},
)
async def upload(
    file: Annotated[UploadFile, File(description="An image, a video clip or an audio track")],
    services: ServicesDep,
    caller: CallerDep,
) -> UploadCreated:
    name = clean_name(file.filename or "")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InvalidInput("file", f"{name!r} is not a file kiln takes; send one of {', '.join(UPLOAD_SUFFIXES)}")
    data = await file.read()
    if not data:
        raise InvalidInput("file", "the file is empty")
    max_pixels = services.settings.max_input_pixels
    content_type = await anyio.to_thread.run_sync(lambda: checked_upload(data, suffix, name, max_pixels=max_pixels))
    upload_id = new_id()  # in upper case, as every id kiln issues
    try:
        await anyio.to_thread.run_sync(services.storage.write, upload_key(caller.owner, upload_id, suffix), data)
    except OSError as exc:
        raise storage_unavailable(exc) from exc
    return UploadCreated(
        id=upload_id, ref=f"upload:{upload_id}", filename=name, content_type=content_type, bytes=len(data)
    )
