"""Input references of a motion job, checked at submit and rewritten for the worker.

A request names an input file in an input field (`kiln.jobs.inputs.INPUT_FIELDS`) as `upload:<id>` (from
`POST /v1/uploads`), `artifact:<id>` (a file of one of the caller's jobs) or an http(s) URL. Uploads and artifacts
must be the caller's own and become `storage:<key>`; a URL is checked by the SSRF guard's DNS-free part (the worker
checks again when it downloads). Anything else, such as a path on the server's disk, is refused.
"""

from __future__ import annotations

import re
from typing import Any

from kiln.api.auth import Caller
from kiln.api.deps import Services
from kiln.errors import InvalidInput, KilnError
from kiln.events.targets import check_url
from kiln.jobs.inputs import STORAGE_SCHEME, map_inputs

__all__ = ["UPLOAD_SUFFIXES", "check_inputs", "local_input", "upload_folder", "upload_key"]

UPLOAD_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp4", ".webm", ".mov", ".wav", ".mp3", ".aac", ".m4a")
_ID = re.compile(r"[0-9a-z]{26}")


def upload_folder(owner: str | None) -> str:
    return f"uploads/{owner or 'anonymous'}"


def upload_key(owner: str | None, upload_id: str, suffix: str) -> str:
    return f"{upload_folder(owner)}/{upload_id}{suffix}"


def check_inputs(request: Any, services: Services, caller: Caller, path: str) -> Any:
    """`request` with its input references checked and rewritten (the same fields the worker resolves);
    `InvalidInput` names the field path under `path`."""
    return map_inputs(request, lambda value, field: _reference(value, services, caller, field), path)


def local_input(value: str, services: Services, caller: Caller, field: str) -> str:
    """An upload or artifact reference as the path of its file in local storage (image jobs plan their init images
    at submit, so they take files already on the server; URLs are for motion jobs, fetched by the worker)."""
    checked = _reference(value, services, caller, field)
    if not checked.startswith(STORAGE_SCHEME):
        raise InvalidInput(field, "an image job takes upload:<id> or artifact:<id> here; upload the image first")
    return str(services.storage.path(checked.removeprefix(STORAGE_SCHEME)))


def _reference(value: str, services: Services, caller: Caller, field: str) -> str:
    scheme, _, rest = value.partition(":")
    if scheme == "upload" and _ID.fullmatch(rest.lower()):
        folder = services.storage.path(upload_folder(caller.owner))
        found = sorted(folder.glob(f"{rest.lower()}.*")) if folder.is_dir() else []
        if not found:
            raise InvalidInput(field, f"no upload {rest!r} of this key; upload the file with POST /v1/uploads")
        return STORAGE_SCHEME + upload_key(caller.owner, rest.lower(), found[0].suffix)
    if scheme == "artifact":
        artifact = services.store.get_artifact(rest)
        if artifact is None or services.store.get_job(artifact.job_id, owner=caller.owner) is None:
            raise InvalidInput(field, f"no artifact {rest!r} of this key's jobs")
        return STORAGE_SCHEME + artifact.storage_key
    if scheme in ("http", "https"):
        try:
            check_url(value, allow_private=services.settings.input_allow_private)
        except KilnError as exc:
            raise InvalidInput(
                field, f"{value[:80]!r} is not a public address ({exc}); KILN_INPUT_ALLOW_PRIVATE=1 allows it"
            ) from exc
        return value
    raise InvalidInput(
        field, f"{value[:80]!r} is not an input reference: give upload:<id> (POST /v1/uploads), artifact:<id> or a URL"
    )
