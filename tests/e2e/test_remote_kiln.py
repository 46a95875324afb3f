"""kiln on kiln: a first `kiln serve` (no device worker; a provider worker for `openai:`) sends a 100-item job of
`openai:tiny-sd` to a second, real `kiln serve` through its OpenAI Images route.

- The job completes with 100 artifacts whose embedded recipe names the backend, the remote id and the cost; the
  cost shows in the first kiln's `/v1/usage`.
- The first kiln is killed with -9 (its whole process group) mid-job and started again on the same folders: the
  job completes, and the second kiln made exactly one job per item (so no item was generated, or paid for, twice),
  though it was sent more requests than that (the resumed items' requests, answered by their Idempotency-Key).
- Canceling a job on the first kiln cancels the work it started on the second (`DELETE
  /v1/images/generations/{key}`), and no new request is sent after that.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kiln.jobs.sql.store import SqlStore
from kiln.jobs.sql.tables import ITEMS, JOBS
from kiln.media.images import read_metadata
from tests.conditions import wait_until
from tests.e2e.server import ServeProcess, create_key, serve_env, serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches process groups in /proc (Linux)"),
]

TOTAL = 100
PRICE = 0.002
KILL_AT = 30


@contextmanager
def store_at(root: Path) -> Iterator[SqlStore]:
    store = SqlStore(f"sqlite:///{root / 'data' / 'kiln.db'}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, str, Path]]:
    """The second kiln (the remote): one CPU worker making tiny-sd; its server, a key, and its folder."""
    root = tmp_path_factory.mktemp("remote")
    env = serve_env(root, KILN_MICRO_BATCH="8", KILN_PRELOAD_MODEL="true")
    key = create_key(env, "first-kiln")
    with serving(env, root / "serve.log") as server:
        yield server, key, root


def first_env(root: Path, remote: ServeProcess, remote_key: str, concurrency: int) -> dict[str, str]:
    return serve_env(
        root,
        KILN_OPENAI_BASE_URL=f"{remote.url}/v1",
        KILN_OPENAI_API_KEY=remote_key,
        KILN_OPENAI_KILN_FIELDS="true",
        KILN_OPENAI_CONCURRENCY=str(concurrency),
        KILN_REMOTE_PRICES=json.dumps({"openai:tiny-sd": PRICE}),
        KILN_LEASE_SECONDS="3",
        KILN_HEARTBEAT_SECONDS="0.5",
    )


def submit(client: httpx.Client, count: int, steps: int) -> str:
    body = {
        "prompts": [f"a lighthouse number {i}" for i in range(count)],
        "defaults": {"model": "openai:tiny-sd", "width": 32, "height": 32, "steps": steps},
        "start_seed": 7,
    }
    response = client.post("/v1/jobs", json=body)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id


def job_of(client: httpx.Client, job_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/jobs/{job_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def remote_jobs(remote_root: Path, job_id: str) -> list[tuple[str, str]]:
    """(idempotency key, state) of the remote's jobs that the first kiln's job `job_id` made."""
    with store_at(remote_root) as store, store.engine.connect() as conn:
        query = select(JOBS.c.idempotency_key, JOBS.c.state).where(JOBS.c.idempotency_key.like(f"kiln-{job_id}-%"))
        return [(key, state) for key, state in conn.execute(query).tuples()]


def test_a_job_on_another_kiln_survives_a_kill_9_without_paying_twice(
    remote: tuple[ServeProcess, str, Path], tmp_path: Path
) -> None:
    remote_server, remote_key, remote_root = remote
    env = first_env(tmp_path, remote_server, remote_key, concurrency=8)
    key = create_key(env)
    headers = {"Authorization": f"Bearer {key}"}
    first = ServeProcess(env, tmp_path / "serve-1.log", workers=0)
    first.start()
    try:
        with httpx.Client(base_url=first.url, headers=headers, timeout=30) as client:
            models = [m["id"] for m in client.get("/v1/models").json()["data"]]
            assert "openai:tiny-sd" in models
            job_id = submit(client, TOTAL, steps=2)
            wait_until(
                lambda: job_of(client, job_id)["counts"]["done"] >= KILL_AT,
                timeout=300,
                interval=0.05,
                what=f"{KILL_AT} items done before the kill",
            )
        first.kill_group()
    finally:
        first.stop()
    with store_at(tmp_path) as store, store.engine.connect() as conn:
        in_flight = conn.execute(select(func.count()).where(ITEMS.c.state == "running")).scalar_one()
    assert in_flight > 0, "the kill should cut items in flight"

    with (
        serving(env, tmp_path / "serve-2.log", port=first.port, workers=0) as again,
        httpx.Client(base_url=again.url, headers=headers, timeout=30) as client,
    ):
        wait_until(
            lambda: job_of(client, job_id)["state"] in ("completed", "failed"),
            timeout=600,
            interval=0.2,
            what="the job to complete after the restart",
        )
        final = job_of(client, job_id)
        assert final["state"] == "completed" and final["counts"]["done"] == TOTAL, final
        artifacts = client.get(f"/v1/jobs/{job_id}/artifacts", params={"limit": 1000}).json()["data"]
        usage = client.get("/v1/usage").json()
    assert len(artifacts) == TOTAL

    with store_at(tmp_path) as store:
        records = store.list_artifacts(job_id)
        items = store.list_items(job_id, limit=1000)
    assert len(records) == TOTAL and len({a.index for a in records}) == TOTAL
    for record in records:
        remote_meta = record.metadata["remote"]
        assert remote_meta["backend"] == "openai" and remote_meta["cost_usd"] == PRICE
        assert remote_meta["remote_id"].startswith(f"kiln-{job_id}-")
        embedded = read_metadata((tmp_path / "out" / record.storage_key).read_bytes())
        assert embedded.recipe is not None and embedded.recipe["remote"]["backend"] == "openai"
        assert embedded.recipe["item"]["model"] == "openai:tiny-sd"
    assert usage["remote_cost_usd_last_24h"] == pytest.approx(TOTAL * PRICE)
    resumed = [item for item in items if item.attempts > 0]
    assert resumed, "some items were cut by the kill and resumed"

    # counted on the remote: one job (one image) per item, though resumed items sent their requests again
    made = remote_jobs(remote_root, job_id)
    assert len(made) == TOTAL and {state for _, state in made} == {"completed"}
    assert {key for key, _ in made} == {item.remote_id for item in items}
    posts = len(re.findall(r'"POST /v1/images/generations HTTP/1.1" 200', remote_server.log()))
    assert posts > TOTAL - 1  # every item at least once (the log may hold other tests' requests too)


def test_canceling_a_job_cancels_its_work_on_the_other_kiln(
    remote: tuple[ServeProcess, str, Path], tmp_path: Path
) -> None:
    remote_server, remote_key, remote_root = remote
    env = first_env(tmp_path, remote_server, remote_key, concurrency=2)
    key = create_key(env)
    headers = {"Authorization": f"Bearer {key}"}
    with (
        httpx.Client(base_url=remote_server.url, headers={"Authorization": f"Bearer {remote_key}"}) as direct,
        serving(env, tmp_path / "serve.log", workers=0) as first,
        httpx.Client(base_url=first.url, headers=headers, timeout=30) as client,
    ):
        # the remote's worker is kept busy by an older job of the same key at the same priority, so the first
        # kiln's requests wait there, queued, until they are canceled
        blocker = {"prompts": ["a slow storm"] * 16, "defaults": {"width": 64, "height": 64, "steps": 150}}
        response = direct.post("/v1/jobs", json={**blocker, "priority": 10})
        assert response.status_code == 202, response.text
        blocker_id = response.json()["id"]
        try:
            job_id = submit(client, 40, steps=2)
            wait_until(
                lambda: len(remote_jobs(remote_root, job_id)) == 2,  # KILN_OPENAI_CONCURRENCY
                timeout=120,
                interval=0.05,
                what="the first kiln's requests to reach the remote",
            )
            assert client.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
            wait_until(
                lambda: all(state == "canceled" for _, state in remote_jobs(remote_root, job_id)),
                timeout=60,
                interval=0.05,
                what="the remote's work for the job to be canceled",
            )
            made = remote_jobs(remote_root, job_id)
            assert len(made) == 2  # nothing more was sent once canceled
            assert job_of(client, job_id)["state"] == "canceled"
        finally:
            direct.post(f"/v1/jobs/{blocker_id}/cancel")
