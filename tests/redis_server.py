"""Redis for the event bus tests: the real server at `KILN_TEST_REDIS_URL` (default redis://127.0.0.1:6379/0).

Pub/sub channels are not per database, so each test gets a channel of its own (`private_channel`). When Redis does
not answer, the test is skipped, or fails when the `CI` environment variable is set (CI must run the bus). A
`RedisGate` is a TCP relay in front of it that a test can cut (every connection dropped, new ones refused) and
open again: Redis killed or unreachable, as the API sees it, without stopping a server other tests share.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from functools import cache
from urllib.parse import urlsplit

import pytest
import redis

__all__ = ["REDIS_URL", "RedisGate", "private_channel", "require_redis"]

REDIS_URL = os.environ.get("KILN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@cache
def _problem() -> str | None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return f"Redis at {REDIS_URL} is required for these tests but is unreachable: {exc}"
    finally:
        client.close()
    return None


def require_redis() -> None:
    """Skip the test without Redis, or fail it on CI."""
    problem = _problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


def private_channel() -> str:
    return f"kiln-test:{uuid.uuid4().hex}"


class RedisGate:
    """A relay on a free local port to Redis; `cut()` drops and refuses connections, `open()` lets them in again."""

    def __init__(self) -> None:
        target = urlsplit(REDIS_URL)
        self._target = (target.hostname or "127.0.0.1", target.port or 6379)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._open = threading.Event()
        self._open.set()
        self._closed = False
        threading.Thread(target=self._accept, name="redis-gate", daemon=True).start()

    def cut(self) -> None:
        self._open.clear()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def open(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                _close(client)  # refused: as good as a dead server to a client
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=3)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
