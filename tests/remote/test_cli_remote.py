"""`kiln generate` with a remote model: no engine, the images come from the backend (a real local HTTP server
speaking the OpenAI Images API), each file with kiln's recipe naming the backend; the same command again makes
nothing new, and the request ids it sent are the same ones (so an idempotent backend never makes an image twice);
`kiln models` lists the configured remote models; an unconfigured namespace is refused naming its setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kiln.media.images import read_metadata
from tests.remote.scripted_server import scripted_server
from tests.remote.test_openai_backend import OK

KILN = [sys.executable, "-m", "kiln.cli"]
ROOT = str(Path(__file__).resolve().parents[2])  # this checkout's kiln, whatever the working folder


def kiln(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200", "KILN_DATA_DIR": str(cwd / "data")}
    environment |= {"PYTHONPATH": ROOT, **env}
    return subprocess.run([*KILN, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


def test_generate_with_a_remote_model_writes_its_images_with_kilns_recipe(tmp_path: Path) -> None:
    with scripted_server([OK]) as server:
        env = {"KILN_OPENAI_BASE_URL": f"{server.url}/v1", "KILN_REMOTE_PRICES": json.dumps({"openai:x-1": 0.5})}
        args = ("generate", "a red kite", "--model", "openai:x-1", "--n", "3", "--seed", "9", "--width", "32",
                "--height", "32", "--prefix", "kites", "--out", "out")  # fmt: skip
        first = kiln(*args, cwd=tmp_path, **env)
        assert first.returncode == 0, first.stdout + first.stderr
        again = kiln(*args, cwd=tmp_path, **env)
        assert again.returncode == 0 and "already" in again.stdout
        listed = kiln("models", cwd=tmp_path, **env)
    folder = tmp_path / "out" / "kites"
    assert sorted(p.name for p in folder.glob("*.png")) == ["00000_9.png", "00001_10.png", "00002_11.png"]
    recipe = read_metadata(folder / "00001_10.png").recipe
    assert recipe is not None and recipe["remote"]["backend"] == "openai" and recipe["remote"]["cost_usd"] == 0.5
    assert recipe["item"]["model"] == "openai:x-1" and recipe["item"]["seed"] == 10
    keys = [r.headers["idempotency-key"] for r in server.received]
    assert len(keys) == 3 and len(set(keys)) == 3  # one request per item; the second run sent none
    assert "openai:x-1" in listed.stdout


def test_a_remote_model_whose_backend_is_not_configured_is_refused(tmp_path: Path) -> None:
    result = kiln("generate", "a kite", "--model", "replicate:acme/kites", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert "REPLICATE_API_TOKEN" in result.stdout + result.stderr
