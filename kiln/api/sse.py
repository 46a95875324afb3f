"""Server-Sent Events over a plain streaming response: `id:`, `event:` and `data:` lines, and keep-alives."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

from kiln.api.events import event_payload
from kiln.jobs.records import EventRecord

__all__ = ["KEEP_ALIVE", "EventStreamResponse", "format_event", "sse_lines"]

KEEP_ALIVE = ": keep-alive\n\n"
RETRY_MILLISECONDS = 2000


def format_event(event: EventRecord) -> str:
    """One SSE message; its `id` is what a reconnecting client sends back as `Last-Event-ID`."""
    data = json.dumps(event_payload(event), separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"


async def sse_lines(batches: AsyncIterator[list[EventRecord]]) -> AsyncIterator[str]:
    """The text of an event stream: a retry hint, then each event; an empty batch becomes a keep-alive."""
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    async for batch in batches:
        if not batch:
            yield KEEP_ALIVE
        for event in batch:
            yield format_event(event)


class EventStreamResponse(StreamingResponse):
    """`text/event-stream`, never cached nor buffered by proxies."""

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[str], status_code: int = 200) -> None:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        super().__init__(content, status_code=status_code, headers=headers, media_type=self.media_type)
