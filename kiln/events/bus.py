"""The Redis event bus, publishing side: committed events' job ids to one channel, from a background thread.

Only wake-ups travel through Redis (the message is a job id); the events themselves stay in the store, where every
API process reads them after the last id it sent, so order, `Last-Event-ID` and reconnects are the store's. A
writer only hands job ids to this thread (never waits on Redis); ids pending together go out in one pipeline, once
each. Redis down: the ids are dropped with one log line per outage, and the API processes' slower safety poll of
the store delivers those events instead.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit, urlunsplit

import redis

from kiln.config import Settings
from kiln.jobs.event_listeners import EventNotifying

__all__ = ["RedisPublisher", "publish_commits", "redacted"]

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0  # after a failure, ids are dropped for this long instead of waiting on a dead server
CONNECT_SECONDS = 2.0


def redacted(url: str) -> str:
    """`url` without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


class RedisPublisher:
    """Publishes job ids to `channel` from a daemon thread; `notify` is a store's event listener."""

    def __init__(self, url: str, channel: str) -> None:
        self.channel = channel
        self._url = url
        self._client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_SECONDS, socket_timeout=CONNECT_SECONDS)
        self._pending: set[str] = set()
        self._wake = threading.Condition()
        self._failing = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()  # the running thread's

    def notify(self, job_ids: frozenset[str]) -> None:
        with self._wake:
            self._pending |= job_ids
            if self._thread is None:  # the first notice, or the first after `close` (an app started again)
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._stop,), name="redis-events", daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def close(self, timeout: float = 5.0) -> None:
        """Publishes what is pending, then stops the thread (a later `notify` starts another)."""
        with self._wake:
            thread, self._thread = self._thread, None
            self._stop.set()
            self._wake.notify_all()
        if thread is not None:
            thread.join(timeout)

    def _run(self, stop: threading.Event) -> None:
        while True:
            with self._wake:
                while not self._pending and not stop.is_set():
                    self._wake.wait()
                job_ids, self._pending = self._pending, set()
                stopping = stop.is_set()
            if job_ids and not self._publish(job_ids) and not stopping:
                with self._wake:  # Redis is down: don't queue up behind it
                    self._wake.wait_for(stop.is_set, timeout=RETRY_SECONDS)
                    self._pending.clear()
            if stopping:
                return

    def _publish(self, job_ids: set[str]) -> bool:
        try:
            pipe = self._client.pipeline(transaction=False)
            for job_id in job_ids:
                pipe.publish(self.channel, job_id)
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            if not self._failing:
                log.warning(
                    "the Redis event bus at %s failed (%s): events reach streams by the store's slower poll until "
                    "it answers",
                    redacted(self._url),
                    exc,
                )
            self._failing = True
            return False
        if self._failing:
            log.info("the Redis event bus at %s answers again", redacted(self._url))
            self._failing = False
        return True


def publish_commits(store: object, settings: Settings) -> RedisPublisher | None:
    """With `KILN_REDIS_URL`, a publisher of `store`'s committed events (close it when done); else None."""
    if settings.redis_url is None or not isinstance(store, EventNotifying):
        return None
    publisher = RedisPublisher(settings.redis_url, settings.redis_channel)
    store.add_event_listener(publisher.notify)
    return publisher
