"""The Replicate backend: `replicate:owner/model[:version]` on Replicate's hosted API.

An official model (`owner/model`) is run by the model-scoped endpoint, `POST /models/{owner}/{name}/predictions`;
a pinned version (`owner/model:version`) by `POST /predictions {"version", "input"}`. Both ask `Prefer: wait=N`,
so a short prediction (Flux-schnell) usually comes back finished in the answer that created it; a longer one
comes back running and is polled with `GET /predictions/{id}` (`wait_for`). The token goes only to the API's own
host, never to the delivery URLs of the outputs.

Replicate takes no idempotency key, so the worker stores a prediction's id when `start` returns: a worker that dies
while `Prefer: wait` holds the creating request open leaves a prediction it never learns about (paid once more on
resume). `wait_seconds` bounds that window (0: answer at once and always poll).

A base URL without `/v1` (a local Cog server, e.g. `http://127.0.0.1:5124`) gets `CogBackend` instead:
`replicate_backend` chooses.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import httpx

from kiln.remote.protocol import RemoteBackend, RemoteError, RemotePrediction
from kiln.remote.replicate_answers import error_from, prediction_from
from kiln.remote.replicate_input import ModelRef, parse_model, prediction_input
from kiln.types import ImageItem

__all__ = ["DEFAULT_BASE_URL", "ReplicateBackend", "decode_data_uri", "is_cog_server", "replicate_backend", "wait_for"]

DEFAULT_BASE_URL = "https://api.replicate.com/v1"
_FINAL = ("succeeded", "failed", "canceled", "aborted")  # a final answer: its model is no longer remembered


class ReplicateBackend:
    """Replicate's hosted HTTP API over one `httpx.AsyncClient`."""

    name = "replicate"

    def __init__(
        self,
        *,
        token: str | None,
        base_url: str = DEFAULT_BASE_URL,
        concurrency: int = 8,
        prices: Mapping[str, float] | None = None,
        price_per_second: float | None = None,
        wait_seconds: int = 10,
        go_fast: bool = True,
        timeout: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not 0 <= wait_seconds <= 60:
            raise ValueError("wait_seconds: Replicate's Prefer: wait takes 1 to 60 seconds (0: do not wait)")
        self.concurrency = concurrency
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._prices = dict(prices or {})
        self._price_per_second = price_per_second
        self._wait_seconds = wait_seconds
        self._go_fast = go_fast
        self._models: dict[str, ModelRef] = {}  # remote id → model, for the price of its outputs
        # a `Prefer: wait` answer may take wait_seconds before its first byte
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout + wait_seconds), transport=transport)

    def _headers(self, **extra: str) -> dict[str, str]:
        if not self._token:
            raise RemoteError("Replicate: no API token; set REPLICATE_API_TOKEN", status_code=401)
        return {"Authorization": f"Bearer {self._token}", **extra}

    async def _send(self, method: str, path: str, *, model: str | None = None, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, f"{self.base_url}{path}", **kwargs)
        except httpx.TransportError as exc:  # a lost connection or a timeout: the worker retries
            raise RemoteError(f"Replicate: {type(exc).__name__}: {exc}; retried", retryable=True) from exc
        if response.is_error:
            raise error_from(response, model=model)
        return response

    def _prediction(self, data: Mapping[str, Any]) -> RemotePrediction:
        prediction_id = str(data.get("id"))
        ref = self._models.pop(prediction_id, None) if data.get("status") in _FINAL else self._models.get(prediction_id)
        if ref is None and isinstance(data.get("model"), str):  # a prediction read back after a restart
            ref = parse_model(f"{data['model']}:{data['version']}" if data.get("version") else str(data["model"]))
        return prediction_from(data, price_per_image=self._price(ref), price_per_second=self._price_per_second)

    def _price(self, ref: ModelRef | None) -> float | None:
        if ref is None:
            return None
        return self._prices.get(f"replicate:{ref}", self._prices.get(f"replicate:{ref.slug}"))

    async def start(self, model: str, item: ImageItem, *, request_id: str) -> RemotePrediction:
        """Create the prediction (Replicate takes no idempotency key: `request_id` is not sent)."""
        ref = parse_model(model)
        body: dict[str, Any] = {"input": prediction_input(ref, item, go_fast=self._go_fast)}
        if ref.version is None:
            path = f"/models/{ref.owner}/{ref.name}/predictions"
        else:
            path, body["version"] = "/predictions", ref.version
        headers = self._headers(Prefer=f"wait={self._wait_seconds}") if self._wait_seconds else self._headers()
        response = await self._send("POST", path, model=str(ref), json=body, headers=headers)
        data = response.json()
        self._models[str(data.get("id"))] = ref
        return self._prediction(data)

    async def get(self, remote_id: str) -> RemotePrediction:
        response = await self._send("GET", f"/predictions/{remote_id}", headers=self._headers())
        return self._prediction(response.json())

    async def cancel(self, remote_id: str) -> None:
        await self._send("POST", f"/predictions/{remote_id}/cancel", headers=self._headers())

    async def download(self, url: str) -> bytes:
        if url.startswith("data:"):
            return decode_data_uri(url)
        own_host = urlsplit(url).netloc == urlsplit(self.base_url).netloc
        headers = self._headers() if own_host else {}
        try:
            response = await self._client.get(url, headers=headers, follow_redirects=True)
        except httpx.TransportError as exc:
            raise RemoteError(f"Replicate: downloading an output: {exc}; retried", retryable=True) from exc
        if response.is_error:
            if response.status_code in (404, 410):
                gone = f"Replicate: output {url} is gone ({response.status_code}); outputs expire an hour after"
                raise RemoteError(f"{gone} the prediction, so download them sooner")
            raise error_from(response)
        return response.content

    async def aclose(self) -> None:
        await self._client.aclose()


