"""`bench/gpu.py --small`: the GPU benchmark's whole path (real diffusers SD3 and Flux transformers, their VAE
decoder, FLOP counting, the table) on the CPU at a tiny size, so CI runs what a GPU session runs at real size."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_small_benchmark_prints_a_row_per_model_with_counted_flops() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.gpu", "--small", "--peak-tflops", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.startswith("│")}
    assert set(rows) == {"SD3.5-medium (small)", "FLUX.1-schnell (small)"}
    for row in rows.values():
        cells = [cell.strip() for cell in row.split("│")[2:-1]]
        step, decode, images, tflops = (float(cell) for cell in cells[:4])
        assert step > 0 and decode > 0 and images > 0 and tflops > 0  # FLOPs were counted
        assert re.fullmatch(r"\d+(\.\d+)?%", cells[4])  # a share of the given peak
