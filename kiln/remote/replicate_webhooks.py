"""A loopback HTTP receiver for a Cog server's webhooks: the latest state of each prediction, by id.

A Cog server keeps only the predictions it is running: once one finishes, its result is sent to the prediction's
webhook and forgotten (there is no `GET /predictions/{id}`). So the Cog backend listens here, on a port of its
own, for `start`, `logs` and `completed` events. A minimal HTTP/1.1 server on asyncio streams and h11 (httpx's own
HTTP/1.1 parser) is enough: one POST per connection, answered 204.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11

__all__ = ["WebhookReceiver"]

_TERMINAL = {"succeeded", "failed", "canceled"}
_MAX_BODY = 64 * 1024 * 1024  # outputs may come as data: URIs
_KEPT = 256  # states held at most (the oldest go first): a worker reads a final state within a poll or two


_NO_CONTENT = b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n"


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    """The body of one HTTP/1.1 request (None: the client left first, or sent too much)."""
    conn = h11.Connection(h11.SERVER)
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > _MAX_BODY:
                return None
        elif isinstance(event, h11.EndOfMessage):
            return bytes(body)
        elif isinstance(event, h11.ConnectionClosed):
            return None


class WebhookReceiver:
    """Listens on `host`:`port` (0: a free port) once started; `latest(id)` is the last state a webhook sent.

    A fixed port keeps the webhook address of a worker that restarts: a prediction that finished while it was down
    reaches the new one when Cog retries the webhook, instead of being lost."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._states: dict[str, dict[str, Any]] = {}
        self._lock = asyncio.Lock()

    async def url(self) -> str:
        """The receiver's base URL, starting it on first use."""
        async with self._lock:
            if self._server is None:
                self._server = await asyncio.start_server(self._serve, self._host, self._port, reuse_address=True)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{self._host}:{port}"

    def latest(self, prediction_id: str) -> dict[str, Any] | None:
        return self._states.get(prediction_id)

    def forget(self, prediction_id: str) -> None:
        self._states.pop(prediction_id, None)

    def _keep(self, state: dict[str, Any]) -> None:
        pid = str(state.get("id", ""))
        held = self._states.get(pid)
        if pid and (held is None or held.get("status") not in _TERMINAL):  # a final state is never overwritten
            self._states.pop(pid, None)
            self._states[pid] = state  # newest last
            while len(self._states) > _KEPT:
                del self._states[next(iter(self._states))]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(30):  # a client that never finishes its request
                body = await _read_request(reader)
                if body is not None:
                    self._keep_json(body)
                    writer.write(_NO_CONTENT)
                    await writer.drain()
        except (h11.RemoteProtocolError, ConnectionError, TimeoutError, asyncio.CancelledError):
            pass  # a broken request, or the receiver closing: the connection ends
        finally:
            writer.close()

    def _keep_json(self, body: bytes) -> None:
        try:
            state = json.loads(body)
        except ValueError:
            return
        if isinstance(state, dict):
            self._keep(state)

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
