"""`GET /v1/status`: the live workers (as `/readyz` bounds them) with device and loaded models, the queue as counts
over every key, the caller's usage, the version and whether keys are needed."""

from __future__ import annotations

import socket
from typing import Any

import pytest

import kiln
from kiln.engine.executor import Engine
from tests.api.conftest import SMALL, Api, ApiFactory, StoreKind, bearer
from tests.api.real_worker import RealWorker
from tests.conditions import wait_until
from tests.store.conftest import FakeClock

HEARTBEAT = 5.0


def status(api: Api, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = api.client.get("/v1/status", headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_live_worker_shows_with_its_device_and_loaded_model(
    make_api: ApiFactory, store: StoreKind, engine: Engine
) -> None:
    api = make_api(auth="on", store=store, heartbeat_seconds=0.1)
    alice = bearer(api.key("alice", quota_per_day=50))
    before = status(api, alice)
    assert before["workers"] == [] and before["version"] == kiln.__version__ and before["auth"] == "on"
    job_id = api.submit(alice, prompts=["a lighthouse", "a harbour"], defaults=SMALL)["id"]
    assert status(api, alice)["queue"] == {"queued_items": 2, "running_items": 0, "queued_jobs": 1, "running_jobs": 0}
    with RealWorker(api.store, api.storage, api.settings, engine, registry=api.store):
        assert api.wait_final(job_id, alice, timeout=120)["state"] == "completed"

        def reported() -> dict[str, Any] | None:
            workers = status(api, alice)["workers"]
            return workers[0] if workers and workers[0]["images"] == 2 else None

        worker = wait_until(reported, timeout=30, what="the worker's beat after its job")
        assert worker["worker_id"] == "api-test-worker" and worker["host"] == socket.gethostname()
        assert worker["device"] == "cpu" and worker["state"] in ("idle", "busy")
        assert "tiny-sd" in worker["models"] and worker["seen_at"]
        now = status(api, alice)
        assert now["queue"] == {"queued_items": 0, "running_items": 0, "queued_jobs": 0, "running_jobs": 0}
        assert now["usage"] == api.client.get("/v1/usage", headers=alice).json()
        assert now["usage"]["images_last_24h"] == 2 and now["usage"]["remaining"] == 48
    assert status(api, alice)["workers"] == []  # a clean stop leaves the registry


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_workers_are_live_within_the_bound_of_readyz(make_api: ApiFactory, store: StoreKind) -> None:
    clock = FakeClock()
    api = make_api(store=store, clock=clock, heartbeat_seconds=HEARTBEAT)
    api.store.beat("gpu-0", {"host": "box", "device": "cuda:0", "state": "busy", "loaded_models": ["tiny-flux"]})
    clock.advance(3 * HEARTBEAT)
    assert [w["worker_id"] for w in status(api)["workers"]] == ["gpu-0"]
    assert api.client.get("/readyz").json()["checks"]["workers"] == 1
    clock.advance(0.5)
    assert status(api)["workers"] == [] and api.client.get("/readyz").json()["checks"]["workers"] == 0
    assert status(api)["auth"] == "off" and status(api)["usage"]["owner"] is None


def test_what_a_worker_reports_oddly_reads_as_unreported(make_api: ApiFactory) -> None:
    api = make_api(store="memory")
    api.store.beat(
        "odd",
        {
            "host": 7,
            "device": ["cuda"],
            "state": None,
            "images": True,
            "loaded_models": ["/srv/models/portraits", "C:\\models\\cartoon.safetensors", 3, "org/hub-model"],
        },
    )
    api.store.beat("bare", {})
    odd, bare = status(api)["workers"][1], status(api)["workers"][0]
    assert (odd["host"], odd["device"], odd["state"], odd["images"]) == (None, None, None, 0)
    assert odd["models"] == ["portraits", "cartoon", "org/hub-model"]  # never a server path
    assert bare["worker_id"] == "bare" and bare["models"] == [] and bare["images"] == 0


def test_counts_cover_every_key_and_show_none_of_their_jobs(make_api: ApiFactory) -> None:
    api = make_api(auth="on")
    alice, bob = bearer(api.key("alice")), bearer(api.key("bob", quota_per_day=10))
    theirs = api.submit(bob, prompts=["bob's secret"] * 4, defaults=SMALL)["id"]
    api.submit(alice, prompts=["mine"], defaults=SMALL)
    assert api.store.claim("w", max_items=3, lease_seconds=60) is not None  # bob's job first: 3 of his running
    response = api.client.get("/v1/status", headers=alice)
    assert response.status_code == 200 and theirs not in response.text and "secret" not in response.text
    body = response.json()
    assert body["queue"] == {"queued_items": 2, "running_items": 3, "queued_jobs": 1, "running_jobs": 1}
    assert body["usage"]["key_name"] == "alice" and body["usage"]["images_last_24h"] == 1
    assert status(api, bob)["usage"]["images_last_24h"] == 4 and status(api, bob)["usage"]["remaining"] == 6
    assert api.client.get("/v1/status").status_code == 401
    assert api.client.get("/v1/status", headers=bearer("kiln_not-a-key")).status_code == 401
