"""Device and dtype policy on this CPU-only machine; the GPU branches are checked where a GPU is lent."""

from __future__ import annotations

import pytest
import torch

from kiln.config import Settings
from kiln.engine.device import plan_device


def test_cpu_runs_in_float32_with_the_cpu_micro_batch() -> None:
    plan = plan_device(Settings(device="cpu"))
    assert (plan.device.type, plan.dtype, plan.micro_batch, plan.is_gpu) == ("cpu", torch.float32, 16, False)
    assert not plan_device(Settings(device="cpu", compile=True)).compile  # torch.compile is for GPUs only


def test_settings_override_dtype_and_micro_batch() -> None:
    plan = plan_device(Settings(device="cpu", dtype="bfloat16", micro_batch=3))
    assert (plan.dtype, plan.micro_batch) == (torch.bfloat16, 3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_asking_for_cuda_without_it_says_so() -> None:
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        plan_device(Settings(device="cuda"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_prefers_bfloat16() -> None:
    plan = plan_device(Settings())
    assert plan.device.type == "cuda"
    assert plan.dtype in (torch.bfloat16, torch.float16)
