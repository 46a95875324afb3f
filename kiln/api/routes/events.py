"""`GET /v1/jobs/{id}/events`: a job's events as Server-Sent Events, resumable with `Last-Event-ID`.

A stream whose key is revoked ends within 1.5 s with the comment `: the API key was revoked` (`kiln.api.key_check`);
reconnecting is then refused (401).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query

from kiln.api.deps import CredentialsDep, EventsDep, JobDep, ServicesDep
from kiln.api.key_check import REVOKED, KeyCheck, until_revoked
from kiln.api.sse import EventStreamResponse, sse_lines
from kiln.errors import InvalidInput

__all__ = ["router"]

router = APIRouter(prefix="/v1/jobs", tags=["events"])


_EVENT_ID = re.compile(r"[0-9]{1,18}")


def _resume_point(last_event_id: str | None, after: int | None) -> int:
    if last_event_id is not None and last_event_id.strip():
        if not _EVENT_ID.fullmatch(last_event_id.strip()):
            raise InvalidInput("Last-Event-ID", f"{last_event_id!r} is not an event id (a whole number)")
        return int(last_event_id.strip())
    return after or 0


@router.get(
    "/{job_id}/events",
    response_class=EventStreamResponse,
    summary="Follow a job's events (SSE)",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def job_events(
    job: JobDep,
    events: EventsDep,
    services: ServicesDep,
    credentials: CredentialsDep,
    after: Annotated[int | None, Query(ge=0, le=10**18 - 1, description="Resume after this event id")] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> EventStreamResponse:
    """Every event of the job after the resume point; the stream ends after the job's final event."""
    start = _resume_point(last_event_id, after)
    lines = sse_lines(events.follow(job.id, start, heartbeat=events.keep_alive_seconds))
    check = KeyCheck(services, credentials)
    return EventStreamResponse(until_revoked(lines, check, f": {REVOKED}\n\n"))
