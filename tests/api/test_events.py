"""Events out: Server-Sent Events (over a real uvicorn server) and the WebSocket (over the test client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.websockets import WebSocketDisconnect

from tests.api.conftest import Api, bearer, receive_until
from tests.api.fakes import live_server

pytestmark = pytest.mark.timeout(120)


def read_sse(response: httpx.Response) -> Iterator[dict[str, str]]:
    """SSE messages as dicts of their fields; a comment line comes as {"comment": text}."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if fields:
                yield fields
                fields = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
    if fields:
        yield fields


def events_of(response: httpx.Response) -> list[dict[str, Any]]:
    """Every event until the server ends the stream, with `data` decoded."""
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    found = []
    for message in read_sse(response):
        if "id" in message:
            data = json.loads(message["data"])
            assert data["id"] == int(message["id"]) and data["type"] == message["event"]
            found.append(data)
    return found


def test_sse_follows_a_job_to_completion_and_resumes(api: Api) -> None:
    job_id = api.submit(prompts=["a", "b", "c"])["id"]
    with live_server(api.app) as base, httpx.Client(base_url=base, timeout=30) as http:
        with http.stream("GET", f"/v1/jobs/{job_id}/events") as response:
            api.worker.start()
            events = events_of(response)  # returns once the server ends the stream
        ids = [e["id"] for e in events]
        assert ids == sorted(set(ids))
        assert events[0]["type"] == "job.state" and events[0]["data"]["state"] == "queued"
        assert events[-1]["type"] == "job.state" and events[-1]["data"]["state"] == "completed"
        done = [e for e in events if e["type"] == "item.state" and e["data"]["state"] == "done"]
        assert sorted(e["data"]["index"] for e in done) == [0, 1, 2]
        assert all(e["job_id"] == job_id for e in events)

        resume_from = ids[2]
        with http.stream("GET", f"/v1/jobs/{job_id}/events", headers={"Last-Event-ID": str(resume_from)}) as again:
            resumed = events_of(again)
        assert [e["id"] for e in resumed] == ids[3:]
        with http.stream("GET", f"/v1/jobs/{job_id}/events", params={"after": ids[-2]}) as tail:
            assert [e["id"] for e in events_of(tail)] == ids[-1:]


def test_sse_sends_keep_alives_while_nothing_happens(api: Api) -> None:
    job_id = api.submit(prompts=["waiting"])["id"]
    api.app.state.services.events.keep_alive_seconds = 0.2
    seen: list[dict[str, str]] = []
    with (
        live_server(api.app) as base,
        httpx.Client(base_url=base, timeout=30) as http,
        http.stream("GET", f"/v1/jobs/{job_id}/events") as response,
    ):
        for message in read_sse(response):
            seen.append(message)
            if message.get("comment") == "keep-alive":
                break
    assert seen[0] == {"retry": "2000"}
    assert seen[1].get("event") == "job.state"
    assert seen[-1] == {"comment": "keep-alive"}


def test_sse_bad_resume_point_names_it(api: Api) -> None:
    job_id = api.submit(prompts=["a"])["id"]
    response = api.client.get(f"/v1/jobs/{job_id}/events", headers={"Last-Event-ID": "abc"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Last-Event-ID"
    assert api.client.get("/v1/jobs/NOPE/events").status_code == 404


def test_websocket_subscription_follows_a_job(api: Api) -> None:
    job_id = api.submit(prompts=["a", "b"])["id"]
    with api.client.websocket_connect("/v1/ws") as ws:
        ws.send_json({"action": "subscribe", "job_id": job_id, "after": 0})
        assert ws.receive_json() == {"id": None, "job_id": job_id, "type": "ws.subscribed", "data": {"after": 0}}
        api.worker.start()
        messages = receive_until(ws, "ws.end")
    events = messages[:-1]
    assert messages[-1]["data"] == {"reason": "finished", "state": "completed"}
    assert all({"id", "job_id", "type", "data"} <= set(e) for e in events)
    assert [e["id"] for e in events] == sorted({e["id"] for e in events})
    assert events[-1]["type"] == "job.state" and events[-1]["data"]["state"] == "completed"
    assert sum(1 for e in events if e["type"] == "item.state" and e["data"]["state"] == "done") == 2


def test_websocket_resume_and_unsubscribe(api: Api) -> None:
    job_id = api.submit(prompts=["a"])["id"]
    with api.client.websocket_connect("/v1/ws") as ws:
        ws.send_json({"action": "subscribe", "job_id": job_id})
        first = receive_until(ws, "job.state")[-1]
        ws.send_json({"action": "unsubscribe", "job_id": job_id})
        assert receive_until(ws, "ws.unsubscribed")[-1]["data"] == {"subscribed": True}
        ws.send_json({"action": "subscribe", "job_id": job_id, "after": first["id"]})
        ws.receive_json()  # ws.subscribed
        api.worker.start()
        resumed = [m for m in receive_until(ws, "ws.end") if m["id"] is not None]
    assert resumed[0]["id"] > first["id"]


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("not json", None),
        ("[1, 2]", None),
        ('{"action": "dance", "job_id": "x"}', "action"),
        ('{"action": "subscribe"}', "job_id"),
        ('{"action": "subscribe", "job_id": "NOPE"}', "job_id"),
        ('{"action": "subscribe", "job_id": "NOPE", "after": -1}', "after"),
        ('{"action": "subscribe", "job_id": "NOPE", "after": "x"}', "after"),
    ],
)
def test_websocket_errors_name_the_field(api: Api, message: str, field: str | None) -> None:
    with api.client.websocket_connect("/v1/ws") as ws:
        ws.send_text(message)
        reply = ws.receive_json()
    assert reply["type"] == "ws.error" and reply["id"] is None
    assert reply["data"]["field"] == field and reply["data"]["message"]


def test_websocket_needs_a_key(secured: Api) -> None:
    alice, bob = secured.key("alice"), secured.key("bob")
    job_id = secured.submit(headers=bearer(alice), prompts=["a"])["id"]
    with pytest.raises(WebSocketDisconnect) as refused, secured.client.websocket_connect("/v1/ws"):
        pass
    assert refused.value.code == 1008
    with pytest.raises(WebSocketDisconnect), secured.client.websocket_connect("/v1/ws?token=wrong"):
        pass
    for path, headers in ((f"/v1/ws?token={alice}", {}), ("/v1/ws", bearer(alice))):
        with secured.client.websocket_connect(path, headers=headers) as ws:
            ws.send_json({"action": "subscribe", "job_id": job_id})
            assert ws.receive_json()["type"] == "ws.subscribed"
    with secured.client.websocket_connect("/v1/ws", headers=bearer(bob)) as ws:
        ws.send_json({"action": "subscribe", "job_id": job_id})
        reply = ws.receive_json()
    assert reply["type"] == "ws.error" and reply["data"]["field"] == "job_id"
