"""The gallery: every artifact of the caller across jobs (filtered, newest first), stars, deletes and ZIPs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from kiln.api.artifact_files import remove_files
from kiln.api.deps import BaseUrlDep, CallerDep, ServicesDep, StorageDep, StoreDep
from kiln.api.errors import ApiError
from kiln.api.gallery_views import gallery_artifact
from kiln.api.results import task_files
from kiln.api.schemas.gallery import ArtifactIds, Deleted, GalleryPage
from kiln.api.zipstream import archive_names, sized_files, zip_storage
from kiln.errors import InvalidInput, NotFound
from kiln.jobs.gallery import GalleryQuery
from kiln.jobs.ids import stored_id
from kiln.jobs.records import ArtifactRecord
from kiln.jobs.spec import MAX_SEED
from kiln.jobs.storage_keys import job_folder
from kiln.jobs.store import JobStore
from kiln.jobs.text import bad_text_at
from kiln.storage.protocol import Storage

__all__ = ["router"]

router = APIRouter(prefix="/v1/artifacts", tags=["gallery"])

_FIRST, _LAST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
_DATE_HELP = "A date (YYYY-MM-DD) or an ISO 8601 time (UTC unless it says otherwise)"


def _text(field: str, value: str | None, *, single_line: bool = True) -> str | None:
    if value is not None and (found := bad_text_at(value, single_line=single_line)) is not None:
        raise InvalidInput(field, found[1])
    return value


def _when(field: str, value: str | None, *, end: bool) -> datetime | None:
    """A `since`/`until` bound in UTC: a date covers its whole day, so `until=2026-05-01` includes that day. A bound
    past either end of the calendar once in UTC (`until=9999-12-31`, `0001-01-01T00:00+14:00`) is that end."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if end and day == date.max:
                return _LAST
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            field, f"{value[:40]!r} is not a date; send e.g. 2026-05-01 or 2026-05-01T12:00:00Z"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return _FIRST if moment.year == datetime.min.year else _LAST


@router.get("", response_model=GalleryPage, summary="Every artifact of the caller, newest first, across jobs")
def list_gallery(
    store: StoreDep,
    services: ServicesDep,
    caller: CallerDep,
    base: BaseUrlDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[str | None, Query(max_length=64, description="An artifact id: artifacts before it")] = None,
    job: Annotated[str | None, Query(max_length=64, description="Only this job's")] = None,
    model: Annotated[str | None, Query(max_length=500)] = None,
    style: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=500, description="Text in the prompt, any case")] = None,
    seed: Annotated[int | None, Query(ge=0, le=MAX_SEED)] = None,
    width: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    height: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    since: Annotated[str | None, Query(max_length=40, description=f"Made at or after. {_DATE_HELP}")] = None,
    until: Annotated[
        str | None, Query(max_length=40, description=f"Made before (a date: up to its end). {_DATE_HELP}")
    ] = None,
    starred: Annotated[bool | None, Query(description="Only starred (true) or only not starred (false)")] = None,
    board: Annotated[str | None, Query(max_length=64, description="Only this board's")] = None,
    media: Annotated[Literal["image", "video"] | None, Query()] = None,
) -> GalleryPage:
    if before is not None and stored_id(before) is None:
        raise InvalidInput(
            "before", f"{before[:40]!r} is not an artifact id; give the id of the last artifact of a page"
        )
    if board is not None and store.get_board(board, owner=caller.owner) is None:
        raise NotFound(f"no board {board[:64]!r}")
    query = GalleryQuery(
        owner=caller.owner,
        limit=limit + 1,
        before=before,
        job_id=_text("job", job),
        model=_text("model", model),
        style=_text("style", style),
        q=_text("q", q, single_line=False),
        seed=seed,
        width=width,
        height=height,
        since=_when("since", since, end=False),
        until=_when("until", until, end=True),
        starred=starred,
        board_id=board,
        media=media,
    )
    entries = store.list_gallery(query)
    more = len(entries) > limit
    entries = entries[:limit]
    return GalleryPage(
        data=[gallery_artifact(base, e, services.styles) for e in entries],
        next_before=entries[-1].artifact.id if more else None,
    )


