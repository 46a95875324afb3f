"""`POST /v1/estimate`: a job body planned as `POST /v1/jobs` plans it, nothing stored or charged; batches as the
claims cut them; seconds from the rates the real worker records; every key's queue ahead as a count."""

from __future__ import annotations

from typing import Any

import pytest

from kiln.jobs.sql import SqlStore
from kiln.types import Signature
from tests.api.conftest import SMALL, Api, ApiFactory, StoreKind, bearer

BOTH: list[StoreKind] = ["sqlite", "postgres"]


def estimate(api: Api, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    response = api.client.post("/v1/estimate", json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("store", BOTH)
def test_seconds_are_unknown_until_a_worker_ran_the_signature(make_api: ApiFactory, store: StoreKind) -> None:
    api = make_api(auth="on", store=store, worker="real")
    alice = bearer(api.key("alice", quota_per_day=100))
    body: dict[str, Any] = {"prompts": ["a fox", "a heron", "a frog"], "defaults": SMALL}
    before = estimate(api, alice, **body)
    assert before["items"] == 3 and before["batches"] == 1 and before["queue_ahead_items"] == 0
    assert before["seconds"] is None and before["seconds_per_image"] is None
    assert before["basis"].startswith("unknown: no worker has run tiny-sd txt2img 64x64 2 steps")
    assert api.client.get("/v1/jobs", headers=alice).json()["data"] == []  # nothing stored
    assert api.client.get("/v1/usage", headers=alice).json()["images_last_24h"] == 0  # nor charged

    job_id = api.submit(alice, **body)["id"]
    assert estimate(api, alice, **body)["queue_ahead_items"] == 3  # its own job now waits ahead of it
    with api.run_worker():
        assert api.wait_final(job_id, alice, timeout=120)["state"] == "completed"
    after = estimate(api, alice, **body)
    assert after["seconds"] is not None and after["seconds"] > 0 and after["queue_ahead_items"] == 0
    assert after["seconds_per_image"] == pytest.approx(after["seconds"] / 3)
    assert "recent seconds per image of its signature (learnt from 1 units)" in after["basis"]
    wider = estimate(api, alice, prompts=["a fox"], defaults={**SMALL, "width": 128})
    assert wider["seconds"] is None  # another signature: not run yet
    mixed = estimate(api, alice, items=[{"prompt": "a fox", **SMALL}, {"prompt": "a fox", **SMALL, "steps": 3}])
    assert mixed["seconds"] is None and "(1 of 2)" in mixed["basis"]


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_batches_are_what_the_claims_cut(make_api: ApiFactory, store: StoreKind) -> None:
    """Two signatures (10 and 3 items) under the live workers' micro-batch, the job's, or the server's setting;
    then the job is stored and claimed unit by unit, as many units as the estimate said."""
    api = make_api(store=store)
    items = [{"prompt": f"p{i}", **SMALL} for i in range(10)] + [{"prompt": "w", **SMALL, "width": 128}] * 3
    assert estimate(api, items=items)["batches"] == 2  # no worker says: one batch per signature
    assert estimate(api, items=items, micro_batch=3)["batches"] == 4 + 1
    api.store.beat("small-gpu", {"micro_batch": 4})
    api.store.beat("big-gpu", {"micro_batch": 16})
    api.store.beat("odd", {"micro_batch": "lots"})  # not a size: not counted
    answer = estimate(api, items=items)
    assert answer["batches"] == 3 + 1 and "batches of up to 4 (the live workers' micro-batch)" in answer["basis"]
    assert estimate(api, items=items, micro_batch=8)["batches"] == 3 + 1  # the worker's is smaller
    piecemeal = estimate(api, items=items, micro_batch=3)
    assert piecemeal["batches"] == 4 + 1 and "(the job's micro_batch)" in piecemeal["basis"]
    assert estimate(api, prompts=["a", "b"], defaults=SMALL, n=5)["batches"] == 3  # 10 items of one signature

    api.submit(items=items, micro_batch=3)
    units = 0
    while (unit := api.store.claim("w", max_items=4, lease_seconds=60)) is not None:
        units += 1
        assert len({r.image.signature() for r in unit.items}) == 1
    assert units == piecemeal["batches"]


def test_the_servers_micro_batch_counts_while_no_worker_is_live(make_api: ApiFactory) -> None:
    api = make_api(micro_batch=5)
    answer = estimate(api, prompts=["x"] * 12, defaults=SMALL)
    assert answer["batches"] == 3 and "(KILN_MICRO_BATCH)" in answer["basis"]


def test_rates_of_several_signatures_add_up(make_api: ApiFactory) -> None:
    api = make_api(store="memory")
    small = Signature("tiny-sd", "txt2img", 64, 64, 2, 7.5, "euler")
    wide = Signature("tiny-sd", "txt2img", 128, 64, 2, 7.5, "euler")
    items = [{"prompt": "a", **SMALL, "guidance": 7.5, "scheduler": "euler"}] * 4
    items += [{"prompt": "b", **SMALL, "width": 128, "guidance": 7.5, "scheduler": "euler"}] * 2
    api.store.record_rate(small.key(), 0.5)
    api.store.record_rate(wide.key(), 2.0)
    api.store.record_rate(wide.key(), 2.0)
    answer = estimate(api, items=items)
    assert answer["seconds"] == pytest.approx(4 * 0.5 + 2 * 2.0)
    assert answer["seconds_per_image"] == pytest.approx(6.0 / 6)
    assert "each of its 2 signatures (learnt from 3 units)" in answer["basis"]


def test_the_queue_ahead_counts_every_keys_work_and_shows_none_of_it(make_api: ApiFactory) -> None:
    api = make_api(auth="on")
    alice, bob = bearer(api.key("alice")), bearer(api.key("bob"))
    theirs = api.submit(bob, prompts=["bob's secret"] * 5, defaults=SMALL)["id"]
    assert api.store.claim("w", max_items=2, lease_seconds=60) is not None  # two of them running
    response = api.client.post("/v1/estimate", json={"prompts": ["mine"]}, headers=alice)
    assert response.status_code == 200 and response.json()["queue_ahead_items"] == 5
    assert theirs not in response.text and "secret" not in response.text
    assert api.client.post("/v1/estimate", json={"prompts": ["mine"]}).status_code == 401


@pytest.mark.parametrize("store", BOTH)
def test_bad_bodies_get_the_same_refusals_as_a_submit(make_api: ApiFactory, store: StoreKind) -> None:
    api = make_api(auth="on", store=store)
    alice = bearer(api.key("alice", quota_per_day=3))
    bob = bearer(api.key("bob"))
    upload = api.client.post("/v1/uploads", files={"file": ("a.png", _png())}, headers=bob).json()["ref"]
    bodies: list[tuple[Any, str | None]] = [
        ({}, "items"),
        ({"prompts": []}, "prompts"),
        ({"prompts": "one string"}, "prompts"),
        ({"prompts": ["x"], "items": [{"prompt": "y"}]}, "prompts"),
        ({"prompts": ["x"], "n": 0}, "n"),
        ({"prompts": ["x"], "n": 10**12}, "n"),
        ({"prompts": ["x"] * 3, "n": 4000}, "n"),
        ({"prompts": ["x"], "defaults": {"width": 10**9}}, "defaults.width"),
        ({"prompts": ["x"], "defaults": {"steps": -1}}, "defaults.steps"),
        ({"items": [{"prompt": "x", "model": "../../etc/passwd"}]}, "items.0.model"),
        ({"items": [{"prompt": "x", "model": "/srv/models/mine"}]}, "items.0.model"),
        ({"items": [{"prompt": "x", "style": "no-such-style"}]}, "items.0.style"),
        ({"prompts": ["a\x00b"]}, "prompts.0"),
        ({"items": [{"prompt": "x", "model": "tiny\x00sd"}]}, "items.0.model"),
        ({"prompts": ["x"], "defaults": {"scheduler": "\x1b[31m"}}, "defaults.scheduler"),
        ({"prompts": ["x"], "start_seed": -1}, "start_seed"),
        ({"prompts": ["x"], "prefix": "../up"}, "prefix"),
        ({"prompts": ["x"], "prefix": "ä" * 130}, "prefix"),
        ({"prompts": ["x"], "webhook_url": "http://10.0.0.1/hook"}, "webhook_url"),
        ({"prompts": ["x"], "micro_batch": 0}, "micro_batch"),
        ({"prompts": ["x"], "priority": 11}, "priority"),
        ({"prompts": ["x"], "surprise": True}, "surprise"),
        ({"items": [{"prompt": "x", **SMALL, "init_image": upload, "strength": 0.5}]}, "items.0.init_image"),
        ([1, 2, 3], None),
    ]
    for body, field in bodies:
        submitted = api.client.post("/v1/jobs", json=body, headers=alice)
        estimated = api.client.post("/v1/estimate", json=body, headers=alice)
        assert estimated.status_code == submitted.status_code == 422, (body, submitted.text, estimated.text)
        error, submit_error = estimated.json()["error"], submitted.json()["error"]
        assert (error["type"], error["field"]) == (submit_error["type"], field), (body, estimated.text)
        if isinstance(body, dict):  # (a list is no job of any kind to the submit, and no object to the estimate)
            assert error["message"] == submit_error["message"], body
    surrogate = '{"prompts": ["a\\ud800b"]}'
    for path in ("/v1/jobs", "/v1/estimate"):
        response = api.client.post(path, content=surrogate, headers={**alice, "content-type": "application/json"})
        assert response.status_code == 422 and response.json()["error"]["field"] == "prompts.0", response.text
    video = {"kind": "video", "items": [{"model": "tiny-ltx", "frames": 9}]}
    refused = api.client.post("/v1/estimate", json=video, headers=alice)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "kind"
    # no quota check: alice may ask what 40 images would take, though she may make 3 a day
    assert estimate(api, alice, prompts=["x"] * 40, defaults=SMALL)["items"] == 40
    too_many = api.client.post("/v1/jobs", json={"prompts": ["x"] * 40}, headers=alice)
    assert too_many.status_code == 422 and too_many.json()["error"]["type"] == "over_quota"
    assert api.client.get("/healthz").status_code == 200


def test_a_large_job_is_estimated_without_being_stored(make_api: ApiFactory) -> None:
    api = make_api()
    answer = estimate(api, prompts=[f"prompt {i}" for i in range(2000)], defaults=SMALL, n=5)
    assert answer["items"] == 10_000 and answer["batches"] == 1
    assert isinstance(api.store, SqlStore) and api.store.stats().jobs["queued"] == 0


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (48, 40), "teal").save(buffer, format="PNG")
    return buffer.getvalue()
