"""Webhook delivery to a real HTTP receiver on 127.0.0.1: signed, retried with backoff, refused when private."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from kiln.config import Settings
from kiln.events.dispatcher import RETRY_DELAYS, WebhookDispatcher, delivery_id
from kiln.events.targets import Resolver
from kiln.events.webhooks import generate_secret, verify
from kiln.jobs.memory import MemoryStore
from kiln.jobs.outbox import WebhookDelivery
from tests.conditions import wait_until

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PAYLOAD = {"id": "01JOB", "state": "completed", "total": 2, "counts": {"done": 2}}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny HTTP server that records each POST and answers with `status` (and `headers`)."""

    url: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            state.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"no")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/kiln"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as http:
        yield http


def dispatcher(
    store: MemoryStore, client: httpx.Client, *, allow_private: bool = True, resolver: Resolver | None = None
) -> WebhookDispatcher:
    settings = Settings(webhook_allow_private=allow_private)
    extra: dict[str, Any] = {"resolver": resolver} if resolver is not None else {}
    return WebhookDispatcher(store, settings, client, secret=SECRET, now=lambda: NOW, **extra)


SECRET = generate_secret()


def only(store: MemoryStore, job_id: str = "01JOB") -> WebhookDelivery:
    [delivery] = store.list_webhooks(job_id)
    return delivery


def test_a_delivery_is_signed_and_verifies(receiver: Receiver, client: httpx.Client) -> None:
    store = MemoryStore()
    store.enqueue_webhook("01JOB", receiver.url, PAYLOAD)
    assert dispatcher(store, client).deliver_due() == 1
    [request] = receiver.requests
    assert request.path == "/hooks/kiln"
    assert request.headers["content-type"] == "application/json"
    assert verify(SECRET, request.headers, request.body)
    body = json.loads(request.body)
    assert body["type"] == "job.completed" and body["data"] == PAYLOAD
    assert request.headers["webhook-id"] == delivery_id(only(store))
    assert only(store).state == "delivered"
    assert dispatcher(store, client).deliver_due() == 0  # delivered once


def test_the_connection_goes_to_the_checked_address(receiver: Receiver, client: httpx.Client) -> None:
    store = MemoryStore()
    port = receiver.url.split(":")[2].split("/")[0]
    store.enqueue_webhook("01JOB", f"http://hooks.example.test:{port}/hooks/kiln", PAYLOAD)
    pinned = dispatcher(store, client, resolver=lambda host, port: ["127.0.0.1"])
    assert pinned.deliver_due() == 1
    assert receiver.requests[0].headers["host"] == f"hooks.example.test:{port}"


def test_a_failure_is_retried_with_backoff_then_dead(receiver: Receiver, client: httpx.Client) -> None:
    store = MemoryStore(clock=lambda: NOW)
    store.enqueue_webhook("01JOB", receiver.url, PAYLOAD)
    receiver.status = 500
    sender = dispatcher(store, client)
    assert sender.deliver_due() == 0
    delivery = only(store)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at == NOW + timedelta(seconds=RETRY_DELAYS[0])
    assert delivery.last_error is not None and delivery.last_error.startswith("HTTP 500")
    assert sender.deliver_due() == 0 and len(receiver.requests) == 1  # not due yet
    for attempt in range(2, len(RETRY_DELAYS) + 2):
        store._clock = lambda: only(store).next_attempt_at  # jump to the next due time
        sender.deliver_due()
        assert only(store).attempts == attempt
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery_id(delivery)] * (len(RETRY_DELAYS) + 1)
    assert len({r.body for r in receiver.requests}) == 1  # every retry sends the same body
    assert only(store).state == "dead"
    assert "gave up after 6 attempts" in (only(store).last_error or "")


def test_retry_after_is_honoured_and_gone_is_dead(receiver: Receiver, client: httpx.Client) -> None:
    store = MemoryStore(clock=lambda: NOW)
    store.enqueue_webhook("01JOB", receiver.url, PAYLOAD)
    receiver.status, receiver.headers = 503, {"retry-after": "120"}
    dispatcher(store, client).deliver_due()
    assert only(store).next_attempt_at == NOW + timedelta(seconds=120)
    store.enqueue_webhook("02JOB", receiver.url, PAYLOAD)
    receiver.status, receiver.headers = 410, {}
    dispatcher(store, client).deliver_due()
    assert only(store, "02JOB").state == "dead"


def test_an_unreachable_receiver_is_retried(client: httpx.Client) -> None:
    store = MemoryStore(clock=lambda: NOW)
    store.enqueue_webhook("01JOB", "http://127.0.0.1:9/closed", PAYLOAD)  # discard port: nothing listens
    dispatcher(store, client).deliver_due()
    delivery = only(store)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.last_error and "Connect" in delivery.last_error


def test_private_targets_are_refused_by_default(receiver: Receiver, client: httpx.Client) -> None:
    store = MemoryStore()
    store.enqueue_webhook("01JOB", receiver.url, PAYLOAD)
    store.enqueue_webhook("02JOB", "http://metadata.example.test/latest", PAYLOAD)
    guarded = dispatcher(store, client, allow_private=False, resolver=lambda host, port: ["169.254.169.254"])
    assert guarded.deliver_due() == 0
    assert receiver.requests == []
    for job_id in ("01JOB", "02JOB"):
        delivery = only(store, job_id)
        assert delivery.state == "dead"
        assert delivery.last_error and delivery.last_error.startswith("refused")


def delivered(store: MemoryStore, job_id: str) -> bool:
    return only(store, job_id).state == "delivered"


def test_the_thread_delivers_until_stopped(receiver: Receiver, client: httpx.Client) -> None:
    store = MemoryStore()
    sender = dispatcher(store, client)
    before = set(threading.enumerate())
    sender.start(interval=0.02)
    [thread] = [t for t in threading.enumerate() if t not in before and t.name == "webhooks"]
    try:
        for job_id in ("01JOB", "02JOB"):  # it keeps delivering while it runs
            store.enqueue_webhook(job_id, receiver.url, PAYLOAD)
            wait_until(partial(delivered, store, job_id), what=f"{job_id}'s delivery")
    finally:
        sender.stop(timeout=5)
    assert not thread.is_alive()  # stop() ended the thread, within its timeout
    store.enqueue_webhook("03JOB", receiver.url, PAYLOAD)
    threading.Event().wait(0.2)  # ten polling intervals of the stopped thread: nothing is sent
    assert only(store, "03JOB").state == "pending" and len(receiver.requests) == 2
