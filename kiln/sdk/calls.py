"""Every endpoint as a `Call`: how to build the request and how to read the answer. No I/O happens here; the
sync and async clients send the same calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from kiln.sdk.images import ImagesResponse
from kiln.sdk.info import ModelInfo, StyleInfo, TokenReport, Usage
from kiln.sdk.models import Artifact, ItemPage, JobStatus, Page

__all__ = [
    "SYNC_TIMEOUT",
    "Call",
    "ParamValue",
    "artifact",
    "cancel_job",
    "delete_job",
    "events",
    "fetch",
    "generate",
    "get_job",
    "job_zip",
    "list_artifacts",
    "list_items",
    "list_jobs",
    "list_models",
    "list_styles",
    "plain",
    "retry_job",
    "set_priority",
    "submit_job",
    "tokens",
    "usage",
]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
ParamValue = str | int | Sequence[str]

SYNC_TIMEOUT = 120.0  # seconds the server gives `POST /v1/images` unless the request says otherwise
_SYNC_MARGIN = 10.0  # on top of the server's wait, for the answer to arrive


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request and the parser of its successful answer.

    `idempotent` says whether the request may be sent again after a failure whose outcome is unknown.
    `timeout` (seconds) replaces the client's read timeout for this call.
    """

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool = True
    timeout: float | None = None


def _seg(value: str) -> str:
    """An id as one path segment."""
    return quote(str(value), safe="")


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _states(state: str | Sequence[str] | None) -> list[str] | None:
    return [state] if isinstance(state, str) else (list(state) if state is not None else None)


def _json(response: httpx.Response) -> Any:
    return response.json()


def _nothing(response: httpx.Response) -> None:
    return None


def _model(cls: type[M]) -> Callable[[httpx.Response], M]:
    def parse(response: httpx.Response) -> M:
        return cls.model_validate(response.json())

    return parse


def _listing(cls: type[M]) -> Callable[[httpx.Response], list[M]]:
    """A `{"data": [...]}` answer as a list of models."""

    def parse(response: httpx.Response) -> list[M]:
        return [cls.model_validate(entry) for entry in response.json().get("data", [])]

    return parse


def _job_page(response: httpx.Response) -> Page[JobStatus]:
    body = response.json()
    return Page([JobStatus.model_validate(entry) for entry in body.get("data", [])], body.get("next"))


# -- jobs ----------------------------------------------------------------------------------------------------


def submit_job(
    *,
    prompts: Sequence[str] | None,
    items: Sequence[Mapping[str, Any]] | None,
    defaults: Mapping[str, Any] | None,
    n: int,
    options: Mapping[str, Any],
) -> Call[JobStatus]:
    """`POST /v1/jobs`. Not idempotent: sent again only when the server cannot have seen it."""
    if isinstance(prompts, str):
        raise TypeError("prompts must be a list of strings, not one string; use [prompt]")
    body: dict[str, Any] = {"kind": "images", **_drop_none(options), "n": n}
    if prompts is not None:
        body["prompts"] = list(prompts)
    if items is not None:
        body["items"] = [_drop_none(item) for item in items]
    if defaults is not None:
        body["defaults"] = _drop_none(defaults)
    return Call("POST", "/v1/jobs", _model(JobStatus), json=body, idempotent=False)


def get_job(job_id: str, *, results: bool = False) -> Call[JobStatus]:
    params: dict[str, ParamValue] = {"include": "results"} if results else {}
    # the server may answer from a record a moment old; the SDK asks after events, so it asks for the current one
    headers = {"Cache-Control": "no-cache"}
    return Call("GET", f"/v1/jobs/{_seg(job_id)}", _model(JobStatus), params=params, headers=headers)


def list_jobs(
    *, state: str | Sequence[str] | None = None, limit: int | None = None, before: str | None = None
) -> Call[Page[JobStatus]]:
    params = _drop_none({"state": _states(state), "limit": limit, "before": before})
    return Call("GET", "/v1/jobs", _job_page, params=params)


def cancel_job(job_id: str) -> Call[JobStatus]:
    return Call("POST", f"/v1/jobs/{_seg(job_id)}/cancel", _model(JobStatus))


def retry_job(job_id: str) -> Call[JobStatus]:
    return Call("POST", f"/v1/jobs/{_seg(job_id)}/retry", _model(JobStatus))


def set_priority(job_id: str, priority: int) -> Call[JobStatus]:
    return Call("PATCH", f"/v1/jobs/{_seg(job_id)}", _model(JobStatus), json={"priority": priority})


def delete_job(job_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/jobs/{_seg(job_id)}", _nothing)


def list_items(
    job_id: str, *, state: str | Sequence[str] | None = None, offset: int | None = None, limit: int | None = None
) -> Call[ItemPage]:
    params = _drop_none({"state": _states(state), "offset": offset, "limit": limit})
    return Call("GET", f"/v1/jobs/{_seg(job_id)}/items", _model(ItemPage), params=params)


def list_artifacts(job_id: str) -> Call[list[Artifact]]:
    return Call("GET", f"/v1/jobs/{_seg(job_id)}/artifacts", _listing(Artifact))


# -- streamed ------------------------------------------------------------------------------------------------


def events(job_id: str, headers: Mapping[str, str], *, timeout: float | None = None) -> Call[None]:
    """`GET /v1/jobs/{id}/events`, to be streamed; resumes after the `Last-Event-ID` in `headers`."""
    return Call("GET", f"/v1/jobs/{_seg(job_id)}/events", _nothing, headers=headers, timeout=timeout)


def artifact(artifact_id: str) -> Call[None]:
    """`GET /v1/artifacts/{id}`: the file."""
    return Call("GET", f"/v1/artifacts/{_seg(artifact_id)}", _nothing, headers={"Accept": "*/*"})


def job_zip(job_id: str) -> Call[None]:
    """`GET /v1/jobs/{id}/zip`: all of a job's files, zipped as they stream."""
    return Call("GET", f"/v1/jobs/{_seg(job_id)}/zip", _nothing, headers={"Accept": "application/zip"})


def fetch(url: str) -> Call[None]:
    """A GET of a URL the server handed out (absolute, or relative to the base URL)."""
    return Call("GET", url, _nothing, headers={"Accept": "*/*"})


# -- images, synchronously -----------------------------------------------------------------------------------


def generate(prompt: str, spec: Mapping[str, Any]) -> Call[ImagesResponse]:
    """`POST /v1/images`: the server answers when the images exist, so the read timeout covers its wait."""
    body = {"prompt": prompt, **_drop_none(spec)}
    wait = float(body.get("timeout", SYNC_TIMEOUT))
    return Call("POST", "/v1/images", _model(ImagesResponse), json=body, idempotent=False, timeout=wait + _SYNC_MARGIN)


# -- about the server ----------------------------------------------------------------------------------------


def tokens(prompt: str, model: str | None = None) -> Call[TokenReport]:
    """`POST /v1/tokens`: it only reads, so it is safe to retry."""
    return Call("POST", "/v1/tokens", _model(TokenReport), json=_drop_none({"prompt": prompt, "model": model}))


def list_models() -> Call[list[ModelInfo]]:
    return Call("GET", "/v1/models", _listing(ModelInfo))


def list_styles() -> Call[list[StyleInfo]]:
    return Call("GET", "/v1/styles", _listing(StyleInfo))


def usage() -> Call[Usage]:
    return Call("GET", "/v1/usage", _model(Usage))


def plain(path: str) -> Call[Any]:
    """A GET whose JSON answer is handed back as is (`/v1/presets`, `/healthz`, `/readyz`)."""
    return Call("GET", path, _json)
