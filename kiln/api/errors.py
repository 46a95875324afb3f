"""Errors as JSON: every failure answers `{"error": {"type", "message", "field"}}` with a fitting status.

`describe` turns an exception into an `ErrorInfo`; `install_error_handlers` renders it in kiln's shape, and the
OpenAI-compatible route renders the same info in OpenAI's shape. Bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiln.errors import InvalidInput, KilnError, ModelLoadError, NotFound, OverQuota, QuotaExceeded, Unauthorized

__all__ = ["ApiError", "ErrorInfo", "describe", "error_response", "field_of", "install_error_handlers"]

_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
# Tags of discriminated unions (request kinds) that pydantic puts into error locations; not field names.
UNION_TAGS: frozenset[str] = frozenset(
    {"images", "video", "animation", "assembly", "storyboard", "upscale", "lipsync", "avatar"}
)
_HTTP_TYPES = {413: "request_too_large"}
MAX_DETAILS = 20  # of a validation error's problems, listed in `details`  # as `RequestSizeLimit` names it


@dataclasses.dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What went wrong, independent of how it is rendered."""

    status: int
    type: str
    message: str
    field: str | None = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class ApiError(Exception):
    """An error with an HTTP status of its own, e.g. a synchronous request that ran out of time (504)."""

    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.info = ErrorInfo(status, type, message, field, dict(headers or {}), dict(extra or {}))


def field_of(loc: Sequence[int | str]) -> str | None:
    """A dotted field name from a pydantic error location: ("body", "items", 3, "width") -> "items.3.width"."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in UNION_TAGS:
            parts = parts[1:]
    return ".".join(str(p) for p in parts) or None


def _validation_info(exc: RequestValidationError) -> ErrorInfo:
    errors = list(exc.errors())
    details = []
    for error in errors:
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        where = field_of(error.get("loc", ()))
        if error.get("type") == "union_tag_invalid":  # an unknown `kind`
            where = ".".join(p for p in (where, "kind") if p)
        elif error.get("type") == "json_invalid":  # the location is a character offset
            where = "body"
        details.append({"field": where, "message": message})
    if not details:
        return ErrorInfo(422, "invalid_input", "the request is not valid")
    first = details[0]
    message = str(first["message"])
    if len(details) > 1:
        message += f" (and {len(details) - 1} more problem(s), see details)"
    extra = {"details": details[:MAX_DETAILS]}
    return ErrorInfo(422, "invalid_input", message, first["field"], extra=extra)


def describe(exc: BaseException) -> ErrorInfo | None:
    """The `ErrorInfo` for an exception kiln knows how to explain, or None (a real server error)."""
    if isinstance(exc, ApiError):
        return exc.info
    if isinstance(exc, RequestValidationError):
        return _validation_info(exc)
    if isinstance(exc, OverQuota):  # it can never fit: bad input, not a 429 inviting retries
        return ErrorInfo(422, "over_quota", exc.message, exc.field, extra={"quota": exc.quota, "needed": exc.needed})
    if isinstance(exc, InvalidInput):
        message = f"{exc.where}: {exc.message}" if exc.where else exc.message
        return ErrorInfo(422, "invalid_input", message, exc.field)
    if isinstance(exc, NotFound):
        return ErrorInfo(404, "not_found", str(exc))
    if isinstance(exc, Unauthorized):
        return ErrorInfo(401, "unauthorized", str(exc), headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, QuotaExceeded):
        wait = {} if exc.retry_after is None else {"Retry-After": str(exc.retry_after)}
        return ErrorInfo(429, "quota_exceeded", str(exc), headers=wait)
    if isinstance(exc, ModelLoadError):
        return ErrorInfo(422, "model_unavailable", str(exc), "model")
    if isinstance(exc, KilnError):
        return ErrorInfo(400, "bad_request", str(exc))
    if isinstance(exc, StarletteHTTPException):
        try:
            phrase = HTTPStatus(exc.status_code).phrase
        except ValueError:
            phrase = "error"
        kind = _HTTP_TYPES.get(exc.status_code) or phrase.lower().replace(" ", "_").replace("-", "_")
        message = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else phrase
        return ErrorInfo(exc.status_code, kind, message, headers=dict(exc.headers or {}))
    return None


def error_response(info: ErrorInfo) -> JSONResponse:
    """kiln's error body: `{"error": {"type", "message", "field", ...extra}}`."""
    body = {"type": info.type, "message": info.message, "field": info.field, **info.extra}
    return JSONResponse({"error": body}, status_code=info.status, headers=dict(info.headers))


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    info = describe(exc)
    if info is None:  # pragma: no cover - handlers are only registered for described types
        raise exc
    return error_response(info)


def install_error_handlers(app: FastAPI) -> None:
    """Render kiln's errors, validation errors and HTTP errors (unknown routes too) as kiln's JSON body."""
    for exc_class in (ApiError, RequestValidationError, KilnError, StarletteHTTPException):
        app.add_exception_handler(exc_class, _handle)
