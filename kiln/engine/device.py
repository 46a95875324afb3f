"""Device and dtype policy: CUDA in bf16 (fp16 where bf16 is missing), Apple MPS in fp16, CPU in fp32."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kiln.config import Settings

__all__ = ["DevicePlan", "plan_device"]

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
# Items per pipeline call when the settings name none: CPUs gain from batching tiny models too, GPUs get a
# size that fits 1-megapixel images of the large families on a 24 GB card; OOM backoff handles the rest.
_DEFAULT_MICRO_BATCH = {"cpu": 16, "cuda": 8, "mps": 4}


@dataclass(frozen=True, slots=True)
class DevicePlan:
    """Where and how a worker runs its pipelines."""

    device: torch.device
    dtype: torch.dtype
    micro_batch: int
    offload: str  # auto (decided per model at load time, from its size), none, model, sequential
    compile: bool
    go_fast: bool = False  # CUDA: Flux transformers' linear layers in fp8 (`kiln.engine.speed`)

    @property
    def is_gpu(self) -> bool:
        return self.device.type in ("cuda", "mps")


def _pick_device(requested: str) -> torch.device:
    if requested != "auto":
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"KILN_DEVICE={requested} but CUDA is not available on this machine")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError(f"KILN_DEVICE={requested} but Apple MPS is not available on this machine")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _pick_dtype(device: torch.device, requested: str) -> torch.dtype:
    if requested != "auto":
        return _DTYPES[requested]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def plan_device(settings: Settings) -> DevicePlan:
    """Resolve the settings' `auto` choices against the hardware present."""
    device = _pick_device(settings.device)
    if device.type == "cpu" and settings.threads:
        torch.set_num_threads(settings.threads)  # a fixed thread count keeps CPU results bitwise repeatable
    if device.type == "cuda":
        use_tf32(settings.tf32)
    return DevicePlan(
        device=device,
        dtype=_pick_dtype(device, settings.dtype),
        micro_batch=settings.micro_batch or _DEFAULT_MICRO_BATCH[device.type],
        offload=settings.offload,
        compile=settings.compile and device.type == "cuda",
        go_fast=settings.go_fast and device.type == "cuda",
    )


def use_tf32(enabled: bool) -> None:
    """TF32 tensor cores for fp32 matmuls and convolutions (on by default on CUDA, `KILN_TF32=false` turns it
    off): the fp32 parts of a bf16 pipeline (VAE decodes, norms upcast to fp32) run several times faster, about
    1e-3 from full fp32."""
    torch.set_float32_matmul_precision("high" if enabled else "highest")
    torch.backends.cudnn.allow_tf32 = enabled
