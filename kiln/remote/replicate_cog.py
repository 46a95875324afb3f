"""The Replicate backend against a local Cog server (`cog`'s HTTP prediction API, the one inside every model
container Replicate runs).

Cog's protocol differs from the hosted API: no `/v1` and no model in the path (the server serves one model, so the
`owner/model` part of the name is ignored); kiln chooses the prediction's id: `PUT /predictions/{request_id}` with
`Prefer: respond-async` creates it, and the same PUT again is idempotent: while the prediction runs, it answers
its state (logs, so progress) without starting another. `POST /predictions/{id}/cancel` cancels; `GET
/health-check` says READY. Outputs come back as data: URIs unless the server has an upload URL.

A Cog server forgets a prediction once it finishes and sends its result only to the prediction's webhook, so this
backend listens for webhooks (`WebhookReceiver`) and reads the state of what it created from them, never by a PUT
that could start a finished prediction again. The backend is idempotent (`idempotent = True`): a worker that
restarts calls `start` with the stored request id; a prediction still running answers its state (polled by PUT
from then on, since its webhooks go to the old process), and one that finished meanwhile runs again under the
same id (its result lost with the old process's webhook; a local server's time, not money).
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
_KEPT = 1024  # requests remembered at most (one server runs one at a time: far more than are in flight)


class CogBackend:
    """A Cog server's prediction API over one `httpx.AsyncClient`, with a webhook receiver for results.

    `webhook_host`: where the Cog server reaches this process (loopback unless it runs elsewhere, e.g. in a
    container); `webhook_port`: 0 for a free port, or a fixed one so a restarted worker keeps its webhook address
    and still receives what finished while it was down."""

    name = "replicate"
    idempotent = True  # start() again with the same request id is the same prediction: the worker resumes so

    def __init__(
        self,
        *,
        base_url: str,
        concurrency: int = 1,
        go_fast: bool = True,
        webhook_host: str = "127.0.0.1",
        webhook_port: int = 0,
        timeout: float = 60.0,
    ) -> None:
        self.concurrency = concurrency  # a Cog server runs one prediction per slot and answers 409 beyond
        self.base_url = base_url.rstrip("/")
        self._go_fast = go_fast
        self._client = httpx.AsyncClient(timeout=timeout)
        self._webhooks = WebhookReceiver(webhook_host, webhook_port)
        self._bodies: dict[str, dict[str, Any]] = {}  # what this process asked for, by prediction id
        self._acks: dict[str, dict[str, Any]] = {}  # the server's answer to the PUT that created it
        self._canceled: set[str] = set()
        self._reruns: set[str] = set()  # resumed predictions a poll had to run again

    def _url(self, prediction_id: str, suffix: str = "") -> str:
        return f"{self.base_url}/predictions/{quote(prediction_id, safe='')}{suffix}"

    async def _put(self, prediction_id: str, *, model: str | None = None) -> dict[str, Any]:
        """PUT the prediction: creates it (the answer has no `input`, and its webhooks come here from now on), or
        answers the state of the one running under this id (the answer has its `input`)."""
        body = self._bodies[prediction_id]
        try:
            response = await self._client.put(self._url(prediction_id), json=body, headers={"Prefer": "respond-async"})
        except httpx.TransportError as exc:
            message = f"Cog server {self.base_url}: {type(exc).__name__}: {exc}; retried"
            raise RemoteError(message, retryable=True) from exc
        if response.is_error:
            raise error_from(response, model=model)
        data: dict[str, Any] = {"id": prediction_id, **response.json()}
        if "input" not in data:
            self._acks[prediction_id] = data
        for kept in (self._bodies, self._acks):  # bounded: the oldest requests go first
            while len(kept) > _KEPT:
                del kept[next(iter(kept))]
        return data

    async def start(self, model: str, item: ImageItem, *, request_id: str) -> RemotePrediction:
        """Create the prediction with kiln's `request_id` as its id. Sent again (a resumed worker), it answers the
        prediction still running under that id; one the server has forgotten (it finished while no worker
        listened) is run again under the same id: on a local server that costs time, not money."""
        ref = parse_model(model)
        self._bodies[request_id] = {
            "id": request_id,
            "input": prediction_input(ref, item, go_fast=self._go_fast),
            "webhook": f"{await self._webhooks.url()}/{quote(request_id, safe='')}",
            "webhook_events_filter": _EVENTS,
        }
        self._canceled.discard(request_id)
        return prediction_from(await self._put(request_id, model=str(ref)))

    async def get(self, remote_id: str) -> RemotePrediction:
        """The state its webhooks sent here, or, for a prediction another process created whose webhooks go
        elsewhere, the idempotent PUT's answer."""
        held = self._webhooks.latest(remote_id)
        if held is not None and prediction_from(held).status.terminal:
            if remote_id in self._reruns:  # the first run's result came after all: stop the second
                self._reruns.discard(remote_id)
                await self.cancel(remote_id)
            return prediction_from(held)
        if remote_id in self._canceled:  # canceled, and its final webhook goes elsewhere: do not PUT it again
            return prediction_from({"id": remote_id, "status": "canceled", "logs": (held or {}).get("logs", "")})
        if held is not None or remote_id in self._acks:  # its webhooks come here (created here, or a stable
            return prediction_from(held or self._acks[remote_id])  # webhook port): a PUT could only rerun it
        if remote_id not in self._bodies:
            raise RemoteError(
                f"Cog server {self.base_url}: prediction {remote_id!r} was not started by this worker; start it "
                "again with its request id (the same id is the same prediction)",
                status_code=404,
            )
        data = await self._put(remote_id)
        if "input" not in data:  # it finished and its result went to the old webhook: this PUT ran it again
            self._reruns.add(remote_id)
        return prediction_from(data)

    async def cancel(self, remote_id: str) -> None:
        """Cancel a running prediction; one the server no longer holds (404) is already over."""
        try:
            response = await self._client.post(self._url(remote_id, "/cancel"))
        except httpx.TransportError as exc:
            raise RemoteError(f"Cog server {self.base_url}: {exc}; retried", retryable=True) from exc
        if response.is_error and response.status_code != 404:
            raise error_from(response)
        self._canceled.add(remote_id)

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
