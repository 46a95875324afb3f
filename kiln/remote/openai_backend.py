"""The OpenAI-compatible backend (`openai:<model>`): OpenAI's Images API, or any server that speaks it (another
kiln at `http://host:8000/v1`).

The Images API is synchronous: one `POST /images/generations` makes the image, so `start` returns a finished
prediction. What makes a resumed worker not pay twice is the `Idempotency-Key` header: the worker stores the
request id on the item before sending it, and sends the same key again after a crash; a server that honours it
(kiln does, per API key) answers the first request's images instead of making new ones. `idempotent = True` tells
the worker to resume by sending the request again rather than by `get` (which this API lacks).

Cancel: the worker closes the request in flight, then `cancel` sends `DELETE /images/generations/{key}`, which
kiln answers by canceling the job it made for that key; other servers' 404/405 are ignored.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from kiln.config import Settings
from kiln.remote.models import prices
from kiln.remote.outputs import fetch_output
from kiln.remote.protocol import RemoteError, RemotePrediction, RemoteStatus
from kiln.remote.retry import error_from_response
from kiln.types import ImageItem

__all__ = ["OpenAIBackend"]

log = logging.getLogger(__name__)
_FORMATS = ("png", "webp", "jpeg")


class OpenAIBackend:
    """`POST {KILN_OPENAI_BASE_URL}/images/generations` with `KILN_OPENAI_API_KEY`, one image per item."""

    name = "openai"
    idempotent = True  # resume by sending the same request (same Idempotency-Key) again

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not settings.openai_base_url:
            raise RemoteError("the openai backend needs KILN_OPENAI_BASE_URL (e.g. https://api.openai.com/v1)")
        self.concurrency = settings.openai_concurrency
        self._kiln_fields = settings.openai_kiln_fields
        self._prices = prices(settings)
        headers = {"Authorization": f"Bearer {settings.openai_api_key}"} if settings.openai_api_key else {}
        timeout = httpx.Timeout(settings.openai_timeout_seconds, connect=30.0)
        base = settings.openai_base_url.rstrip("/") + "/"
        self._client = httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout, transport=transport)
        self._downloads = httpx.AsyncClient(timeout=timeout, follow_redirects=True, transport=transport)

    def body(self, model: str, item: ImageItem) -> dict[str, Any]:
        """The request body for one item."""
        body: dict[str, Any] = {
            "model": model,
            "prompt": item.prompt,
            "n": 1,
            "size": f"{item.width}x{item.height}",
            "response_format": "b64_json",
        }
        if item.output_format in _FORMATS:
            body["output_format"] = item.output_format
        if self._kiln_fields:  # another kiln: the same seed and steps make the same image
            body |= {"seed": item.seed, "steps": item.steps}
        return body

    async def start(self, model: str, item: ImageItem, *, request_id: str) -> RemotePrediction:
        headers = {"Idempotency-Key": request_id}
        response = await self._client.post("images/generations", json=self.body(model, item), headers=headers)
        if response.status_code >= 400:
            raise error_from_response(response, self.name)
        try:
            data = response.json()["data"]
            outputs = [
                f"data:image/{item.output_format};base64,{entry['b64_json']}" if entry.get("b64_json") else entry["url"]
                for entry in data
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise RemoteError(f"openai answered without images: {response.text[:300]!r}") from exc
        if not outputs:
            raise RemoteError("openai answered with no image")
        price = self._prices.get(f"openai:{model}")
        return RemotePrediction(
            remote_id=request_id,
            status=RemoteStatus.SUCCEEDED,
            outputs=outputs,
            progress=1.0,
            cost_usd=price * len(outputs) if price is not None else None,
            metrics={"request_id": response.headers.get("x-request-id")} if "x-request-id" in response.headers else {},
        )

    async def get(self, remote_id: str) -> RemotePrediction:
        raise RemoteError("the OpenAI Images API has no status call: send the request again with its key")

    async def cancel(self, remote_id: str) -> None:
        try:
            response = await self._client.delete(f"images/generations/{remote_id}", timeout=10.0)
        except httpx.HTTPError as exc:
            log.info("openai: could not cancel %s: %r", remote_id, exc)
            return
        if response.status_code >= 400 and response.status_code not in (404, 405):
            log.info("openai: cancel of %s answered %d", remote_id, response.status_code)

    async def download(self, url: str) -> bytes:
        return await fetch_output(self._downloads, url, self.name)

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._downloads.aclose()
