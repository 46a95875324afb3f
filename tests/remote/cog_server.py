"""A real Cog HTTP prediction server for tests: `python -m cog.server.http` (the `coglet` wheel) serving
`tests/remote/cog_predictor/predict.py` on a free loopback port, waited on until `/health-check` says READY.

Cog spawns `python` for its worker, so the venv's `bin` goes first on its PATH. Without `cog` installed (the dev
extra) the tests are skipped, or fail when the `CI` environment variable is set.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conditions import wait_until
from tests.e2e.server import free_port

__all__ = ["STEP_SECONDS", "CogServer", "cog_server"]

PREDICTOR_DIR = Path(__file__).parent / "cog_predictor"
STEP_SECONDS = 0.02  # the predictor's wait per inference step: 500 steps run for 10 s, long enough to cancel


@dataclass(frozen=True)
class CogServer:
    url: str
    log: Path

    def ids(self, message: str) -> list[str]:
        """The prediction ids of the log's records with this message ("Starting prediction", "Prediction
        cancelled"), in order, repeats included."""
        found = []
        for line in self.log.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            fields = record.get("fields", {}) if isinstance(record, dict) else {}
            if fields.get("message") == message and "prediction_id" in fields:
                found.append(str(fields["prediction_id"]))
        return found

    def starts(self, prediction_id: str) -> int:
        """How many times the server started a prediction with this id."""
        return self.ids("Starting prediction").count(prediction_id)


def _require_cog() -> None:
    if importlib.util.find_spec("cog") is None:
        problem = "cog is not installed (pip install -e '.[dev]'), needed for the Replicate backend's Cog tests"
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


def _health(base_url: str) -> str | None:
    try:
        return str(httpx.get(f"{base_url}/health-check", timeout=2).json().get("status"))
    except (httpx.HTTPError, ValueError):
        return None


@contextmanager
def cog_server(log_path: Path, step_seconds: float = STEP_SECONDS) -> Iterator[CogServer]:
    """A running Cog server; its log (JSON lines) in `log_path`."""
    _require_cog()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "COG_PREDICT_TYPE_STUB": "predict.py:Predictor",
        "PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "KILN_COG_STEP_SECONDS": str(step_seconds),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cog.server.http", "--host", "127.0.0.1"],
            cwd=PREDICTOR_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the worker it spawns is stopped with it
        )
        try:
            wait_until(
                lambda: _health(base_url) == "READY" or process.poll() is not None,
                timeout=60,
                what="the Cog server to say READY",
            )
            if process.poll() is not None:
                pytest.fail(f"the Cog server exited with {process.returncode}: {log_path.read_text()[-2000:]}")
            yield CogServer(base_url, log_path)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
