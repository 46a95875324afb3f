"""GPU speed options as far as a CPU shows them: TF32 switches torch's fp32 precision, `go_fast` leaves what it
does not apply to (any CPU model) untouched."""

from __future__ import annotations

import numpy as np
import torch

from kiln.config import Settings
from kiln.engine.device import plan_device, use_tf32
from kiln.engine.executor import Engine
from kiln.engine.speed import applies, go_fast
from tests.helpers import make_item


def test_tf32_sets_and_clears_the_fp32_matmul_precision() -> None:
    before = torch.get_float32_matmul_precision()
    try:
        use_tf32(True)
        assert torch.get_float32_matmul_precision() == "high"
        use_tf32(False)
        assert torch.get_float32_matmul_precision() == "highest"
    finally:
        torch.set_float32_matmul_precision(before)


def test_tf32_is_on_and_go_fast_off_by_default() -> None:
    settings = Settings()
    assert settings.tf32 is True and settings.go_fast is False
    assert plan_device(Settings(go_fast=True, device="cpu")).go_fast is False  # fp8 is for CUDA only


def test_go_fast_leaves_a_cpu_model_as_it_is(engine: Engine) -> None:
    model = engine.model("tiny-flux")
    item = make_item(0, model="tiny-flux", guidance=0.0)
    before = engine.run([item])[0]
    assert not applies(model) and go_fast(model) is False
    after = engine.run([item])[0]
    assert np.abs(before.pixels - after.pixels).max() == 0
