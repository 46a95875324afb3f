"""`WS /v1/ws`: subscribe to jobs' events over one WebSocket.

The client sends `{"action": "subscribe", "job_id": ..., "after": 0}` or `{"action": "unsubscribe", "job_id"}`;
the server pushes `{"id", "job_id", "type", "data"}` for each event. Its own messages have the same shape with
`id` null and a `ws.` type: `ws.subscribed`, `ws.unsubscribed`, `ws.error` (`data.message`, `data.field`) and
`ws.end`, sent whenever a subscription ends other than by unsubscribing: `data.reason` is `finished` (the job is
final and every event is out; `data.state`), `gone` (the job was deleted), `error` (following failed;
`data.message`, and `data.after`, the last event id sent, to subscribe again from) or `key_revoked`.

A key comes in the `Authorization` header, or the studio's session cookie (`kiln.api.session`; the handshake's
`Origin` must then be this server, so no other page can open a socket on the user's behalf), or `?token=` for
clients that can do neither (uvicorn's log lines show it redacted, `kiln.api.redact`). It is checked again on
every subscribe and every
`KEY_CHECK_SECONDS` (`kiln.api.key_check`): once it is revoked, every subscription ends with `ws.end` and the
socket closes with 1008 (policy violation), within `KEY_CHECK_SECONDS + KEY_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from kiln.api.auth import Caller, bearer_token
from kiln.api.deps import Credentials, Services, credentials_of, get_services, load_caller
from kiln.api.events import event_payload
from kiln.api.key_check import KEY_CHECK_SECONDS, REVOKED, KeyCheck
from kiln.api.session import is_same_origin
from kiln.errors import Unauthorized
from kiln.jobs.ids import stored_id

__all__ = ["router"]

router = APIRouter(tags=["events"])
log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008


class _Session:
    """One connection's subscriptions: a task per followed job, all sending through one lock."""

    def __init__(self, websocket: WebSocket, services: Services, caller: Caller, credentials: Credentials) -> None:
        self._ws = websocket
        self._services = services
        self._caller = caller
        self._key = KeyCheck(services, credentials)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._send_lock = asyncio.Lock()
        self._closed = asyncio.Event()

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            if self._ws.application_state == WebSocketState.CONNECTED:
                await self._ws.send_json(message)

    async def _notice(self, job_id: str | None, type: str, **data: Any) -> None:
        await self._send({"id": None, "job_id": job_id, "type": type, "data": data})

    async def _error(self, job_id: str | None, field: str | None, message: str) -> None:
        await self._notice(job_id, "ws.error", field=field, message=message)

    async def _end(self, job_id: str, reason: str, **data: Any) -> None:
        """Tells the client a subscription ended; a socket already gone has nobody to tell."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self._notice(job_id, "ws.end", reason=reason, **data)

    async def _pump(self, job_id: str, after: int) -> None:
        try:
            async for batch in self._services.events.follow(job_id, after):
                for event in batch:
                    await self._send(event_payload(event))
                    after = event.id
            job = await anyio.to_thread.run_sync(self._services.store.get_job, job_id)
            if job is None:
                await self._end(job_id, "gone", state=None)
            else:
                await self._end(job_id, "finished", state=job.state)
        except WebSocketDisconnect:
            pass  # the client left
        except Exception as exc:  # the store or the socket failed: say so rather than go quiet
            log.warning("websocket subscription to %s ended: %r", job_id, exc)
            message = "following the job's events failed; subscribe again with `after` to resume"
            await self._end(job_id, "error", message=message, after=after)
        finally:
            if self._tasks.get(job_id) is asyncio.current_task():
                del self._tasks[job_id]

    def _stop(self, job_id: str) -> bool:
        task = self._tasks.pop(job_id, None)
        if task is None:
            return False
        task.cancel()
        return True

    async def _close_revoked(self) -> None:
        """Ends every subscription with `ws.end` (`key_revoked`) and closes the socket."""
        self._closed.set()
        for job_id in list(self._tasks):
            self._stop(job_id)
            await self._end(job_id, "key_revoked", message=REVOKED)
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self._ws.close(code=POLICY_VIOLATION, reason=REVOKED)

    async def _watch_key(self) -> None:
        """Returns once the key is revoked and the socket closed; a check the store could not answer is tried again
        at the next one."""
        while not self._closed.is_set():
            await asyncio.sleep(KEY_CHECK_SECONDS)
            try:
                valid = await self._key.valid()
            except Exception as exc:
                log.warning("websocket key check failed: %r", exc)
                continue
            if not valid:
                await self._close_revoked()

    async def _subscribe(self, job_id: str, after: object) -> None:
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < 10**18:
            await self._error(job_id, "after", "must be an event id: a whole number, 0 or more")
            return
        try:
            valid = await self._key.valid()
        except Exception as exc:
            log.warning("websocket key check failed: %r", exc)
            await self._error(job_id, None, "the server could not check the API key; subscribe again")
            return
        if not valid:
            await self._close_revoked()
            return
        store, owner = self._services.store, self._caller.owner
        job = await anyio.to_thread.run_sync(lambda: store.get_job(job_id, owner=owner))
        if job is None:
            await self._error(job_id, "job_id", f"no job {job_id!r}")
            return
        self._stop(job_id)
        await self._notice(job_id, "ws.subscribed", after=after)
        self._tasks[job_id] = asyncio.create_task(self._pump(job_id, after))

    async def _handle(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            await self._error(None, None, "send JSON objects like {'action': 'subscribe', 'job_id': '...'}")
            return
        if not isinstance(message, dict):
            await self._error(None, None, "each message must be a JSON object")
            return
        action, job_id = message.get("action"), message.get("job_id")
        if action not in ("subscribe", "unsubscribe"):
            await self._error(None, "action", "must be 'subscribe' or 'unsubscribe'")
        elif not isinstance(job_id, str) or not job_id or len(job_id) > 64:
            await self._error(None, "job_id", "must be a job id")
        elif action == "subscribe":
            await self._subscribe(stored_id(job_id) or job_id, message.get("after", 0))
        else:
            stopped = self._stop(stored_id(job_id) or job_id)
            await self._notice(job_id, "ws.unsubscribed", subscribed=stopped)

    async def _receive(self) -> None:
        while not self._closed.is_set():
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", errors="replace")
            await self._handle(text)

    async def run(self) -> None:
        tasks = {asyncio.create_task(self._receive())}
        if self._key.needed:
            tasks.add(asyncio.create_task(self._watch_key()))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                with contextlib.suppress(WebSocketDisconnect):
                    task.result()  # a real error propagates
        finally:
            for task in tasks:
                task.cancel()
            for job_id in list(self._tasks):
                self._stop(job_id)


@router.websocket("/v1/ws")
async def websocket_events(websocket: WebSocket) -> None:
    services = get_services(websocket)
    token = bearer_token(websocket.headers.get("authorization")) or websocket.query_params.get("token")
    try:
        credentials = credentials_of(services, websocket, token)
        if credentials.session_key is not None and not is_same_origin(websocket):
            raise Unauthorized("the session cookie is accepted only from this server's own pages (Origin)")
        caller = await load_caller(services, credentials)
    except Unauthorized as exc:
        await websocket.close(code=POLICY_VIOLATION, reason=str(exc)[:120])
        return
    await websocket.accept()
    await _Session(websocket, services, caller, credentials).run()
