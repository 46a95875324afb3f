"""Quotas through the API: concurrent submits over real HTTP on SQLite and PostgreSQL, usage that survives deleting
a job, motion jobs charged their frames, and the one rule said the same way in the 429, `/v1/usage`, the CLI help
and the README."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from kiln.api import create_app
from kiln.cli.app import app as cli_app
from kiln.config import Settings
from kiln.jobs.quota import QUOTA_RULE
from kiln.jobs.sql import SqlStore
from kiln.storage.local import LocalStorage
from tests.api.conftest import Api, ApiFactory, bearer
from tests.api.fakes import live_server
from tests.store.conftest import (  # the SQL store fixtures, for this module's live servers
    FakeClock,
    empty_postgres_url,  # noqa: F401
    postgres_url,  # noqa: F401
    sql_url,  # noqa: F401
    sqlite_url,  # noqa: F401
)

pytestmark = pytest.mark.timeout(120)
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def served(sql_url: str, tmp_path: Path) -> Iterator[tuple[str, SqlStore]]:  # noqa: F811
    """`kiln serve`'s app with auth on over a migrated SQLite or PostgreSQL store, served by uvicorn."""
    settings = Settings(data_dir=tmp_path / "data", output_dir=tmp_path / "out", auth="on")
    store = SqlStore(sql_url)
    app = create_app(settings, store=store, keys=store, storage=LocalStorage(settings.output_dir))
    try:
        with live_server(app) as base_url:
            yield base_url, store
    finally:
        store.close()


def test_twenty_concurrent_submits_accept_exactly_what_the_quota_allows(served: tuple[str, SqlStore]) -> None:
    base_url, store = served
    _, token = store.create_key("racer", quota_per_day=50)
    barrier = threading.Barrier(20)
    answers: list[httpx.Response] = []

    def submit() -> None:
        with httpx.Client(base_url=base_url, headers=bearer(token), timeout=60) as client:
            barrier.wait()
            answers.append(client.post("/v1/jobs", json={"prompts": ["a race"], "n": 5}))

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [202] * 10 + [429] * 10
    for refused in (answer for answer in answers if answer.status_code == 429):
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["error"]["type"] == "quota_exceeded"
    with httpx.Client(base_url=base_url, headers=bearer(token)) as client:
        assert client.get("/v1/usage").json()["images_last_24h"] == 50
        assert len(client.get("/v1/jobs").json()["data"]) == 10


def test_deleting_a_job_gives_no_images_back(secured: Api) -> None:
    headers = bearer(secured.key("small", quota_per_day=5))
    job_id = secured.submit(headers=headers, prompts=["one"], n=5)["id"]
    assert secured.client.delete(f"/v1/jobs/{job_id}", headers=headers).status_code in (200, 204)
    assert secured.client.get(f"/v1/jobs/{job_id}", headers=headers).status_code == 404
    usage = secured.client.get("/v1/usage", headers=headers).json()
    assert (usage["images_last_24h"], usage["remaining"]) == (5, 0)
    assert secured.client.post("/v1/jobs", json={"prompts": ["again"]}, headers=headers).status_code == 429


def test_the_429_says_the_rule_and_when_to_retry(make_api: ApiFactory) -> None:
    clock = FakeClock(datetime.now(UTC))
    api = make_api(auth="on", clock=clock)
    headers = bearer(api.key("small", quota_per_day=10))
    api.submit(headers=headers, prompts=["first"], n=4)
    clock.advance(3600)
    api.submit(headers=headers, prompts=["second"], n=6)
    clock.advance(60)
    refused = api.client.post("/v1/jobs", json={"prompts": ["third"], "n": 4}, headers=headers)
    assert refused.status_code == 429
    # the first job's 4 images leave the window 24 h after it: 23 h - 60 s from now (and one second, to be past it)
    assert refused.headers["retry-after"] == str(23 * 3600 - 60 + 1)
    assert refused.json()["error"]["message"] == (
        f"quota of 10 {QUOTA_RULE}: 10 used in the last 24 hours, this request needs 4; retry in {23 * 3600 - 59} s"
    )
    clock.advance(23 * 3600 - 59)
    api.submit(headers=headers, prompts=["third"], n=4)


def animation(frames: int) -> dict[str, Any]:
    return {"model": "tiny-sd", "prompts": {"0": "a forest"}, "frames": frames, "width": 64, "height": 64}


TINY_WAN_17 = {"model": "tiny-wan", "prompt": "a boat", "frames": 17, "width": 32, "height": 32}


