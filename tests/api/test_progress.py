"""A job's progress and ETA over HTTP: running items count by their reported fraction, canceled ones not at all."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


def test_a_one_item_job_moves_and_has_an_eta(api: Api) -> None:
    job_id = api.submit(prompts=["a lighthouse"])["id"]
    unit = api.store.claim("worker", max_items=1, lease_seconds=60)  # a worker took it, 1 of 4 steps made
    assert unit is not None
    api.store.append_event(job_id, "item.progress", {"step": 1, "steps": 4, "items": [0]})
    for job in (api.job(job_id, {"Cache-Control": "no-cache"}), api.job(job_id, include="results")):
        assert job["state"] == "running" and job["counts"]["running"] == 1
        assert job["progress"] == pytest.approx(0.25)
        assert job["eta_seconds"] is not None and job["eta_seconds"] > 0
        elapsed = job["elapsed_seconds"]
        assert job["eta_seconds"] == pytest.approx(3 * elapsed, rel=0.5)  # 3 parts to go at the rate of 1 so far


def test_a_canceled_job_shows_the_work_done_and_the_canceled_items_apart(api: Api) -> None:
    job_id = api.submit(prompts=[f"a fox, take {i}" for i in range(1000)])["id"]
    done = sum(api.worker.step() for _ in range(5))  # 5 units of 16
    assert done == 80
    canceled = api.client.post(f"/v1/jobs/{job_id}/cancel").json()
    assert canceled["state"] == "canceled"
    assert canceled["counts"] == {"pending": 0, "running": 0, "done": 80, "failed": 0, "canceled": 920}
    assert canceled["progress"] == pytest.approx(0.08)  # was 1.0: canceled items counted as finished
    assert canceled["eta_seconds"] == 0.0
    assert api.job(job_id)["progress"] == pytest.approx(0.08)
    listed = api.client.get("/v1/jobs").json()["data"][0]
    assert listed["progress"] == pytest.approx(0.08)
