"""Artifacts: a job's list, one file (with `Range` support, by key or by signed URL), and a job's ZIP."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

from kiln.api.deps import BaseUrlDep, JobDep, ServicesDep, StorageDep, StoreDep, TokenDep, caller_now, credentials_of
from kiln.api.errors import ApiError
from kiln.api.schemas.jobs import ArtifactList
from kiln.api.stored_file import stored_file_response
from kiln.api.views import artifact_view
from kiln.api.zipstream import archive_names, sized_files, zip_storage
from kiln.errors import NotFound
from kiln.storage.local import LocalStorage

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["artifacts"])


class ArtifactFile(FileResponse):
    """A file whose `Range` errors take kiln's JSON shape: starlette answers them in plain text itself, so they are
    raised here instead, before anything is sent, for the app's error handlers (416 keeps `Content-Range`)."""

    @classmethod
    def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]]:
        try:
            return super()._parse_range_header(http_range, file_size)
        except MalformedRangeHeader as exc:
            message = f"{exc.content.rstrip('.')}; send e.g. Range: bytes=0-1023"
            raise ApiError(400, "invalid_range", message, field="Range") from exc
        except RangeNotSatisfiable as exc:
            raise ApiError(
                416,
                "range_not_satisfiable",
                f"the range starts past the end of the file ({file_size} bytes)",
                field="Range",
                headers={"Content-Range": f"bytes */{exc.max_size}"},
            ) from exc


@router.get("/jobs/{job_id}/artifacts", response_model=ArtifactList, summary="A job's files, in index order")
def list_artifacts(job: JobDep, store: StoreDep, base: BaseUrlDep) -> ArtifactList:
    return ArtifactList(data=[artifact_view(base, a) for a in store.list_artifacts(job.id)])


@router.get(
    "/artifacts/{artifact_id}",
    response_class=FileResponse,
    summary="One file (supports Range)",
    responses={200: {"content": {"image/*": {}}}, 206: {"description": "Partial content"}},
)
def get_artifact(
    artifact_id: str,
    request: Request,
    services: ServicesDep,
    credentials: TokenDep,
    expires: Annotated[str | None, Query(max_length=20, description="Of a signed URL")] = None,
    signature: Annotated[str | None, Query(max_length=128, description="Of a signed URL")] = None,
) -> Response:
    """The file of an artifact: for its key's owner (by header or session cookie), or for anyone holding an
    unexpired signed URL."""
    # from a bucket: a redirect to a presigned URL, or streamed (`KILN_S3_DOWNLOADS`); the docstring above is the
    # OpenAPI description, from which the studio's API types are generated
    store = services.store
    signed = services.signer.verify(artifact_id, expires, signature)
    caller = None
    if not signed:
        token = credentials.credentials if credentials is not None else None
        caller = caller_now(services, credentials_of(services, request, token))
    artifact = store.get_artifact(artifact_id)
    if artifact is None or (caller is not None and store.get_job(artifact.job_id, owner=caller.owner) is None):
        raise NotFound(f"no artifact {artifact_id!r}")
    storage, name = services.storage, PurePosixPath(artifact.storage_key).name
    missing = f"the file of artifact {artifact_id!r} is gone from storage"
    if not isinstance(storage, LocalStorage):
        return stored_file_response(
            storage,
            artifact.storage_key,
            request=request,
            content_type=artifact.content_type,
            filename=name,
            redirect=services.settings.s3_downloads == "redirect",
            parse_range=ArtifactFile._parse_range_header,
            missing=missing,
        )
    path = storage.path(artifact.storage_key)
    if not path.is_file():
        raise NotFound(missing)
    return ArtifactFile(path, media_type=artifact.content_type, filename=name, content_disposition_type="inline")


@router.get(
    "/jobs/{job_id}/zip",
    response_class=StreamingResponse,
    summary="A job's files as one ZIP, streamed",
    responses={
        200: {"content": {"application/zip": {}}},
        410: {"description": "Files of the job are gone from storage; `error.missing` lists their artifacts"},
    },
)
def job_zip(job: JobDep, store: StoreDep, storage: StorageDep) -> StreamingResponse:
    """Every file of the job, or 410 naming the artifacts whose files are gone: checked before the first byte,
    so a 200 is a complete archive (a file removed while the archive streams breaks the stream instead)."""
    artifacts = store.list_artifacts(job.id)
    names = archive_names(a.storage_key for a in artifacts)
    files = sized_files(storage, names, (a.storage_key for a in artifacts))
    gone = [a for a, (_, _, size) in zip(artifacts, files, strict=True) if size is None]
    if gone:
        shown = ", ".join(f"{a.id} (item {a.index})" for a in gone[:10]) + (" ..." if len(gone) > 10 else "")
        raise ApiError(
            410,
            "files_gone",
            f"{len(gone)} of the job's {len(artifacts)} files are gone from storage: {shown}; download the others "
            f"one by one (GET /v1/jobs/{job.id}/artifacts lists them)",
            extra={"missing": [{"artifact_id": a.id, "index": a.index} for a in gone]},
        )
    headers = {"Content-Disposition": f'attachment; filename="kiln-{job.id}.zip"'}
    present = [(name, key, size) for name, key, size in files if size is not None]
    return StreamingResponse(zip_storage(storage, present), media_type="application/zip", headers=headers)
