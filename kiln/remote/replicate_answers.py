"""Reading Replicate's (and Cog's) answers: a prediction's JSON as a `RemotePrediction`, an error answer as a
`RemoteError` whose message says what to change.

Replicate's errors are problem documents (`{"title", "detail", "status", "invalid_fields"}`); Cog's own validation
errors are FastAPI's (`{"detail": [{"loc", "msg"}]}`). Both are read here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kiln.remote.protocol import RemoteError, RemotePrediction, RemoteStatus

__all__ = ["error_from", "prediction_from", "progress_from_logs", "retry_after_seconds"]

_PERCENT = re.compile(r"(\d{1,3})%\|")  # tqdm's "NN%|####   | 3/4"
_STATUS = {
    "starting": RemoteStatus.STARTING,
    "processing": RemoteStatus.PROCESSING,
    "succeeded": RemoteStatus.SUCCEEDED,
    "failed": RemoteStatus.FAILED,
    "canceled": RemoteStatus.CANCELED,
    "aborted": RemoteStatus.FAILED,  # ended before it started (a deadline): kiln did not cancel it
}


def progress_from_logs(logs: str) -> float | None:
    """The last tqdm percentage in the logs as 0..1, None when there is none."""
    found = _PERCENT.findall(logs)
    return min(int(found[-1]), 100) / 100 if found else None


def prediction_from(
    data: Mapping[str, Any], *, price_per_image: float | None = None, price_per_second: float | None = None
) -> RemotePrediction:
    """A prediction's JSON (Replicate's or Cog's) as a `RemotePrediction`. Cost: outputs times the price per image
    when the model has one, else the billed `metrics.predict_time` times the price per second when that is known."""
    raw_status = str(data.get("status", "starting"))
    status = _STATUS.get(raw_status, RemoteStatus.PROCESSING)
    output = data.get("output")
    outputs = [output] if isinstance(output, str) else [o for o in output or [] if isinstance(o, str)]
    logs = str(data.get("logs") or "")
    metrics = dict(data.get("metrics") or {})
    progress = 1.0 if status is RemoteStatus.SUCCEEDED else progress_from_logs(logs)
    error = data.get("error")
    if status is RemoteStatus.FAILED and not error:
        error = "the prediction was aborted before it started" if raw_status == "aborted" else "the prediction failed"
    return RemotePrediction(
        remote_id=str(data.get("id", "")),
        status=status,
        outputs=outputs if status is RemoteStatus.SUCCEEDED else [],
        progress=progress,
        logs=logs,
        error=str(error) if error else None,
        cost_usd=_cost(status, len(outputs), metrics, price_per_image, price_per_second),
        metrics=metrics,
    )


def _cost(
    status: RemoteStatus,
    images: int,
    metrics: Mapping[str, Any],
    price_per_image: float | None,
    price_per_second: float | None,
) -> float | None:
    if status is RemoteStatus.SUCCEEDED and price_per_image is not None:
        return round(price_per_image * images, 6)
    seconds = metrics.get("predict_time")
    if status.terminal and price_per_second is not None and isinstance(seconds, int | float):
        return round(price_per_second * float(seconds), 6)
    return None


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A `Retry-After` header (seconds, or an HTTP date) in seconds; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _detail(response: httpx.Response) -> tuple[str, list[str]]:
    """Replicate's `detail` (or Cog's FastAPI errors) and the input fields it names."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase, []
    if not isinstance(body, dict):
        return str(body)[:300], []
    detail = body.get("detail") or body.get("error") or body.get("title") or response.reason_phrase
    fields = [str(f.get("field")) for f in body.get("invalid_fields") or [] if isinstance(f, dict) and f.get("field")]
    if isinstance(detail, list):  # FastAPI's validation errors (Cog)
        fields += [".".join(str(p) for p in d.get("loc", [])[1:]) for d in detail if isinstance(d, dict)]
        detail = "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    return str(detail), fields


def error_from(response: httpx.Response, *, model: str | None = None) -> RemoteError:
    """The `RemoteError` for an error answer: 429 and 5xx retryable (with Retry-After), the others not, with
    Replicate's own words and what to change."""
    code = response.status_code
    detail, fields = _detail(response)
    where = f"Replicate ({code})"
    if code == 429 or code >= 500:
        return RemoteError(
            f"{where}: {detail}; retried",
            retryable=True,
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
            status_code=code,
        )
    if code == 409:  # Cog: every prediction slot busy
        return RemoteError(f"{where}: {detail}; retried", retryable=True, status_code=code)
    if code in (401, 403):
        change = "set REPLICATE_API_TOKEN to a valid token (replicate.com/account/api-tokens)"
    elif code == 402:
        change = "add credit or a payment method to the Replicate account"
    elif code == 404:
        change = f"check the model name {model!r}: replicate:owner/model or replicate:owner/model:version"
    elif code == 422:
        named = ", ".join(sorted(set(fields)))
        change = f"change the input field{'s' if len(fields) > 1 else ''} {named}" if named else "change the input"
        if model:
            change += f" for {model} (its inputs are listed on its Replicate page)"
    else:
        change = "check the request"
    return RemoteError(f"{where}: {detail}; {change}", retryable=False, status_code=code)
