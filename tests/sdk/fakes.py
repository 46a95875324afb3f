"""Helpers of the SDK's unit tests: canned server answers behind `httpx.MockTransport`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import httpx

from kiln.sdk import AsyncClient, Client

Handler = Callable[[httpx.Request], httpx.Response]

BASE = "http://kiln.test"
KEY = "kiln_test_key"


def job_body(job_id: str = "job_1", state: str = "running", **fields: Any) -> dict[str, Any]:
    """A `GET /v1/jobs/{id}` body."""
    body: dict[str, Any] = {
        "id": job_id,
        "kind": "images",
        "state": state,
        "priority": 0,
        "total": 2,
        "counts": {"pending": 1, "running": 1, "done": 0, "failed": 0, "canceled": 0},
        "progress": 0.0,
        "created_at": "2026-01-01T00:00:00Z",
        "started_at": None,
        "finished_at": None,
        "links": {"self": f"{BASE}/v1/jobs/{job_id}"},
        "eta_seconds": None,
        "elapsed_seconds": None,
        "error": None,
        "errors": [],
    }
    body.update(fields)
    return body


def sse(event_id: int, type: str, data: dict[str, Any], job_id: str = "job_1") -> bytes:
    """One event as the server frames it: kiln's envelope in `data:`."""
    payload = {"id": event_id, "job_id": job_id, "type": type, "data": data, "created_at": "2026-01-01T00:00:00+00:00"}
    return f"id: {event_id}\nevent: {type}\ndata: {json.dumps(payload)}\n\n".encode()


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body sent in the given chunks; `fail` ends it with a dropped connection instead of a close."""

    def __init__(self, chunks: Sequence[bytes], *, fail: bool = False) -> None:
        self.chunks = list(chunks)
        self.fail = fail

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.fail:
            raise httpx.ReadError("connection dropped")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.fail:
            raise httpx.ReadError("connection dropped")


def event_stream(chunks: Sequence[bytes], *, fail: bool = False) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Chunks(chunks, fail=fail))


def error(status: int, type: str, message: str, field: str | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"type": type, "message": message, "field": field}})


class Recorder:
    """A transport handler that records each request and answers from a function or a list of answers."""

    def __init__(self, answer: Handler | Sequence[httpx.Response | Exception]) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer
        self._queue = list(answer) if not callable(answer) else []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if callable(self._answer):
            return self._answer(request)
        answer = self._queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def client(handler: Handler, **options: Any) -> Client:
    options.setdefault("backoff", 0.0)
    return Client(BASE, api_key=KEY, transport=httpx.MockTransport(handler), **options)


def async_client(handler: Handler, **options: Any) -> AsyncClient:
    options.setdefault("backoff", 0.0)
    return AsyncClient(BASE, api_key=KEY, transport=httpx.MockTransport(handler), **options)
