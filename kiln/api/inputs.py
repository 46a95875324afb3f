"""Input references of a job (a motion job's inputs, an image job's `init_image`), checked at submit and rewritten
for the worker.

A request names an input file in an input field (`kiln.jobs.inputs.INPUT_FIELDS`) as `upload:<id>` (from
`POST /v1/uploads`), `artifact:<id>` (a file of one of the caller's jobs) or an http(s) URL. Uploads and artifacts
must be the caller's own and become `storage:<key>` (an image among them is refused by its header if over
`KILN_MAX_INPUT_PIXELS`); a URL is checked by the SSRF guard's DNS-free part, refusals naming the input field and
`KILN_INPUT_ALLOW_PRIVATE` (the worker checks again when it downloads). Anything else, such as a path on the
server's disk, is refused. Errors name the reference as the caller sent it, never a path on the server.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from kiln.api.auth import Caller
from kiln.api.deps import Services
from kiln.errors import InvalidInput
from kiln.events.targets import check_url
from kiln.jobs.ids import is_id
from kiln.jobs.inputs import STORAGE_SCHEME, map_inputs
from kiln.jobs.storage_keys import upload_folder, upload_key
from kiln.media.fetch import INPUT_SETTING
from kiln.media.pixels import check_pixels
from kiln.storage.local import LocalStorage

__all__ = ["UPLOAD_SUFFIXES", "check_inputs", "stored_file", "stored_image", "upload_folder", "upload_key"]

UPLOAD_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp4", ".webm", ".mov", ".wav", ".mp3", ".aac", ".m4a")


def check_inputs(request: Any, services: Services, caller: Caller, path: str) -> Any:
    """`request` with its input references checked and rewritten (the same fields the worker resolves);
    `InvalidInput` names the field path under `path`."""
    return map_inputs(request, lambda value, field: _reference(value, services, caller, field), path)


def stored_image(value: str, services: Services, caller: Caller, field: str) -> str:
    """An upload or artifact reference as `storage:<key>`, the form an image job's item keeps: the worker reads the
    file from storage (a folder or a bucket), so no item holds a path of the API's disk. The file must be an image
    within the pixel limit, judged by its header; URLs are for motion jobs. Errors name `value` as the caller gave
    it, never the storage key."""
    checked = _reference(value, services, caller, field)
    if not checked.startswith(STORAGE_SCHEME):
        raise InvalidInput(field, "an image job takes upload:<id> or artifact:<id> here; upload the image first")
    if not _is_image(services, checked.removeprefix(STORAGE_SCHEME), field, value):
        raise InvalidInput(field, f"{value} is not an image kiln can read; upload a PNG, JPEG or WebP")
    return checked


def stored_file(value: str, services: Services, caller: Caller, field: str) -> str:
    """The storage key of the caller's `upload:<id>` or `artifact:<id>` (a file the API itself reads, so no URL);
    `InvalidInput(field)` otherwise, one of another key reading as missing."""
    scheme, _, rest = value.partition(":")
    if scheme not in ("upload", "artifact"):
        raise InvalidInput(field, f"{value[:80]!r} is not upload:<id> (POST /v1/uploads) or artifact:<id>")
    return _stored(scheme, rest, services, caller, field)


def _is_image(services: Services, key: str, field: str, name: str) -> bool:
    limit, storage = services.settings.max_input_pixels, services.storage
    if isinstance(storage, LocalStorage):
        return check_pixels(storage.path(key), max_pixels=limit, field=field, name=name)
    try:
        with storage.local_copy(key) as path:  # Pillow reads the header of a local file
            return check_pixels(path, max_pixels=limit, field=field, name=name)
    except FileNotFoundError:
        return False


def _check_stored_pixels(services: Services, key: str, field: str, name: str) -> None:
    """An image among the stored inputs is refused by its header if too large (a bomb); audio and video pass."""
    limit, storage = services.settings.max_input_pixels, services.storage
    if isinstance(storage, LocalStorage):
        check_pixels(storage.path(key), max_pixels=limit, field=field, name=name)
        return
    try:
        with storage.local_copy(key) as path:  # Pillow reads the header of a local file
            check_pixels(path, max_pixels=limit, field=field, name=name)
    except FileNotFoundError:
        return  # gone meanwhile: the worker says so when it fetches it, as with a folder


def _reference(value: str, services: Services, caller: Caller, field: str) -> str:
    scheme, _, rest = value.partition(":")
    if scheme in ("upload", "artifact"):
        key = _stored(scheme, rest, services, caller, field)
        _check_stored_pixels(services, key, field, value)
        return STORAGE_SCHEME + key
    if scheme in ("http", "https"):
        check_url(value, allow_private=services.settings.input_allow_private, field=field, setting=INPUT_SETTING)
        return value
    raise InvalidInput(
        field, f"{value[:80]!r} is not an input reference: give upload:<id> (POST /v1/uploads), artifact:<id> or a URL"
    )


def _stored(scheme: str, ident: str, services: Services, caller: Caller, field: str) -> str:
    """The storage key of the caller's upload or artifact `ident`; one of another key reads as missing."""
    if scheme == "upload":
        if is_id(ident):
            names = services.storage.list_names(upload_folder(caller.owner))
            # ids are case-insensitive; files are named in upper case, those of older versions in lower case
            for name in (ident.upper(), ident.lower()) if names else ():
                if found := [n for n in names if n.startswith(f"{name}.")]:
                    return upload_key(caller.owner, name, PurePosixPath(found[0]).suffix)
        raise InvalidInput(field, f"no upload {ident[:40]!r} of this key; upload the file with POST /v1/uploads")
    artifact = services.store.get_artifact(ident)
    if artifact is None or services.store.get_job(artifact.job_id, owner=caller.owner) is None:
        raise InvalidInput(field, f"no artifact {ident[:40]!r} of this key's jobs")
    return artifact.storage_key
