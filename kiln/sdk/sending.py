"""What both clients do around sending one call: build the request, and decide after each attempt whether to
answer, raise or try again (`Attempts`). The clients add only the I/O: send, sleep, read."""

from __future__ import annotations

from typing import Any

import httpx

from kiln.sdk.calls import Call
from kiln.sdk.errors import KilnConnectionError, error_from_response
from kiln.sdk.retry import RetryPolicy

__all__ = ["Attempts", "build_request", "check", "connection_error"]


def build_request(http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
    """The httpx request of a call; `call.timeout` replaces the read timeout."""
    timeout = http.timeout
    if call.timeout is not None:
        timeout = httpx.Timeout(connect=timeout.connect, read=call.timeout, write=timeout.write, pool=timeout.pool)
    return http.build_request(
        call.method,
        call.path,
        params=dict(call.params) or None,
        json=call.json,
        headers=dict(call.headers),
        timeout=timeout,
    )


def connection_error(exc: httpx.TransportError, request: httpx.Request) -> KilnConnectionError:
    error = KilnConnectionError(f"{request.method} {request.url}: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


class Attempts:
    """The attempts of one call under a retry policy."""

    def __init__(self, policy: RetryPolicy, call: Call[Any]) -> None:
        self._policy = policy
        self._idempotent = call.idempotent
        self.attempt = 0

    def failed(self, exc: httpx.TransportError, request: httpx.Request) -> float:
        """The attempt raised: seconds to wait before the next one, or the error to raise."""
        if not self._policy.retry_error(exc, idempotent=self._idempotent, attempt=self.attempt):
            raise connection_error(exc, request)
        self.attempt += 1
        return self._policy.delay(self.attempt - 1)

    def answered(self, response: httpx.Response) -> float | None:
        """The attempt got a response: None to hand it out (or raise, see `check`), else seconds to wait."""
        if not self._policy.retry_status(response.status_code, idempotent=self._idempotent, attempt=self.attempt):
            return None
        self.attempt += 1
        return self._policy.delay(self.attempt - 1, response.headers.get("retry-after"))


def check(response: httpx.Response) -> httpx.Response:
    """The response if it succeeded; else raises its typed error (its body must have been read)."""
    if response.status_code >= 400:
        raise error_from_response(response)
    return response
