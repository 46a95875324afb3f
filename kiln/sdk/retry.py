"""When and how long to wait before trying a request again: exponential backoff with a little jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from kiln.sdk.errors import parse_retry_after

__all__ = ["RETRY_STATUSES", "RetryPolicy"]

RETRY_STATUSES = frozenset({502, 503, 504})

# failures in which the request never reached the server: safe to retry even a request that creates something
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`retries` further attempts after the first; the n-th waits `backoff * 2**n` seconds (at most
    `max_backoff`), stretched by up to `jitter` of itself so that many clients do not retry in step.

    Idempotent requests are retried on any transport error and on 502/503/504. Requests that create something
    (a job, a synchronous generation) are retried only when the connection could not be made, i.e. when the
    server saw no request at all.
    """

    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.1
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0-based); a server's `Retry-After` wins."""
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        base = min(self.backoff * 2.0**attempt, self.max_backoff)
        return base * (1.0 + self.jitter * random.random())

    def retry_error(self, exc: Exception, *, idempotent: bool, attempt: int) -> bool:
        """Whether a request that raised `exc` on attempt `attempt` (0-based) should be tried again."""
        if attempt >= self.retries or not isinstance(exc, httpx.TransportError):
            return False
        return idempotent or isinstance(exc, _NOT_SENT)

    def retry_status(self, status: int, *, idempotent: bool, attempt: int) -> bool:
        """Whether a response with `status` on attempt `attempt` (0-based) should be tried again."""
        return idempotent and attempt < self.retries and status in RETRY_STATUSES
