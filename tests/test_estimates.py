"""Estimates and dedupe: `kiln generate --dry-run` (items, signatures, batches, seconds, cost) from the rates local
runs record (`POST /v1/estimate` against a measured job: tests/api/test_estimate_accuracy.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from kiln.jobs.estimates import generated_count, signature_plans
from tests.helpers import make_item
from tests.test_cli import ENV, KILN


def kiln(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KILN, *args], cwd=cwd, env={**ENV, **env}, capture_output=True, text=True, timeout=300)


def test_identical_items_count_once_and_batches_follow_the_limit() -> None:
    items = [make_item(0)] * 10 + [make_item(i) for i in range(1, 4)] + [make_item(9, width=128)]
    assert generated_count(items) == 1 + 3 + 1
    plans = signature_plans(items, 4, {})
    assert [(p.items, p.generated, p.batches) for p in plans] == [(13, 4, 4), (1, 1, 1)]
    assert generated_count([make_item(0, dedupe=False)] * 3) == 3


def test_dry_run_prints_the_plan_then_seconds_and_cost_once_a_run_recorded_its_rate(tmp_path: Path) -> None:
    rows = tmp_path / "same.jsonl"
    rows.write_text('{"prompt": "a cat", "seed": 5}\n' * 10 + '{"prompt": "a dog", "seed": 5}\n')
    env = {"KILN_DATA_DIR": str(tmp_path / "data"), "KILN_COST_PER_GPU_HOUR": "3.6"}
    flags = ["--from", str(rows), "--steps", "2", "--width", "64", "--height", "64", "--out", "out"]
    before = kiln("generate", *flags, "--dry-run", cwd=tmp_path, env=env)
    assert before.returncode == 0, before.stderr
    assert "items: 11  generated: 2  signatures: 1  batches: 1" in before.stdout
    assert "unknown seconds" in before.stdout and not (tmp_path / "out").exists()  # nothing generated
    done = kiln("generate", *flags, "--prefix", "run", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out" / "run").glob("*.png"))) == 11  # every item gets its file
    [rate] = json.loads((tmp_path / "data" / "local_rates.json").read_text()).values()
    after = kiln("generate", *flags, "--dry-run", cwd=tmp_path, env=env)
    predicted = 2 * rate["seconds_per_image"]
    assert f"predicted: {predicted:.1f} s, cost {predicted / 3600 * 3.6:.4f}" in after.stdout
