"""Failure reasons that name an item's input files as its caller sent them, never as the worker holds them.

The API rewrote each `upload:<id>` and `artifact:<id>` to `storage:<key>` at submit; the worker then reads the
files from storage (an image item's `init_image` into memory, `kiln.worker.init_images`) or copies them into the
task's folder (`inputs/<hash>.<ext>`, a URL's download too). A reason from a decoder names those files;
`shown_inputs` puts back the reference as sent: an upload's id is the stem of its key (`uploads/<owner>/<id>.<ext>`),
an artifact is found among its job's artifacts (its key starts `<owner>/<job id>/`), a URL stays the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Protocol

from kiln.jobs.inputs import STORAGE_SCHEME
from kiln.jobs.records import ArtifactRecord
from kiln.jobs.storage_keys import upload_id_of

__all__ = ["ArtifactLookup", "reference_of", "shown_inputs"]


class ArtifactLookup(Protocol):
    def list_artifacts(self, job_id: str) -> list[ArtifactRecord]: ...


def reference_of(source: str, store: ArtifactLookup) -> str:
    """The reference a caller sent for `source` (a `storage:<key>`, a bare storage key or a URL)."""
    key = source.removeprefix(STORAGE_SCHEME)
    if key.startswith(("http://", "https://")):
        return key
    upload_id = upload_id_of(key)
    if upload_id is not None:
        return f"upload:{upload_id}"
    parts = PurePosixPath(key).parts
    if len(parts) >= 3:
        try:
            artifacts = store.list_artifacts(parts[1])
        except Exception:  # the store is down: the file's name still says which input it was
            artifacts = []
        for artifact in artifacts:
            if artifact.storage_key == key:
                return f"artifact:{artifact.id}"
    return PurePosixPath(key).name


def shown_inputs(reason: str, local: Mapping[str, str], store: ArtifactLookup) -> str:
    """`reason` with each local input file of `local` (its path → the source it was read from) named by the
    reference its caller sent: by its full path, its path within the task folder, or its bare file name."""
    for path, source in sorted(local.items(), key=lambda pair: -len(pair[0])):
        if not any(name in reason for name in (path, source, Path(path).name)):
            continue
        shown = reference_of(source, store)
        name = Path(path).name
        key = source.removeprefix(STORAGE_SCHEME)
        for written in (path, f"{STORAGE_SCHEME}{key}", key, f"inputs/{name}", name):
            reason = reason.replace(written, shown)
    return reason
