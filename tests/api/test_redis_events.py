"""Events through the Redis event bus (`KILN_REDIS_URL`): workers publish, every API process wakes its streams.

Real Redis (`tests.redis_server`), a channel per test; real uvicorn servers for SSE, the test client for the
WebSocket; the worker writes through a store object of its own, as another process would. To show that delivery
needed no polling, every poll and keep-alive is set to 60 s and the whole job must arrive well before that.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from kiln.api import create_app
from kiln.api.event_wakeups import EventWakeups
from kiln.config import Settings
from kiln.events.bus import publish_commits, redacted
from kiln.jobs.sql import SqlStore, migrate
from kiln.storage.local import LocalStorage
from tests.api.conftest import receive_until
from tests.api.fakes import FakeWorker, live_server
from tests.api.test_events import events_of
from tests.conditions import wait_until
from tests.postgres import migrated_postgres
from tests.redis_server import REDIS_URL, RedisGate, private_channel, require_redis

pytestmark = pytest.mark.timeout(180)
SLOW = 60.0  # every poll and keep-alive: a stream that waited on one would take this long
WELL_BEFORE = 30.0


@dataclass
class Cluster:
    """API apps and a worker sharing one database and one Redis channel."""

    settings: Settings
    database_url: str
    stack: ExitStack

    def store(self) -> SqlStore:
        store = SqlStore(self.database_url)
        self.stack.callback(store.close)
        return store

    def app(self, *, slow: bool = True) -> FastAPI:
        """An API process; with `slow`, its streams poll (and send keep-alives) only every 60 s."""
        store = self.store()
        app = create_app(self.settings, store=store, keys=store, storage=LocalStorage(self.settings.output_dir))
        if slow:
            events = app.state.services.events
            events.keep_alive_seconds = SLOW
            events.poll_seconds = SLOW
            assert isinstance(events.wakeups, EventWakeups)
            events.wakeups.fallback_poll_seconds = SLOW
        return app

    def worker(self) -> FakeWorker:
        """A worker with a store of its own, publishing its commits as `kiln worker` does."""
        store = self.store()
        publisher = publish_commits(store, self.settings)
        assert publisher is not None
        self.stack.callback(publisher.close)
        worker = FakeWorker(store, LocalStorage(self.settings.output_dir))
        self.stack.callback(worker.stop)
        return worker


@pytest.fixture(params=["sqlite"])
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    """Apps on one database and Redis; `redis_url` defaults to the real server (tests may send a gate's)."""
    require_redis()
    with ExitStack() as stack:
        if request.param == "postgres":
            url = stack.enter_context(migrated_postgres())
        else:
            url = f"sqlite:///{tmp_path / 'kiln.db'}"
            migrate(url)
        redis_url = getattr(request, "redis_url", REDIS_URL)
        settings = Settings(
            auth="off",
            data_dir=tmp_path / "data",
            output_dir=tmp_path / "outputs",
            redis_url=redis_url,
            redis_channel=private_channel(),
            redis_poll_seconds=SLOW,
        )
        yield Cluster(settings, url, stack)


def wakeups_of(app: FastAPI) -> EventWakeups:
    wakeups = app.state.services.events.wakeups
    assert isinstance(wakeups, EventWakeups)
    return wakeups


def submit(app: FastAPI, count: int) -> str:
    with TestClient(app) as client:
        response = client.post("/v1/jobs", json={"prompts": [f"p{i}" for i in range(count)]})
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id


def check_complete(events: list[dict[str, Any]], count: int) -> None:
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids))
    assert events[0]["data"]["state"] == "queued"
    assert events[-1]["type"] == "job.state" and events[-1]["data"]["state"] == "completed"
    done = [e["data"]["index"] for e in events if e["type"] == "item.state" and e["data"]["state"] == "done"]
    assert sorted(done) == list(range(count))


def test_sse_events_arrive_through_redis_with_polling_slowed_to_a_minute(cluster: Cluster) -> None:
    app = cluster.app()
    job_id = submit(app, 5)
    worker = cluster.worker()
    with (
        live_server(app) as base,
        httpx.Client(base_url=base, timeout=SLOW * 2) as http,
        http.stream("GET", f"/v1/jobs/{job_id}/events") as response,
    ):
        wait_until(lambda: wakeups_of(app).connected, timeout=10, what="the API's Redis subscription")
        started = time.monotonic()
        worker.start()
        events = events_of(response)
        elapsed = time.monotonic() - started
    check_complete(events, 5)
    assert elapsed < WELL_BEFORE, f"{elapsed:.1f} s: the stream waited on a poll, not on Redis"


def test_websocket_events_arrive_through_redis_with_polling_slowed_to_a_minute(cluster: Cluster) -> None:
    app = cluster.app()
    job_id = submit(app, 4)
    worker = cluster.worker()
    with TestClient(app) as client, client.websocket_connect("/v1/ws") as ws:
        ws.send_json({"action": "subscribe", "job_id": job_id, "after": 0})
        assert ws.receive_json()["type"] == "ws.subscribed"
        wait_until(lambda: wakeups_of(app).connected, timeout=10, what="the API's Redis subscription")
        started = time.monotonic()
        worker.start()
        messages = receive_until(ws, "ws.end")
        elapsed = time.monotonic() - started
    assert messages[-1]["data"] == {"reason": "finished", "state": "completed"}
    check_complete(messages[:-1], 4)
    assert elapsed < WELL_BEFORE, f"{elapsed:.1f} s: the subscription waited on a poll, not on Redis"


