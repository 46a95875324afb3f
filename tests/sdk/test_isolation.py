"""The SDK stands alone: importing it loads no server code, no torch, and nothing of kiln outside `kiln.sdk`."""

from __future__ import annotations

import json
import subprocess
import sys

import kiln.sdk

FORBIDDEN = ("torch", "diffusers", "transformers", "fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "numpy")


def test_import_loads_only_the_sdk() -> None:
    code = "import json, sys, kiln.sdk; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    modules = set(json.loads(out))
    assert not {m for m in modules if m.split(".")[0] in FORBIDDEN}
    assert {m for m in modules if m.startswith("kiln")} - {"kiln"} == {m for m in modules if m.startswith("kiln.sdk")}


def test_public_surface() -> None:
    for name in kiln.sdk.__all__:
        assert getattr(kiln.sdk, name) is not None, name
    assert {"Client", "AsyncClient", "Job", "AsyncJob", "JobStatus", "Event", "Result", "GeneratedImage"} <= set(
        kiln.sdk.__all__
    )
    sync_methods = {n for n in dir(kiln.sdk.Client) if not n.startswith("_")} - {"close"}
    async_methods = {n for n in dir(kiln.sdk.AsyncClient) if not n.startswith("_")} - {"aclose"}
    assert sync_methods == async_methods
    assert {n for n in dir(kiln.sdk.Job) if not n.startswith("_")} == {
        n for n in dir(kiln.sdk.AsyncJob) if not n.startswith("_")
    }
