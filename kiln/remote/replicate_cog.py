"""The Replicate backend against a local Cog server (`cog`'s HTTP prediction API, the one inside every model
container Replicate runs).

Cog's protocol differs from the hosted API: no `/v1` and no model in the path (the server serves one model, so the
`owner/model` part of the name is ignored); kiln chooses the prediction's id: `PUT /predictions/{request_id}` with
`Prefer: respond-async` creates it, and the same PUT again is idempotent: while the prediction runs, it answers
its state (logs, so progress) without starting another. `POST /predictions/{id}/cancel` cancels; `GET
/health-check` says READY. Outputs come back as data: URIs unless the server has an upload URL.

A Cog server forgets a prediction once it finishes and sends its result only to the prediction's webhook, so this
backend listens for webhooks (`WebhookReceiver`). A worker that restarts polls a prediction still running by its
id; one that finished while no worker listened is gone, and `get` says so (retry the item: locally that costs
compute, not money).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from kiln.remote.protocol import RemoteError, RemotePrediction
from kiln.remote.replicate import decode_data_uri
from kiln.remote.replicate_answers import error_from, prediction_from
from kiln.remote.replicate_input import parse_model, prediction_input
from kiln.remote.replicate_webhooks import WebhookReceiver
from kiln.types import ImageItem

__all__ = ["CogBackend"]

_EVENTS = ["start", "logs", "completed"]


class CogBackend:
    """A Cog server's prediction API over one `httpx.AsyncClient`, with a webhook receiver for results."""

    name = "replicate"

    def __init__(
        self,
        *,
        base_url: str,
        concurrency: int = 1,
        go_fast: bool = True,
        webhook_host: str = "127.0.0.1",
        timeout: float = 60.0,
    ) -> None:
        self.concurrency = concurrency  # a Cog server runs one prediction per slot and answers 409 beyond
        self.base_url = base_url.rstrip("/")
        self._go_fast = go_fast
        self._client = httpx.AsyncClient(timeout=timeout)
        self._webhooks = WebhookReceiver(webhook_host)
        self._bodies: dict[str, dict[str, Any]] = {}  # what this process asked for, by prediction id

    async def _put(self, prediction_id: str, body: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
        url = f"{self.base_url}/predictions/{quote(prediction_id, safe='')}"
        try:
            response = await self._client.put(url, json=body, headers={"Prefer": "respond-async"})
        except httpx.TransportError as exc:
            message = f"Cog server {self.base_url}: {type(exc).__name__}: {exc}; retried"
            raise RemoteError(message, retryable=True) from exc
        if response.is_error:
            raise error_from(response, model=model)
        data: dict[str, Any] = response.json()
        return data

    async def start(self, model: str, item: ImageItem, *, request_id: str) -> RemotePrediction:
        """Create the prediction with kiln's `request_id` as its id (sent again, it is the same prediction)."""
        ref = parse_model(model)
        body = {
            "id": request_id,
            "input": prediction_input(ref, item, go_fast=self._go_fast),
            "webhook": f"{await self._webhooks.url()}/{quote(request_id, safe='')}",
            "webhook_events_filter": _EVENTS,
        }
        self._bodies[request_id] = body
        data = await self._put(request_id, body, model=str(ref))
        return prediction_from({"id": request_id, **data})

    async def get(self, remote_id: str) -> RemotePrediction:
        """The webhook's final state when one came; otherwise the idempotent PUT's answer (the running state)."""
        held = self._webhooks.latest(remote_id)
        if held is not None and prediction_from(held).status.terminal:
            return prediction_from(held)
        body = self._bodies.get(remote_id)
        if body is not None:
            data = await self._put(remote_id, body)
        else:  # started by another process: only a prediction still running can be read
            data = await self._read_foreign(remote_id)
        held = self._webhooks.latest(remote_id)  # it may have finished while the PUT was on its way
        if held is not None and prediction_from(held).status.terminal:
            if "input" not in data:  # the PUT came after Cog forgot it and started it again: stop the rerun
                await self.cancel(remote_id)
            return prediction_from(held)
        return prediction_from({"id": remote_id, **data})

    async def _read_foreign(self, remote_id: str) -> dict[str, Any]:
        gone = RemoteError(
            f"Cog server {self.base_url} no longer holds prediction {remote_id!r}: a Cog server keeps only running "
            "predictions and sends finished ones to the webhook of the worker that started them; retry the item"
        )
        webhook = f"{await self._webhooks.url()}/{quote(remote_id, safe='')}"
        try:
            data = await self._put(remote_id, {"id": remote_id, "webhook": webhook, "webhook_events_filter": _EVENTS})
        except RemoteError as exc:
            if exc.retryable:
                raise
            raise gone from exc
        if "input" not in data:  # an answer without the input is a prediction this PUT created: undo it
            await self.cancel(remote_id)
            raise gone
        return data

    async def cancel(self, remote_id: str) -> None:
        """Cancel a running prediction; one the server no longer holds (404) is already over."""
        url = f"{self.base_url}/predictions/{quote(remote_id, safe='')}/cancel"
        try:
            response = await self._client.post(url)
        except httpx.TransportError as exc:
            raise RemoteError(f"Cog server {self.base_url}: {exc}; retried", retryable=True) from exc
        if response.is_error and response.status_code != 404:
            raise error_from(response)

    async def health(self) -> str:
        """The server's `/health-check` status: READY once its model is set up (STARTING, BUSY, SETUP_FAILED...)."""
        try:
            response = await self._client.get(f"{self.base_url}/health-check")
        except httpx.TransportError as exc:
            raise RemoteError(f"Cog server {self.base_url}: {exc}; retried", retryable=True) from exc
        return str(response.json().get("status", "UNKNOWN"))

    async def download(self, url: str) -> bytes:
        if url.startswith("data:"):
            return decode_data_uri(url)
        try:
            response = await self._client.get(url, follow_redirects=True)
        except httpx.TransportError as exc:
            raise RemoteError(f"downloading {url}: {exc}; retried", retryable=True) from exc
        if response.is_error:
            raise error_from(response)
        return response.content

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._webhooks.aclose()
