"""The Redis event bus, API side: one subscription per API process, waking the streams that follow a job.

A message is a job id (`kiln.events.bus`); it only wakes that job's streams, which then read the store after the
last id they sent, as they always do. A stream waits for a wake-up or `poll_seconds`, whichever comes first: the
slow safety poll while subscribed (a lost message delays an event that long, never loses it), today's fast poll
while Redis is unreachable (said once in the log). Every stream is woken when the subscription starts or breaks,
so nothing published while it was down waits for a poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator

import redis.asyncio

from kiln.events.bus import CONNECT_SECONDS, redacted

__all__ = ["EventWakeups"]

log = logging.getLogger(__name__)
PING_SECONDS = 5.0  # a subscription silent this long is pinged; one that stays silent as long again is dead
RETRY_SECONDS = 1.0


class EventWakeups:
    """Wake-ups by job id from Redis channel `channel`; the listening task starts with the first `watch`."""

    def __init__(self, url: str, channel: str, *, safety_poll_seconds: float, fallback_poll_seconds: float) -> None:
        self._url = url
        self._channel = channel
        self.safety_poll_seconds = safety_poll_seconds
        self.fallback_poll_seconds = fallback_poll_seconds
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.connected = False

    @property
    def poll_seconds(self) -> float:
        """How long a stream may wait on its wake-up before reading the store anyway."""
        return self.safety_poll_seconds if self.connected else self.fallback_poll_seconds

    @contextlib.contextmanager
    def watch(self, job_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever `job_id` may have new events; clear it before each read of the store."""
        loop = asyncio.get_running_loop()
        self._listen_in(loop)
        waiter = (loop, asyncio.Event())
        self._waiters.setdefault(job_id, set()).add(waiter)
        try:
            yield waiter[1]
        finally:
            waiters = self._waiters.get(job_id)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[job_id]

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None and self._loop is asyncio.get_running_loop():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _listen_in(self, loop: asyncio.AbstractEventLoop) -> None:
        """Starts listening in `loop`, unless a listener runs there already (a test client may bring new loops)."""
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        if self._task is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._task.cancel)
        self.connected = False
        self._loop = loop
        self._task = loop.create_task(self._listen(), name="redis-event-wakeups")

    def _wake(self, job_ids: list[str] | None = None) -> None:
        """Wakes the streams of `job_ids`, or all."""
        groups = self._waiters.values() if job_ids is None else [self._waiters.get(j, set()) for j in job_ids]
        current = asyncio.get_running_loop()
        for waiters in list(groups):
            for loop, event in list(waiters):
                if loop is current:
                    event.set()
                elif not loop.is_closed():
                    loop.call_soon_threadsafe(event.set)

    async def _listen(self) -> None:
        failing = False
        while True:
            client = redis.asyncio.Redis.from_url(self._url, socket_connect_timeout=CONNECT_SECONDS)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self.connected = True
                if failing:
                    log.info("the Redis event bus at %s answers again", redacted(self._url))
                failing = False
                self._wake()  # whatever was published before the subscription: read it now
                await self._receive(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    log.warning(
                        "the Redis event bus at %s is unreachable (%s): event streams poll the store every %s s "
                        "until it answers",
                        redacted(self._url),
                        exc,
                        self.fallback_poll_seconds,
                    )
                failing, self.connected = True, False
                self._wake()  # the streams switch to polling now, not at their next safety poll
            finally:
                self.connected = False
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()
            await asyncio.sleep(RETRY_SECONDS)

    async def _receive(self, pubsub: redis.asyncio.client.PubSub) -> None:
        """Wakes streams until the subscription breaks (raises)."""
        heard = time.monotonic()
        pinged = False
        while True:
            message = await pubsub.get_message(timeout=PING_SECONDS)
            now = time.monotonic()
            if message is not None:
                heard, pinged = now, False
                if message["type"] == "message":
                    data = message["data"]
                    self._wake([data.decode() if isinstance(data, bytes) else str(data)])
            elif now - heard >= 2 * PING_SECONDS and pinged:
                raise ConnectionError(f"no answer to a ping in {PING_SECONDS} s")
            elif now - heard >= PING_SECONDS and not pinged:
                await pubsub.ping()
                pinged = True
