"""Keys, ownership, quotas, CORS and the request size limit."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from kiln.api.hot_reads import KEY_SECONDS
from tests.api.conftest import SMALL, Api, ApiFactory, WorkerKind, bearer
from tests.conditions import wait_until


def test_no_key_or_a_wrong_key_is_401(secured: Api) -> None:
    for headers in ({}, bearer("kiln_not-a-key"), {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = secured.client.get("/v1/jobs", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["type"] == "unauthorized"


def test_revoked_key_is_401(secured: Api) -> None:
    record, token = secured.store.create_key("temp")
    assert secured.client.get("/v1/jobs", headers=bearer(token)).status_code == 200
    secured.store.revoke_key(record.id)
    revoked = time.monotonic()
    # keys are remembered for KEY_SECONDS (`kiln.api.hot_reads`): the revocation holds within that time
    wait_until(
        lambda: secured.client.get("/v1/jobs", headers=bearer(token)).status_code == 401,
        timeout=KEY_SECONDS + 5,
        interval=0.1,
        what="the revoked key to be refused",
    )
    assert time.monotonic() - revoked <= KEY_SECONDS + 1


def test_health_and_metrics_need_no_key(secured: Api) -> None:
    secured.store.beat("worker", {"loaded_models": ["tiny-sd"]})
    assert secured.client.get("/healthz").status_code == 200
    assert secured.client.get("/readyz").status_code == 200
    assert secured.client.get("/metrics").status_code == 200


@pytest.mark.parametrize("worker", ["fake", "real"])
def test_a_key_sees_only_its_own_jobs(make_api: ApiFactory, worker: WorkerKind) -> None:
    secured = make_api(auth="on", worker=worker)
    alice, bob = bearer(secured.key("alice")), bearer(secured.key("bob"))
    job_id = secured.submit(headers=alice, prompts=["mine"], defaults=SMALL)["id"]
    with secured.run_worker():
        assert secured.wait_final(job_id, headers=alice, timeout=120)["state"] == "completed"
    artifact = secured.client.get(f"/v1/jobs/{job_id}/artifacts", headers=alice).json()["data"][0]
    for method, path in (
        ("GET", f"/v1/jobs/{job_id}"),
        ("GET", f"/v1/jobs/{job_id}/items"),
        ("GET", f"/v1/jobs/{job_id}/artifacts"),
        ("GET", f"/v1/jobs/{job_id}/zip"),
        ("GET", f"/v1/jobs/{job_id}/events"),
        ("POST", f"/v1/jobs/{job_id}/cancel"),
        ("POST", f"/v1/jobs/{job_id}/retry"),
        ("DELETE", f"/v1/jobs/{job_id}"),
        ("GET", f"/v1/artifacts/{artifact['id']}"),
    ):
        response = secured.client.request(method, path, headers=bob)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["type"] == "not_found"
    response = secured.client.patch(f"/v1/jobs/{job_id}", json={"priority": 1}, headers=bob)
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"
    assert secured.client.get("/v1/jobs", headers=bob).json()["data"] == []
    assert [j["id"] for j in secured.client.get("/v1/jobs", headers=alice).json()["data"]] == [job_id]
    assert secured.client.get(f"/v1/artifacts/{artifact['id']}", headers=alice).status_code == 200


def test_quota_is_429_naming_the_limit(secured: Api) -> None:
    headers = bearer(secured.key("small", quota_per_day=100))
    secured.submit(headers=headers, prompts=["a"] * 49, n=2)
    response = secured.client.post("/v1/jobs", json={"prompts": ["b"] * 5}, headers=headers)
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["type"] == "quota_exceeded"
    wait = response.headers["retry-after"]
    assert error["message"] == (
        "quota of 100 images per rolling 24 hours: 98 used in the last 24 hours, this request needs 5; "
        f"retry in {wait} s"
    )
    assert 86_390 <= int(wait) <= 86_401
    secured.submit(headers=headers, prompts=["c", "d"])
    usage = secured.client.get("/v1/usage", headers=headers).json()
    assert usage == {
        "owner": usage["owner"],
        "key_name": "small",
        "images_last_24h": 100,
        "quota": 100,
        "remaining": 0,
        "window_hours": 24,
        "rule": "images per rolling 24 hours",
        "remote_cost_usd_last_24h": 0.0,
    }
    sync = secured.client.post("/v1/images", json={"prompt": "one more"}, headers=headers)
    assert sync.status_code == 429


def test_usage_with_auth_off(api: Api) -> None:
    assert api.client.get("/v1/usage").json() == {
        "owner": None,
        "key_name": None,
        "images_last_24h": 0,
        "quota": None,
        "remaining": None,
        "window_hours": 24,
        "rule": "images per rolling 24 hours",
        "remote_cost_usd_last_24h": 0.0,
    }


@pytest.fixture
def small(make_api: ApiFactory) -> Iterator[Api]:
    yield make_api(max_request_bytes=2048)


def test_request_too_large_is_413(small: Api) -> None:
    body = {"prompts": ["a long prompt " * 20] * 20}
    response = small.client.post("/v1/jobs", json=body)
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "request_too_large"
    assert "2048" in response.json()["error"]["message"]


def test_streamed_body_too_large_is_413(small: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"prompts": ["'
        for _ in range(10):
            yield b"x" * 500
        yield b'"]}'

    response = small.client.post("/v1/jobs", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "request_too_large"
    assert small.client.post("/v1/jobs", json={"prompts": ["fits"]}).status_code == 202


def test_cors(make_api: ApiFactory) -> None:
    api = make_api(cors_origins=["https://studio.example"])
    preflight = api.client.options(
        "/v1/jobs",
        headers={
            "Origin": "https://studio.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://studio.example"
    simple = api.client.get("/v1/jobs", headers={"Origin": "https://studio.example"})
    assert simple.headers["access-control-allow-origin"] == "https://studio.example"
    other = api.client.get("/v1/jobs", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
