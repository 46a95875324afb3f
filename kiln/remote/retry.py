"""Retries of remote calls: 429 and 5xx (and lost connections) again after a growing delay that honours
`Retry-After`; every other error at once to the caller.

`error_from_response` turns an HTTP answer into a `RemoteError` (the remote's own message, `retryable` for 408,
425, 429 and 5xx unless the answer says `x-should-retry: false` (OpenAI's header, which kiln sends with a failed
or out-of-quota generation), `retry_after` from the header in seconds or as an HTTP date); `with_retries` runs a
call until it succeeds, raises an error that is not retryable, or runs out of retries.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from kiln.remote.protocol import RemoteError

__all__ = ["RETRYABLE_STATUS", "backoff_delay", "error_from_response", "parse_retry_after", "with_retries"]

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
FIRST_DELAY = 0.5
MAX_DELAY = 60.0
MAX_RETRY_AFTER = 600.0  # a remote asking for longer is waited on this long at most per try


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return min(max(float(text), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _message(response: httpx.Response) -> str:
    """The remote's own words: OpenAI's `error.message`, Replicate's `detail`, else the body's start."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:500].strip() or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        for key in ("detail", "message", "error", "title"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return str(body)[:500]


def error_from_response(response: httpx.Response, backend: str) -> RemoteError:
    """The `RemoteError` an unsuccessful answer means."""
    status = response.status_code
    retryable = status in RETRYABLE_STATUS and response.headers.get("x-should-retry", "").lower() != "false"
    what = "rate limited" if status == 429 else f"answered {status}"
    message = f"{backend} {what}: {_message(response)}"
    if status in (401, 403):
        message += " (check the backend's API key)"
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    return RemoteError(message, retryable=retryable, retry_after=retry_after, status_code=status)


def backoff_delay(attempt: int, retry_after: float | None, *, rng: random.Random | None = None) -> float:
    """The wait before retry `attempt` (0 first): exponential with jitter, never shorter than `retry_after`."""
    exponential = min(FIRST_DELAY * 2.0**attempt, MAX_DELAY)
    draw = rng.random() if rng is not None else random.random()
    jittered = exponential * (0.5 + draw / 2)
    return max(jittered, retry_after or 0.0)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    retries: int,
    what: str,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """`call()`'s result, retrying a retryable `RemoteError` (or a lost connection) up to `retries` times."""
    attempt = 0
    while True:
        try:
            return await call()
        except (RemoteError, httpx.TransportError) as exc:
            error = exc if isinstance(exc, RemoteError) else RemoteError(f"{what}: {exc!r}", retryable=True)
            if not error.retryable or attempt >= retries:
                if attempt and error.retryable:
                    raise RemoteError(
                        f"{error.message} (gave up after {attempt} retries)",
                        retryable=False,
                        status_code=error.status_code,
                    ) from exc
                if error is exc:
                    raise
                raise error from exc
            delay = backoff_delay(attempt, error.retry_after)
            log.info("%s: %s; retrying in %.1f s", what, error.message, delay)
            await sleep(delay)
            attempt += 1
