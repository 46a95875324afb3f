"""Output files are made as the umask says (as `open()` would make them), not 0600 as `mkstemp` makes them:
images and `plan.json` of `kiln generate` (written through `LocalStorage`, as the worker writes artifacts), and the
SDK's downloads."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ENV = {**os.environ, "KILN_THREADS": "2", "HF_HUB_OFFLINE": "1"}


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_generated_files_honour_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    command = [
        sys.executable, "-m", "kiln.cli", "generate", "a lighthouse", "--n", "2", "--seed", "3", "--width", "64",
        "--height", "64", "--steps", "2", "--prefix", "run", "--out", "out",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(umask)
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "run"
    written = [*folder.glob("*.png"), folder / "plan.json", folder / "manifest.jsonl"]
    assert len(written) == 4
    assert {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in written} == {
        path.name: oct(mode) for path in written
    }


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_sdk_downloads_honour_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    script = "import sys; from kiln.sdk.files import write_bytes; write_bytes(sys.argv[1], b'an image')"
    target = tmp_path / "down" / "image.png"
    subprocess.run(
        [sys.executable, "-c", script, str(target)], check=True, timeout=60, preexec_fn=lambda: os.umask(umask)
    )
    assert oct(stat.S_IMODE(target.stat().st_mode)) == oct(mode)
