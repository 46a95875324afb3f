"""The webhook outbox: deliveries persisted with the job's final state, sent and retried by a deliverer.

The store enqueues a delivery in the same transaction that moves a job with a `webhook_url` to a final state;
the deliverer polls `due_webhooks`, posts each one, and marks it delivered, due again later, or dead. Delivery is
at least once: two deliverers polling one store may both send a delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

__all__ = ["WebhookDelivery", "WebhookOutbox", "WebhookState"]

WebhookState = Literal["pending", "delivered", "dead"]


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One webhook to send: where, what, and how it has gone so far."""

    id: int
    job_id: str
    url: str
    payload: Mapping[str, Any]
    state: WebhookState
    attempts: int  # deliveries tried so far
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class WebhookOutbox(Protocol):
    def enqueue_webhook(self, job_id: str, url: str, payload: dict[str, Any]) -> int: ...  # due now
    def due_webhooks(self, limit: int = 100) -> list[WebhookDelivery]: ...  # pending and due, soonest first
    def list_webhooks(self, job_id: str) -> list[WebhookDelivery]: ...  # a job's deliveries, oldest first
    def mark_delivered(self, delivery_id: int) -> None: ...
    def mark_retry(self, delivery_id: int, error: str, next_attempt_at: datetime) -> None: ...
    def mark_dead(self, delivery_id: int, error: str) -> None: ...
