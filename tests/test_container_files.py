"""The container files stay true without a Docker daemon: `compose.yaml` parses and wires the scale-out roles
(PostgreSQL, Redis, an S3 store, the API alone, GPU workers by pool) with settings kiln reads, and the
`Dockerfile` keeps its essentials (a CUDA runtime base, torch from a CUDA index, the studio's bundle, a non-root
user, a health check on /readyz, the API's port)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiln.config import Settings
from kiln.jobs.pools import claim_keys, parse_pool

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def command(service: dict[str, Any]) -> list[str]:
    value = service.get("command", [])
    return shlex.split(value) if isinstance(value, str) else [str(part) for part in value]


def workers(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if command(s)[:1] == ["worker"]}


def test_compose_has_every_role_of_a_scale_out(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "minio", "api"} <= set(services)
    assert command(services["api"]) == ["serve", "--workers", "0"]  # the API alone
    assert any(port.endswith(":8000") for port in services["api"]["ports"])
    assert services["api"]["build"] == "." and services["api"]["image"] == "kiln:latest"
    assert len(workers(compose)) >= 2


def test_every_kiln_service_gets_the_shared_settings(compose: dict[str, Any]) -> None:
    for name in ["api", *workers(compose)]:
        env = compose["services"][name]["environment"]
        assert env["KILN_DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:" in env["KILN_DATABASE_URL"]
        assert env["KILN_REDIS_URL"].startswith("redis://redis:")
        assert env["KILN_STORAGE_URL"].startswith("s3://")
        assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"
        unknown = {k for k in env if k.startswith("KILN_")} - {f"KILN_{f.upper()}" for f in Settings.model_fields}
        assert not unknown, f"{name}: not settings of kiln: {unknown}"
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"


def test_workers_are_gpu_pools_of_models_kiln_knows(compose: dict[str, Any]) -> None:
    served: set[str] = set()
    pools = []
    for name, service in workers(compose).items():
        args = command(service)
        pool = parse_pool(args[args.index("--models") + 1])
        claim_keys(pool)  # a typo in a model name would leave that worker idle for ever
        pools.append(pool)
        served |= set(pool)
        devices = service["deploy"]["resources"]["reservations"]["devices"]
        assert devices and all("gpu" in device["capabilities"] for device in devices), name
        assert service["healthcheck"]["disable"] is True  # no HTTP in a worker
        assert service["image"] == "kiln:latest" and service["build"] == "."  # the api's image, never pulled
    assert len(set(pools)) == len(pools)  # one worker per pool in the example
    default_model = compose["services"]["api"]["environment"]["KILN_DEFAULT_MODEL"]
    assert default_model in served  # else /readyz never sees the default model warm


def test_the_dockerfile_keeps_its_essentials(dockerfile: list[str]) -> None:
    def instructions(keyword: str) -> list[str]:
        return [line.split(None, 1)[1] for line in dockerfile if line.split(None, 1)[0].upper() == keyword]

    args = dict(arg.split("=", 1) for arg in instructions("ARG"))
    assert re.fullmatch(r"nvidia/cuda:12\.[\d.]+-runtime-ubuntu22\.04", args["CUDA_IMAGE"])
    assert args["TORCH_INDEX_URL"].startswith("https://download.pytorch.org/whl/cu12")
    assert instructions("FROM") == ["${CUDA_IMAGE}"]
    runs = " ".join(instructions("RUN"))
    assert "python3.11" in runs and '--index-url "${TORCH_INDEX_URL}"' in runs and "pip install ." in runs
    assert "kiln/studio/dist/index.html" in runs  # the studio's bundle goes in with the package
    assert "COPY kiln ./kiln" in dockerfile
    [user] = instructions("USER")
    assert user not in ("root", "0") and dockerfile.index(f"USER {user}") > max(
        i for i, line in enumerate(dockerfile) if line.startswith("RUN")
    )  # nothing runs as root after it
    [healthcheck] = instructions("HEALTHCHECK")
    assert "/readyz" in healthcheck and "CMD" in healthcheck
    assert instructions("EXPOSE") == ["8000"]
    assert instructions("ENTRYPOINT") == ['["kiln"]']


def test_the_build_context_keeps_the_studio_bundle() -> None:
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    assert (ROOT / "kiln" / "studio" / "dist" / "index.html").is_file()
    assert not any(pattern in ("kiln", "kiln/studio", "kiln/studio/dist", "**/dist") for pattern in ignored)
