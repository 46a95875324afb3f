"""`kiln serve` as a user runs it: a real server process with a real worker, a job through the HTTP API, a
signed webhook to a local receiver, no torch in the server process, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiln.events.webhooks import verify
from tests.conditions import wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/<pid>/maps (Linux)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # the field after the state is the parent pid
                found.append(int(entry.name))
    return found


def maps_torch(pid: int) -> bool:
    """Whether the process has torch's native library mapped: true from the moment anything imports torch."""
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_serve_runs_jobs_in_workers_and_never_imports_torch(
    tmp_path: Path, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    hook_url, received = receiver
    port = free_port()
    env = {
        **os.environ,
        "KILN_DATA_DIR": str(tmp_path / "data"),
        "KILN_OUTPUT_DIR": str(tmp_path / "out"),
        "KILN_AUTH": "off",
        "KILN_DEVICE": "cpu",
        "KILN_THREADS": "2",
        "KILN_WEBHOOK_ALLOW_PRIVATE": "true",
        "HF_HUB_OFFLINE": "1",
    }
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "kiln.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    worker = -1
    try:
        with httpx.Client(base_url=base, timeout=10) as client:

            def healthy() -> bool:
                try:
                    return client.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return serve.poll() is not None  # ends the wait if the server died

            wait_until(healthy, timeout=60, interval=0.1, what="the server to answer")
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()

            def ready() -> dict[str, Any] | None:  # the worker beats once its preload is done
                response = client.get("/readyz")
                assert serve.poll() is None, (tmp_path / "serve.log").read_text()
                body: dict[str, Any] = response.json()
                return body if response.status_code == 200 else None

            readiness = wait_until(ready, timeout=120, interval=0.2, what="the server to be ready")
            assert readiness["checks"] == {
                "store": True, "store_error": None, "storage": True, "storage_error": None, "workers": 1,
                "pools": {"*": 1}, "default_model_loaded": True,
            }  # fmt: skip
            body = {
                "prompts": ["a red fox", "a blue bird"],
                "defaults": {"model": "tiny-sd", "width": 64, "height": 64, "steps": 2},
                "prefix": "e2e",
                "webhook_url": hook_url,
            }
            created = client.post("/v1/jobs", json=body)
            assert created.status_code == 202, created.text
            job_id = created.json()["id"]

            def finished() -> dict[str, Any] | None:
                job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
                return job if job["state"] in ("completed", "failed", "canceled") else None

            job = wait_until(finished, timeout=120, interval=0.2, what="the job to finish")
            assert job["state"] == "completed" and job["counts"]["done"] == 2
            metrics = client.get("/metrics").text
            assert "kiln_workers 1.0" in metrics and "kiln_images_generated_total 2.0" in metrics
        assert sorted(p.name for p in (tmp_path / "out" / "anonymous" / job_id / "e2e").iterdir()) == [
            f"{v['index']:05d}_{v['item']['seed']}.png" for v in _items(base, job_id)
        ]

        wait_until(lambda: received, timeout=30, what="the webhook")
        headers, payload = received[0]
        secret = (tmp_path / "data" / "webhook_secret").read_text().strip()
        assert verify(secret, headers, payload)
        event = json.loads(payload)
        assert event["type"] == "job.completed" and event["data"]["id"] == job_id

        [worker] = children(serve.pid)
        assert maps_torch(worker)  # the check sees torch where it is loaded...
        assert not maps_torch(serve.pid)  # ...and the server process has none
    finally:
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=60)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert code == 0, output
    assert "stopping the workers" in output
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)  # stopped and reaped by the server, not left behind


def _items(base: str, job_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(f"{base}/v1/jobs/{job_id}/items").json()["data"]
    return items
