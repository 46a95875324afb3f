"""Request size limit: bodies over `max_bytes` answer 413, whether announced by Content-Length or streamed.
Uploads (`/v1/uploads`) have their own, larger limit: a clip or a music track is bigger than any JSON body."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["UPLOADS_PATH", "RequestSizeLimit"]

UPLOADS_PATH = "/v1/uploads"


class RequestSizeLimit:
    """ASGI middleware: refuses HTTP request bodies larger than `max_bytes` with 413 and kiln's error body."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes or max_bytes

    def _limit(self, scope: Scope) -> tuple[int, str]:
        if str(scope.get("path", "")).startswith(UPLOADS_PATH):
            return self.upload_bytes, "KILN_INPUT_MAX_BYTES"
        return self.max_bytes, "KILN_MAX_REQUEST_BYTES"

    @staticmethod
    def _message(limit: tuple[int, str]) -> str:
        return f"the request body is over the limit of {limit[0]} bytes ({limit[1]})"

    async def _refuse(self, send: Send, limit: tuple[int, str]) -> None:
        error = {"type": "request_too_large", "message": self._message(limit), "field": None}
        body = json.dumps({"error": error})
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        max_bytes = limit[0]
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    announced = 0
                if announced > max_bytes:
                    await self._refuse(send, limit)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise HTTPException(413, self._message(limit))
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await self._refuse(send, limit)
