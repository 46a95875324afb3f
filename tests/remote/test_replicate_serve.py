"""A real `kiln serve` whose Replicate backend is a real Cog server: a job of `replicate:` items completes with
images whose embedded recipe names the backend and the prediction (each run once on the Cog server), and
canceling a job cancels the prediction running on the Cog server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiln.media.images import read_metadata
from tests.conditions import wait_until
from tests.e2e.server import create_key, serve_env, serving
from tests.remote.cog_server import CogServer, cog_server

pytestmark = pytest.mark.slow

MODEL = "replicate:kiln-tests/tiny-cog"


@pytest.fixture(scope="module")
def cog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CogServer]:
    # 0.2 s a step: a 4-step item takes about a second, a 50-step one 10 s (long enough to be caught running)
    with cog_server(Path(tmp_path_factory.mktemp("cog")) / "cog.log", step_seconds=0.2) as server:
        yield server


def _job(client: httpx.Client, job_id: str) -> Any:
    return client.get(f"/v1/jobs/{job_id}").json()


def _submit(client: httpx.Client, count: int, steps: int) -> str:
    body = {
        "prompts": [f"a lighthouse number {i}" for i in range(count)],
        "defaults": {"model": MODEL, "width": 1024, "height": 576, "steps": steps, "format": "webp"},
        "start_seed": 11,
    }
    response = client.post("/v1/jobs", json=body)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id


def test_a_job_on_a_cog_server_completes_with_images_naming_the_backend(cog: CogServer, tmp_path: Path) -> None:
    env = serve_env(tmp_path, KILN_REPLICATE_BASE_URL=cog.url, KILN_REMOTE_POLL_SECONDS="0.1")
    headers = {"Authorization": f"Bearer {create_key(env)}"}
    with (
        serving(env, tmp_path / "serve.log", workers=0) as server,
        httpx.Client(base_url=server.url, headers=headers, timeout=30) as client,
    ):
        job_id = _submit(client, 4, steps=4)
        final = wait_until(
            lambda: (job := _job(client, job_id))["state"] in ("completed", "failed") and job,
            timeout=120,
            interval=0.1,
            what="the job to finish",
        )
        assert final["state"] == "completed", final
        artifacts = client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]
        assert len(artifacts) == 4
        for artifact in artifacts:
            data = client.get(f"/v1/artifacts/{artifact['id']}").content
            recipe = read_metadata(data).recipe
            assert recipe is not None and recipe["remote"]["backend"] == "replicate"
            assert recipe["item"]["model"] == MODEL
            remote_id = recipe["remote"]["remote_id"]
            assert remote_id.startswith(f"kiln-{job_id}-") and cog.starts(remote_id) == 1


def test_canceling_a_job_cancels_its_prediction_on_the_cog_server(cog: CogServer, tmp_path: Path) -> None:
    env = serve_env(tmp_path, KILN_REPLICATE_BASE_URL=cog.url, KILN_HEARTBEAT_SECONDS="0.5")
    headers = {"Authorization": f"Bearer {create_key(env)}"}
    with (
        serving(env, tmp_path / "serve.log", workers=0) as server,
        httpx.Client(base_url=server.url, headers=headers, timeout=30) as client,
    ):
        job_id = _submit(client, 3, steps=50)
        mine = f"kiln-{job_id}-"
        [running] = wait_until(
            lambda: [i for i in cog.ids("Starting prediction") if i.startswith(mine)],
            timeout=60,
            interval=0.05,
            what="the Cog server to start the job's first prediction",
        )
        assert client.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
        wait_until(
            lambda: running in cog.ids("Prediction cancelled"),
            timeout=60,
            interval=0.05,
            what="the Cog server to cancel the prediction",
        )
        assert _job(client, job_id)["state"] == "canceled"
    assert [i for i in cog.ids("Starting prediction") if i.startswith(mine)] == [running]  # nothing more sent