@pytest.mark.parametrize(
    ("path", "body", "field", "unit"),
    [
        ("/v1/jobs", {"prompts": ["big"], "n": 11}, "n", "images"),
        ("/v1/jobs", {"prompts": ["p"] * 11}, "prompts", "images"),
        ("/v1/jobs", {"items": [{"prompt": "p"}] * 11}, "items", "images"),
        ("/v1/images", {"prompt": "big", "n": 11}, "n", "images"),
        ("/v1/jobs", {"kind": "animation", "items": [animation(11)]}, "items.0.frames", "frames"),
        ("/v1/jobs", {"kind": "animation", "items": [animation(6), animation(6)]}, "items", "frames"),
        ("/v1/jobs", {"kind": "video", "items": [TINY_WAN_17]}, "items.0.frames", "frames"),
    ],
)
def test_a_job_bigger_than_the_whole_quota_is_a_422_naming_its_size(
    secured: Api, path: str, body: dict[str, Any], field: str, unit: str
) -> None:
    """It can never fit, so it is bad input naming what sets its size, never a 429 that invites retries."""
    headers = bearer(secured.key("small", quota_per_day=10))
    answer = secured.client.post(path, json=body, headers=headers)
    assert answer.status_code == 422 and "retry-after" not in answer.headers, answer.text
    error = answer.json()["error"]
    assert (error["type"], error["field"], error["quota"]) == ("over_quota", field, 10)
    needed = error["needed"]
    counted = " (each frame a model generates counts as an image)" if unit == "frames" else ""
    assert needed > 10 and error["message"] == (
        f"this request needs {needed} {unit}, more than the whole quota of 10 {QUOTA_RULE}{counted}, "
        f"so it can never fit: lower {field} to need at most 10, or split the work into several jobs"
    )
    assert secured.client.get("/v1/usage", headers=headers).json()["images_last_24h"] == 0  # nothing charged


def test_a_job_that_fits_later_is_a_429_and_one_that_never_fits_a_400_on_the_openai_route(secured: Api) -> None:
    headers = bearer(secured.key("small", quota_per_day=10))
    post = secured.client.post
    secured.submit(headers=headers, prompts=["most"], n=8)
    later = post("/v1/jobs", json={"prompts": ["three"], "n": 3}, headers=headers)
    assert later.status_code == 429 and int(later.headers["retry-after"]) > 0
    # on the OpenAI route: a 400 invalid_request_error (its retries are for 429s), naming `n`
    three = bearer(secured.key("three", quota_per_day=3))
    openai = post("/v1/images/generations", json={"prompt": "big", "n": 4}, headers=three)
    assert openai.status_code == 400, openai.text
    error = openai.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "over_quota", "n")
    assert "needs 4 images" in error["message"] and "can never fit" in error["message"]
    assert "x-should-retry" not in openai.headers


def test_the_rule_reads_the_same_everywhere(secured: Api) -> None:
    """The CLI help, the README, `/v1/usage` (its documentation) and the 429 say "images per rolling 24 hours"."""
    help_text = CliRunner().invoke(cli_app, ["keys", "create", "--help"]).output
    flowing = re.sub(r"[\s│]+", " ", help_text)  # rich wraps the help inside a box
    assert QUOTA_RULE in flowing.lower() and "UTC day" not in flowing
    assert QUOTA_RULE in " ".join(README.read_text().split())
    schema = secured.client.get("/openapi.json").json()
    usage = schema["components"]["schemas"]["Usage"]["properties"]
    assert QUOTA_RULE in usage["quota"]["description"]
    assert "quota_per_day" not in usage and "remaining_today" not in usage  # no "per day" names
    assert "rolling 24 hours" in schema["paths"]["/v1/usage"]["get"]["summary"]
    headers = bearer(secured.key("tiny", quota_per_day=1))
    assert secured.client.get("/v1/usage", headers=headers).json()["rule"] == QUOTA_RULE
    refused = secured.client.post("/v1/jobs", json={"prompts": ["a", "b"]}, headers=headers)
    assert QUOTA_RULE in refused.json()["error"]["message"]


def test_motion_jobs_count_the_frames_a_model_generates(secured: Api) -> None:
    headers = bearer(secured.key("director", quota_per_day=100_000))
    body = {"kind": "animation", "items": [animation(100_000)]}
    assert secured.client.post("/v1/jobs", json=body, headers=headers).status_code == 202
    usage = secured.client.get("/v1/usage", headers=headers).json()
    assert (usage["images_last_24h"], usage["remaining"]) == (100_000, 0)
    refused = secured.client.post("/v1/jobs", json={"kind": "animation", "items": [animation(1)]}, headers=headers)
    assert refused.status_code == 429 and "this request needs 1;" in refused.json()["error"]["message"]

    other = bearer(secured.key("editor", quota_per_day=60))
    video = {"model": "tiny-ltx", "prompt": "a boat", "frames": 33, "segments": 3, "width": 32, "height": 32}
    # three segments of 17 frames (each begins with the last frame of the one before): 51 generated, 33 shown
    secured.submit(headers=other, kind="video", items=[video])
    assert secured.client.get("/v1/usage", headers=other).json()["images_last_24h"] == 51
    secured.submit(headers=other, kind="animation", items=[animation(5), animation(4)])
    assert secured.client.get("/v1/usage", headers=other).json()["images_last_24h"] == 60
    refused = secured.client.post("/v1/jobs", json={"kind": "video", "items": [video]}, headers=other)
    assert refused.status_code == 429
    assert re.search(r"60 used in the last 24 hours, this request needs 51;", refused.json()["error"]["message"])
