"""Webhook delivery: post due outbox entries, signed, and record delivered, retry later, or dead.

A delivery is one POST of `{"type": "job.<state>", "timestamp", "data": <job summary>}` with the Standard Webhooks
headers; its `webhook-id` and body stay the same on every retry (the receiver's idempotency key), its timestamp
and signature are those of the attempt. 2xx is delivered; anything else (3xx too: redirects are not followed), a
timeout or a refused connection is retried after 10 s, 30 s, 2 min, 10 min and 1 h, then the delivery is dead.
`410 Gone` and a target the SSRF guard refuses are dead at once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kiln import __version__
from kiln.config import Settings
from kiln.events.targets import Resolver, Target, TargetNotFound, UnsafeTarget, resolve_host, resolve_target
from kiln.events.webhooks import load_secret, signed_headers
from kiln.jobs.ids import Clock, utc_now
from kiln.jobs.outbox import WebhookDelivery, WebhookOutbox

__all__ = ["RETRY_DELAYS", "WebhookDispatcher", "delivery_body", "delivery_id"]

log = logging.getLogger(__name__)

RETRY_DELAYS: tuple[float, ...] = (10, 30, 120, 600, 3600)  # after attempt 1, 2, ...; then dead
TIMEOUT_SECONDS = 20.0  # the spec suggests 15 to 30 s
_MAX_RETRY_AFTER = 3600.0
_ERROR_BODY_CHARS = 200


def delivery_id(delivery: WebhookDelivery) -> str:
    """The `webhook-id`: unique across kiln instances (the job id is a ULID), the same on every retry."""
    return f"msg_{delivery.job_id}_{delivery.id}"


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body, compact and deterministic, so every retry sends (and signs) the same bytes."""
    envelope: dict[str, Any] = {
        "type": f"job.{delivery.payload.get('state', 'updated')}",
        "timestamp": delivery.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": dict(delivery.payload),
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True, default=str).encode()


class WebhookDispatcher:
    """Sends due webhooks from an outbox; `deliver_due` is one testable step, `start` runs it on a thread."""

    def __init__(
        self,
        outbox: WebhookOutbox,
        settings: Settings,
        client: httpx.Client,
        *,
        secret: str | None = None,
        resolver: Resolver = resolve_host,
        delays: Sequence[float] = RETRY_DELAYS,
        now: Clock = utc_now,
    ) -> None:
        self.outbox = outbox
        self.settings = settings
        self.client = client
        self.secret = secret or load_secret(settings)
        self._resolver = resolver
        self._delays = tuple(delays)
        self._now = now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_due(self, limit: int = 100) -> int:
        """Attempt every due delivery once; returns how many were delivered."""
        delivered = 0
        for delivery in self.outbox.due_webhooks(limit):
            try:
                delivered += self._attempt(delivery)
            except Exception:  # a store error on one delivery must not stop the others
                log.exception("webhook %d: could not record the attempt", delivery.id)
        return delivered

    def _attempt(self, delivery: WebhookDelivery) -> bool:
        try:
            target = resolve_target(
                delivery.url, allow_private=self.settings.webhook_allow_private, resolver=self._resolver
            )
        except UnsafeTarget as exc:
            self._dead(delivery, f"refused: {exc.message}")
            return False
        except TargetNotFound as exc:
            self._retry(delivery, str(exc))
            return False
        body = delivery_body(delivery)
        headers = {
            "content-type": "application/json",
            "user-agent": f"kiln/{__version__}",
            **signed_headers(self.secret, delivery_id(delivery), body),
        }
        try:
            response = self._post(target, headers, body)
        except httpx.HTTPError as exc:
            self._retry(delivery, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            return False
        if response.is_success:
            self.outbox.mark_delivered(delivery.id)
            log.info("webhook %d delivered to %s (%d)", delivery.id, delivery.url, response.status_code)
            return True
        error = f"HTTP {response.status_code}: {response.text[:_ERROR_BODY_CHARS]}".rstrip(": ")
        if response.status_code == 410:
            self._dead(delivery, f"{error} (the receiver asked for no more deliveries)")
        else:
            self._retry(delivery, error, _retry_after(response))
        return False

    def _post(self, target: Target, headers: dict[str, str], body: bytes) -> httpx.Response:
        """POST to the address the guard checked (not a fresh lookup), with the URL's host as Host and SNI."""
        url = httpx.URL(target.url)
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = self.client.build_request(
            "POST",
            url.copy_with(host=target.pinned),
            content=body,
            headers={**headers, "host": url.netloc.decode("ascii")},
            timeout=TIMEOUT_SECONDS,
            extensions=extensions,
        )
        return self.client.send(request, follow_redirects=False)

    def _retry(self, delivery: WebhookDelivery, error: str, retry_after: float | None = None) -> None:
        attempt = delivery.attempts + 1  # this one
        if attempt > len(self._delays):
            self._dead(delivery, f"{error} (gave up after {attempt} attempts)")
            return
        delay = max(self._delays[attempt - 1], retry_after or 0.0)
        self.outbox.mark_retry(delivery.id, error, self._now() + timedelta(seconds=delay))
        log.warning("webhook %d to %s failed (%s); next try in %g s", delivery.id, delivery.url, error, delay)

    def _dead(self, delivery: WebhookDelivery, error: str) -> None:
        self.outbox.mark_dead(delivery.id, error)
        log.warning("webhook %d to %s is dead: %s", delivery.id, delivery.url, error)

    # the thread

    def start(self, interval: float = 1.0) -> None:
        """Deliver in a background thread every `interval` seconds until `stop`."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = TIMEOUT_SECONDS + 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                busy = self.deliver_due() > 0
            except Exception:
                log.exception("webhook delivery failed")
                busy = False
            if not busy:
                self._stop.wait(interval)


def _retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (delta or HTTP date), capped at an hour; None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)
