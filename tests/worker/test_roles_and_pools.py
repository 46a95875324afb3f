"""Roles and pools as a user runs them: `kiln serve --workers 0` (the API alone) and `kiln worker --models` (a
real worker process serving one pool against a shared SQLite store; what is not its pool's stays queued, its
registry row says which pool it is, and a job waiting for another model says so)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiln.jobs.records import NewJob
from kiln.jobs.sql import SqlStore, migrate
from tests.conditions import wait_until
from tests.helpers import make_item

KILN = [sys.executable, "-m", "kiln.cli"]


def worker_env(tmp_path: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "KILN_DATABASE_URL": url,
        "KILN_DATA_DIR": str(tmp_path / "data"),
        "KILN_OUTPUT_DIR": str(tmp_path / "out"),
        "KILN_DEVICE": "cpu",
        "KILN_THREADS": "2",
        "KILN_HEARTBEAT_SECONDS": "0.5",
        "HF_HUB_OFFLINE": "1",
    }


@pytest.mark.parametrize("models", ["tiny-sdd", "tiny-sd,,tiny-flux", " "])
def test_a_bad_pool_is_refused_before_the_worker_starts(tmp_path: Path, models: str) -> None:
    url = f"sqlite:///{tmp_path / 'kiln.db'}"
    env = worker_env(tmp_path, url)
    result = subprocess.run([*KILN, "worker", "--models", models], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: models: ")
    assert not (tmp_path / "kiln.db").exists()  # refused before touching the store


@pytest.mark.slow
def test_a_pool_worker_serves_its_model_and_leaves_the_others_queued(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiln.db'}"
    migrate(url)
    store = SqlStore(url)
    try:
        # the tiny-sd job is older and of a higher priority: a worker serving every model would take it first
        sd = store.create_job(NewJob(priority=5), [make_item(i) for i in range(2)])
        flux = store.create_job(NewJob(), [make_item(i, model="tiny-flux", guidance=0.0) for i in range(2)])
        log = (tmp_path / "worker.log").open("w")
        command = [*KILN, "worker", "--models", "tiny-flux", "--worker-id", "flux-0", "--no-preload"]
        worker = subprocess.Popen(command, env=worker_env(tmp_path, url), stdout=log, stderr=subprocess.STDOUT)
        try:
            live = wait_until(lambda: store.live_workers(30), timeout=120, what="the worker's first beat")
            assert [w.worker_id for w in live] == ["flux-0"]
            assert live[0].info["pool"] == ["tiny-flux"] and "tiny-sd" not in live[0].info["serves"]

            def flux_done() -> bool:
                job = store.get_job(flux.id)
                assert job is not None and job.state not in ("failed", "canceled"), (
                    tmp_path / "worker.log"
                ).read_text()
                return job.state == "completed"

            wait_until(flux_done, timeout=240, interval=0.2, what="the tiny-flux job")
            left = store.list_items(sd.id)
            assert [(i.state, i.attempts) for i in left] == [("pending", 0), ("pending", 0)]
            assert store.waiting_models(sd.id) == ["tiny-sd"]
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(60) == 0
            log.close()
        assert store.live_workers(30) == []  # a clean stop leaves the registry
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_with_no_workers_runs_the_api_alone_and_jobs_say_what_they_wait_for(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiln.db'}"
    env = worker_env(tmp_path, url) | {"KILN_AUTH": "off", "KILN_STUDIO": "off"}
    port = free_port()
    serve_log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [*KILN, "serve", "--port", str(port), "--workers", "0"], env=env, stdout=serve_log, stderr=subprocess.STDOUT
    )
    worker: subprocess.Popen[bytes] | None = None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            def answers() -> bool:
                try:
                    return client.get("/healthz").status_code == 200
                except httpx.TransportError:
                    assert serve.poll() is None, (tmp_path / "serve.log").read_text()
                    return False

            wait_until(answers, timeout=60, interval=0.1, what="the API to answer")
            readiness = client.get("/readyz")
            assert readiness.status_code == 503
            assert readiness.json()["checks"]["workers"] == 0 and readiness.json()["checks"]["pools"] == {}
            body = {"prompts": ["a fox"], "defaults": {"model": "tiny-flux", "width": 64, "height": 64, "steps": 2}}
            created = client.post("/v1/jobs", json=body)
            assert created.status_code == 202, created.text
            job_id = created.json()["id"]

            def warning() -> Any:
                return client.get(f"/v1/jobs/{job_id}").json()["warning"]

            assert warning().startswith("no worker is live")
            command = [*KILN, "worker", "--models", "tiny-sd", "--worker-id", "sd-0", "--no-preload"]
            worker = subprocess.Popen(command, env=env, stdout=serve_log, stderr=subprocess.STDOUT)
            expected = "no live worker serves model tiny-flux; start one with `kiln worker --models tiny-flux`"
            wait_until(lambda: warning() == expected, timeout=120, interval=0.2, what="the pool's warning")
            assert client.get("/readyz").json()["checks"]["pools"] == {"tiny-sd": 1}
            assert 'kiln_pool_workers{pool="tiny-sd"} 1.0' in client.get("/metrics").text
            job = client.get(f"/v1/jobs/{job_id}").json()
            assert job["state"] == "queued" and job["counts"]["pending"] == 1
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(60) == 0
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(60)
        serve_log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    assert "0 worker(s)" in (tmp_path / "serve.log").read_text()