def decode_data_uri(uri: str) -> bytes:
    """The bytes of a `data:` URI (base64 or percent-encoded), as Cog returns outputs without an upload URL."""
    header, sep, payload = uri.partition(",")
    if not sep:
        raise RemoteError("an output data: URI has no ','")
    if header.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=True)
        except binascii.Error as exc:
            raise RemoteError(f"an output data: URI is not valid base64: {exc}") from exc
    return unquote_to_bytes(payload)


def is_cog_server(base_url: str) -> bool:
    """A base URL with no path (`http://127.0.0.1:5124`) is a Cog server; Replicate's API lives under `/v1`."""
    return urlsplit(base_url).path.strip("/") == ""


def replicate_backend(
    *,
    token: str | None,
    base_url: str = DEFAULT_BASE_URL,
    concurrency: int = 8,
    prices: Mapping[str, float] | None = None,
    webhook_host: str = "127.0.0.1",
    webhook_port: int = 0,
) -> RemoteBackend:
    """The backend for `base_url`: Replicate's hosted API, or a local Cog server's prediction API. A Cog server
    runs one prediction at a time (it answers 409 to a second), so it gets one in flight whatever `concurrency`
    says; `webhook_host`/`webhook_port` are where it reaches this process (`KILN_REPLICATE_WEBHOOK_HOST`/`_PORT`)."""
    if is_cog_server(base_url):
        from kiln.remote.replicate_cog import CogBackend

        return CogBackend(base_url=base_url, concurrency=1, webhook_host=webhook_host, webhook_port=webhook_port)
    return ReplicateBackend(token=token, base_url=base_url, concurrency=concurrency, prices=prices)


async def wait_for(
    backend: RemoteBackend,
    prediction: RemotePrediction,
    *,
    first_delay: float = 0.2,
    max_delay: float = 5.0,
    on_update: Callable[[RemotePrediction], Awaitable[None]] | None = None,
) -> RemotePrediction:
    """Poll until the prediction is final, the delay growing by half each time up to `max_delay`; a retryable
    error waits its Retry-After (or the current delay) and polls again."""
    delay = first_delay
    while not prediction.status.terminal:
        await asyncio.sleep(delay)
        try:
            prediction = await backend.get(prediction.remote_id)
        except RemoteError as exc:
            if not exc.retryable:
                raise
            await asyncio.sleep(exc.retry_after or delay)
            continue
        finally:
            delay = min(delay * 1.5, max_delay)
        if on_update is not None:
            await on_update(prediction)
    return prediction
