"""`SqlOutbox`: webhook deliveries in the `webhook_deliveries` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from kiln.jobs.outbox import WebhookDelivery
from kiln.jobs.sql.base import SqlBase, by_id
from kiln.jobs.sql.common import insert_webhook, webhook_record
from kiln.jobs.sql.tables import WEBHOOKS

__all__ = ["SqlOutbox"]


class SqlOutbox(SqlBase):
    """A `WebhookOutbox` on SQLite or PostgreSQL; marking a delivery that is no longer pending does nothing."""

    def enqueue_webhook(self, job_id: str, url: str, payload: dict[str, Any]) -> int:
        with self._write() as conn:
            return insert_webhook(conn, job_id, url, payload, self._clock())

    def due_webhooks(self, limit: int = 100) -> list[WebhookDelivery]:
        query = (
            select(WEBHOOKS)
            .where(WEBHOOKS.c.state == "pending", WEBHOOKS.c.next_attempt_at <= self._clock())
            .order_by(WEBHOOKS.c.next_attempt_at, WEBHOOKS.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return [webhook_record(row) for row in conn.execute(query)]

    @by_id([])
    def list_webhooks(self, job_id: str) -> list[WebhookDelivery]:
        query = select(WEBHOOKS).where(WEBHOOKS.c.job_id == job_id).order_by(WEBHOOKS.c.id)
        with self._read() as conn:
            return [webhook_record(row) for row in conn.execute(query)]

    def mark_delivered(self, delivery_id: int) -> None:
        self._mark(delivery_id, state="delivered", delivered_at=self._clock())

    def mark_retry(self, delivery_id: int, error: str, next_attempt_at: datetime) -> None:
        self._mark(delivery_id, last_error=error, next_attempt_at=next_attempt_at)

    def mark_dead(self, delivery_id: int, error: str) -> None:
        self._mark(delivery_id, state="dead", last_error=error)

    def _mark(self, delivery_id: int, **values: Any) -> None:
        query = update(WEBHOOKS).where(WEBHOOKS.c.id == delivery_id, WEBHOOKS.c.state == "pending")
        with self._write() as conn:
            conn.execute(query.values(attempts=WEBHOOKS.c.attempts + 1, **values))
