"""The SDK's exceptions: one tree, with an `KilnAPIError` subclass per error status a caller may handle."""

from __future__ import annotations

import json
from typing import Any

import httpx

__all__ = [
    "AuthenticationError",
    "KilnAPIError",
    "KilnConnectionError",
    "KilnSDKError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "ServerError",
    "StreamUnavailable",
    "ValidationError",
    "WaitTimeout",
    "error_from_response",
]


class KilnSDKError(Exception):
    """Base of every error the SDK raises."""


class KilnConnectionError(KilnSDKError):
    """The server could not be reached, or the connection failed, after the allowed retries."""


class StreamUnavailable(KilnSDKError):
    """The server did not answer an event stream (a proxy in between, or an older server)."""


class WaitTimeout(KilnSDKError, TimeoutError):
    """`Job.wait(timeout=...)` ran out of time before the job reached a final state."""


class KilnAPIError(KilnSDKError):
    """The server answered with an error: its HTTP status and the `{"error": {type, message, field}}` body."""

    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        field: str | None = None,
        *,
        body: Any = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        self.status = status
        self.type = type
        self.message = message
        self.field = field
        self.body = body
        self.headers = headers if headers is not None else httpx.Headers()
        where = f" ({field})" if field else ""
        super().__init__(f"{status} {type}{where}: {message}")

    @property
    def job_id(self) -> str | None:
        """The job an error is about, where the server names it (a `generate` that timed out: the job goes on)."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        job_id = error.get("job_id") if isinstance(error, dict) else None
        return job_id if isinstance(job_id, str) else None


class AuthenticationError(KilnAPIError):
    """401: no API key, or one the server does not know."""


class PermissionDeniedError(KilnAPIError):
    """403: the key is valid but may not do this."""


class NotFoundError(KilnAPIError):
    """404: no such job or artifact (or it belongs to another key)."""


class PayloadTooLargeError(KilnAPIError):
    """413: the request body or the number of items is over the server's limit."""


class ValidationError(KilnAPIError):
    """422: a field of the request is invalid; `field` names it."""


class QuotaExceededError(KilnAPIError):
    """429: over a quota or rate limit; `retry_after` holds the server's hint in seconds, when it gave one."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


class ServerError(KilnAPIError):
    """5xx: the server failed (after the SDK's retries, where the request was safe to retry)."""


_BY_STATUS: dict[int, type[KilnAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: QuotaExceededError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header given in seconds (an HTTP date is ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)


def _describe(body: Any, status: int, text: str) -> tuple[str, str, str | None]:
    """(type, message, field) from an error body: kiln's envelope, FastAPI's `detail`, or plain text."""
    default_type = httpx.codes.get_reason_phrase(status).lower().replace(" ", "_") or "error"
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            field = error.get("field")
            return (
                str(error.get("type") or default_type),
                str(error.get("message") or text),
                str(field) if field is not None else None,
            )
        if "detail" in body:
            detail = body["detail"]
            return default_type, detail if isinstance(detail, str) else json.dumps(detail), None
    return default_type, text.strip() or httpx.codes.get_reason_phrase(status), None


def error_from_response(response: httpx.Response) -> KilnAPIError:
    """The typed exception for an error response (the body must have been read)."""
    status = response.status_code
    try:
        body: Any = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    kind, message, field = _describe(body, status, response.text if body is None else "")
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else KilnAPIError)
    return cls(status, kind, message, field, body=body, headers=response.headers)