@pytest.mark.parametrize("cluster", ["sqlite", "postgres"], indirect=True)
def test_two_api_processes_deliver_every_event_and_resume_each_others_streams(cluster: Cluster) -> None:
    first, second = cluster.app(), cluster.app()
    job_id = submit(first, 6)
    worker = cluster.worker()
    with (
        live_server(first) as base_a,
        live_server(second) as base_b,
        httpx.Client(base_url=base_a, timeout=SLOW * 2) as http_a,
        httpx.Client(base_url=base_b, timeout=SLOW * 2) as http_b,
        http_a.stream("GET", f"/v1/jobs/{job_id}/events") as stream_a,
        http_b.stream("GET", f"/v1/jobs/{job_id}/events") as stream_b,
    ):
        wakeups = [wakeups_of(first), wakeups_of(second)]
        wait_until(lambda: all(w.connected for w in wakeups), timeout=10, what="both Redis subscriptions")
        started = time.monotonic()
        worker.start()
        events_a = events_of(stream_a)
        events_b = events_of(stream_b)
        elapsed = time.monotonic() - started
        assert events_a == events_b
        check_complete(events_a, 6)
        assert elapsed < WELL_BEFORE
        ids = [e["id"] for e in events_a]
        # a client that lost its stream to the first process resumes on the second from its last id
        with http_b.stream("GET", f"/v1/jobs/{job_id}/events", headers={"Last-Event-ID": str(ids[3])}) as again:
            assert [e["id"] for e in events_of(again)] == ids[4:]


def test_an_api_processs_own_write_reaches_another_api_processs_stream(cluster: Cluster) -> None:
    first, second = cluster.app(), cluster.app()
    job_id = submit(first, 3)  # no worker: it stays queued until canceled through the first process
    with (
        live_server(second) as base,
        httpx.Client(base_url=base, timeout=SLOW * 2) as http,
        http.stream("GET", f"/v1/jobs/{job_id}/events") as response,
    ):
        wait_until(lambda: wakeups_of(second).connected, timeout=10, what="the API's Redis subscription")
        started = time.monotonic()
        with TestClient(first) as client:
            assert client.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
        events = events_of(response)
        elapsed = time.monotonic() - started
    assert [e["data"]["state"] for e in events if e["type"] == "job.state"] == ["queued", "canceled"]
    assert elapsed < WELL_BEFORE, f"{elapsed:.1f} s: the cancel reached the stream by a poll, not by Redis"


def test_redis_cut_mid_stream_falls_back_to_polling_and_loses_nothing(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    gate = RedisGate()
    cluster.stack.callback(gate.close)
    cluster.settings = cluster.settings.model_copy(update={"redis_url": gate.url})
    app = cluster.app(slow=False)  # today's 0.2 s poll is the fallback
    app.state.services.events.keep_alive_seconds = SLOW
    job_id = submit(app, 3)
    worker = cluster.worker()
    caplog.set_level(logging.INFO)
    with (
        live_server(app) as base,
        httpx.Client(base_url=base, timeout=SLOW * 2) as http,
        http.stream("GET", f"/v1/jobs/{job_id}/events") as response,
    ):
        wakeups = wakeups_of(app)
        wait_until(lambda: wakeups.connected, timeout=10, what="the API's Redis subscription")
        gate.cut()  # Redis gone: the subscription breaks, new connections are refused
        wait_until(lambda: not wakeups.connected, timeout=15, what="the API to notice Redis is gone")
        assert wakeups.poll_seconds == pytest.approx(0.2)
        worker.start()
        events = events_of(response)
        assert http.get(f"/v1/jobs/{job_id}").status_code == 200
        assert http.post(f"/v1/jobs/{job_id}/retry").status_code in (200, 409)  # an API write: no 500
    check_complete(events, 3)
    assert "is unreachable" in caplog.text and "poll the store every 0.2 s" in caplog.text
    assert gate.url.rpartition("@")[2].split("/")[2] in caplog.text  # the log names which Redis
    gate.open()
    with TestClient(app) as client, client.websocket_connect("/v1/ws") as ws:  # and it comes back
        ws.send_json({"action": "subscribe", "job_id": job_id, "after": 0})
        receive_until(ws, "ws.end")
        wait_until(lambda: wakeups_of(app).connected, timeout=15, what="the subscription to come back")


def test_an_unreachable_redis_from_the_start_only_means_polling(tmp_path: Path) -> None:
    closed_port = RedisGate()
    closed_port.close()  # nothing listens there any more
    url = f"sqlite:///{tmp_path / 'kiln.db'}"
    migrate(url)
    settings = Settings(auth="off", data_dir=tmp_path / "d", output_dir=tmp_path / "o", redis_url=closed_port.url)
    with ExitStack() as stack:
        cluster = Cluster(settings, url, stack)
        app = cluster.app(slow=False)
        job_id = submit(app, 2)
        cluster.worker().start()
        with TestClient(app) as client, client.websocket_connect("/v1/ws") as ws:
            ws.send_json({"action": "subscribe", "job_id": job_id, "after": 0})
            messages = receive_until(ws, "ws.end")
            assert client.post(f"/v1/jobs/{job_id}/cancel").status_code in (200, 409)
    assert messages[-1]["data"] == {"reason": "finished", "state": "completed"}
    check_complete(messages[1:-1], 2)


def test_a_redis_url_of_another_scheme_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(redis_url="http://127.0.0.1:6379")
    assert refused.value.errors()[0]["loc"] == ("redis_url",)
    assert Settings(redis_url="rediss://cache.example:6380/2").redis_url == "rediss://cache.example:6380/2"


def test_log_lines_never_show_the_redis_password() -> None:
    assert redacted("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert redacted("rediss://kiln:s3cret@cache:6380/1") == "rediss://kiln:***@cache:6380/1"
    assert redacted("redis://cache:6379/0") == "redis://cache:6379/0"
