"""A real S3-speaking server for tests: moto in server mode on 127.0.0.1 (it stands in for AWS, R2 or MinIO).

Started once per session on a free port. Without moto the tests that need it are skipped, or fail when the `CI`
environment variable is set (CI must run the storage suite on S3 too), as with PostgreSQL (`tests/postgres.py`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conditions import wait_until

__all__ = ["MotoServer", "moto_server", "new_bucket", "require_moto", "s3_endpoint"]

# moto takes any credentials; set here so boto3 never looks for real ones (or an instance role, slowly)
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def require_moto() -> str:
    """The moto_server program, or skip (fail on CI)."""
    found = shutil.which("moto_server", path=os.path.dirname(sys.executable)) or shutil.which("moto_server")
    if found is None:
        problem = "moto_server is not installed (pip install 'moto[server]'), needed for the S3 storage tests"
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoServer:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint


def _answers(endpoint: str) -> bool:
    try:
        return httpx.get(endpoint, timeout=1).status_code < 500
    except httpx.HTTPError:
        return False


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    program = require_moto()
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [program, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until(lambda: _answers(endpoint) or process.poll() is not None, timeout=30, what="moto_server to answer")
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode} before answering on {endpoint}")
        yield MotoServer(endpoint)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The endpoint of a session-wide moto server; AWS credentials and AWS_ENDPOINT_URL set for boto3."""
    with pytest.MonkeyPatch.context() as patch, moto_server() as server:
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        patch.setenv("AWS_ENDPOINT_URL", server.endpoint)
        yield server.endpoint


def new_bucket(endpoint: str) -> str:
    """A new, empty bucket of its own: tests never see each other's objects."""
    import boto3

    name = f"kiln-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name