def _delete(store: JobStore, storage: Storage, ids: Iterable[str], owner: str | None) -> int:
    """Deletes the caller's artifacts among `ids` with their files; how many there were."""
    deleted = store.delete_artifacts(list(ids), owner=owner)
    by_job: dict[str, list[ArtifactRecord]] = defaultdict(list)
    for artifact in deleted:
        by_job[artifact.job_id].append(artifact)
    for job_id, artifacts in by_job.items():
        job = store.get_job(job_id)
        keys = [a.storage_key for a in artifacts] + task_files(artifacts)
        remove_files(storage, keys, prune=job_folder(job.owner if job else owner, job_id, None))
    return len(deleted)


@router.delete("/{artifact_id}", status_code=204, response_class=Response, summary="Delete an artifact and its file")
def delete_artifact(artifact_id: str, store: StoreDep, storage: StorageDep, caller: CallerDep) -> Response:
    """Removes the artifact, its file, thumbnails, star and board entries. Its job keeps its counts (the item
    stays done); its artifact list, results and ZIP no longer hold it."""
    if not _delete(store, storage, [artifact_id], caller.owner):
        raise NotFound(f"no artifact {artifact_id[:64]!r}")
    return Response(status_code=204)


@router.post("/delete", response_model=Deleted, summary="Delete many artifacts and their files")
def delete_artifacts(body: ArtifactIds, store: StoreDep, storage: StorageDep, caller: CallerDep) -> Deleted:
    return Deleted(deleted=_delete(store, storage, body.ids, caller.owner))


def _star(artifact_id: str, store: JobStore, owner: str | None, starred: bool) -> Response:
    if not store.set_star(artifact_id, owner=owner, starred=starred):
        raise NotFound(f"no artifact {artifact_id[:64]!r}")
    return Response(status_code=204)


@router.put("/{artifact_id}/star", status_code=204, response_class=Response, summary="Star an artifact")
def star(artifact_id: str, store: StoreDep, caller: CallerDep) -> Response:
    return _star(artifact_id, store, caller.owner, True)


@router.delete("/{artifact_id}/star", status_code=204, response_class=Response, summary="Unstar an artifact")
def unstar(artifact_id: str, store: StoreDep, caller: CallerDep) -> Response:
    return _star(artifact_id, store, caller.owner, False)


@router.post(
    "/zip",
    response_class=StreamingResponse,
    summary="Artifacts as one ZIP, streamed",
    responses={
        200: {"content": {"application/zip": {}}},
        404: {"description": "An id that names none of the caller's artifacts (`field` says which)"},
        410: {"description": "Files gone from storage; `error.missing` lists their artifacts"},
    },
)
def artifacts_zip(body: ArtifactIds, store: StoreDep, storage: StorageDep, caller: CallerDep) -> StreamingResponse:
    """The files of the artifacts named, in the order named (an id named twice is zipped once); every id must be
    the caller's and every file there, checked before the first byte."""
    entries = {e.artifact.id: e.artifact for e in store.gallery_entries(body.ids, owner=caller.owner)}
    chosen: dict[str, ArtifactRecord] = {}
    for n, value in enumerate(body.ids):
        found = entries.get(stored_id(value) or "")
        if found is None:
            raise ApiError(404, "not_found", f"no artifact {value[:64]!r}", field=f"ids.{n}")
        chosen.setdefault(found.id, found)
    artifacts = list(chosen.values())
    names = archive_names(a.storage_key for a in artifacts)
    files = sized_files(storage, names, (a.storage_key for a in artifacts))
    gone = [a for a, (_, _, size) in zip(artifacts, files, strict=True) if size is None]
    if gone:
        shown = ", ".join(a.id for a in gone[:10]) + (" ..." if len(gone) > 10 else "")
        raise ApiError(
            410,
            "files_gone",
            f"{len(gone)} of the {len(artifacts)} files are gone from storage: {shown}; leave them out",
            extra={"missing": [{"artifact_id": a.id, "index": a.index} for a in gone]},
        )
    headers = {"Content-Disposition": 'attachment; filename="kiln-artifacts.zip"'}
    present = [(name, key, size) for name, key, size in files if size is not None]
    return StreamingResponse(zip_storage(storage, present), media_type="application/zip", headers=headers)
