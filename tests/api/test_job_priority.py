"""`PATCH /v1/jobs/{id}`: a job's priority changes while it waits or runs, claims honour it; finished jobs and
other keys' jobs are refused. On the SQLite and the memory store."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import SMALL, Api, ApiFactory, bearer
from tests.api.fakes import FAIL_MARKER


@pytest.fixture(params=["sqlite", "memory"])
def keyed(request: pytest.FixtureRequest, make_api: ApiFactory) -> Api:
    """Auth on, with keys "alice" and "bob"."""
    api = make_api(auth="on", store=request.param)
    api.key("alice")
    api.key("bob")
    return api


def patch(api: Api, job_id: str, body: Any, who: str = "alice") -> Any:
    return api.client.patch(f"/v1/jobs/{job_id}", json=body, headers=bearer(api.tokens[who]))


def test_a_new_priority_is_shown_and_claimed_first(keyed: Api) -> None:
    alice = bearer(keyed.tokens["alice"])
    early = keyed.submit(headers=alice, prompts=["first"] * 3, defaults=SMALL)["id"]
    late = keyed.submit(headers=alice, prompts=["second"] * 2, defaults={**SMALL, "width": 96})["id"]
    response = patch(keyed, late, {"priority": 7})
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["id"] == late and view["priority"] == 7 and view["state"] == "queued"
    assert keyed.job(late, alice)["priority"] == 7  # the job's page says so at once
    unit = keyed.store.claim("w", max_items=8, lease_seconds=30)
    assert unit is not None and {i.job_id for i in unit.items} == {late}
    assert patch(keyed, early, {"priority": -10}).json()["priority"] == -10
    listed = keyed.client.get("/v1/jobs", headers=alice).json()["data"]
    assert {j["id"]: j["priority"] for j in listed} == {late: 7, early: -10}


def test_a_finished_job_is_409_and_keeps_its_priority(keyed: Api) -> None:
    alice = bearer(keyed.tokens["alice"])
    job_id = keyed.submit(headers=alice, prompts=["done"], defaults=SMALL)["id"]
    with keyed.worker:
        assert keyed.wait_final(job_id, alice)["state"] == "completed"
    response = patch(keyed, job_id, {"priority": 3})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["type"] == "conflict" and error["field"] == "priority"
    assert error["message"] == f"job {job_id} is completed: it has nothing left to run, so its priority can't change"
    assert keyed.job(job_id, alice)["priority"] == 0
    canceled = keyed.submit(headers=alice, prompts=["stop"], defaults=SMALL)["id"]
    keyed.client.post(f"/v1/jobs/{canceled}/cancel", headers=alice)
    assert "is canceled" in patch(keyed, canceled, {"priority": 3}).json()["error"]["message"]


def test_a_running_job_with_failures_takes_the_priority_for_its_retries(keyed: Api) -> None:
    alice = bearer(keyed.tokens["alice"])
    job_id = keyed.submit(headers=alice, prompts=["fine", f"{FAIL_MARKER}"], defaults=SMALL)["id"]
    with keyed.worker:
        assert keyed.wait_final(job_id, alice)["counts"]["failed"] == 1
    keyed.client.post(f"/v1/jobs/{job_id}/retry", headers=alice)
    assert patch(keyed, job_id, {"priority": 2}).json()["priority"] == 2


def test_another_keys_job_is_not_found(keyed: Api) -> None:
    job_id = keyed.submit(headers=bearer(keyed.tokens["alice"]), prompts=["mine"], defaults=SMALL)["id"]
    response = patch(keyed, job_id, {"priority": 5}, who="bob")
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"
    assert keyed.job(job_id, bearer(keyed.tokens["alice"]))["priority"] == 0
    assert patch(keyed, "01HZZZZZZZZZZZZZZZZZZZZZZZ", {"priority": 5}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"priority": 11}, "priority"),
        ({"priority": -11}, "priority"),
        ({"priority": 10**30}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"priority": "3"}, "priority"),
        ({"priority": True}, "priority"),
        ({"priority": None}, "priority"),
        ({"priority": 1.5}, "priority"),
        ({"priority": [1]}, "priority"),
        ({}, "priority"),
        ({"priority": 1, "state": "completed"}, "state"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(keyed: Api, body: dict[str, Any], field: str) -> None:
    job_id = keyed.submit(headers=bearer(keyed.tokens["alice"]), prompts=["x"], defaults=SMALL)["id"]
    response = patch(keyed, job_id, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
