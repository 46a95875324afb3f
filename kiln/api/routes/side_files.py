"""`GET /v1/artifacts/{id}/files/{name}`: a file a task wrote beside its artifact (an assembly's or a storyboard's
`.srt`), listed in the artifact's metadata as `files: [{key, content_type, name}]`. Only the owner of the artifact's
job reads it; the name is looked up in that list, never joined to a storage path."""

from __future__ import annotations

from fastapi import APIRouter, Response

from kiln.api.deps import CallerDep, ServicesDep
from kiln.errors import NotFound

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["artifacts"])


@router.get(
    "/artifacts/{artifact_id}/files/{name}",
    response_class=Response,
    summary="A file written beside an artifact (e.g. its subtitles)",
    responses={200: {"content": {"application/x-subrip": {}}}},
)
def artifact_file(artifact_id: str, name: str, services: ServicesDep, caller: CallerDep) -> Response:
    store = services.store
    artifact = store.get_artifact(artifact_id)
    if artifact is None or store.get_job(artifact.job_id, owner=caller.owner) is None:
        raise NotFound(f"no artifact {artifact_id!r}")
    files = artifact.metadata.get("files")
    listed = [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
    entry = next((f for f in listed if f.get("name") == name and isinstance(f.get("key"), str)), None)
    if entry is None:
        raise NotFound(f"artifact {artifact_id!r} has no file {name[:100]!r} beside it")
    try:
        data = services.storage.read(entry["key"])
    except FileNotFoundError:
        raise NotFound(f"the file {name!r} of artifact {artifact_id!r} is gone from storage") from None
    content_type = str(entry.get("content_type") or "application/octet-stream")
    shown = name.replace('"', "")  # names come from the task (e.g. assembly.srt); a quote would end the header's
    headers = {"Content-Disposition": f'attachment; filename="{shown}"'}
    return Response(data, media_type=content_type, headers=headers)
