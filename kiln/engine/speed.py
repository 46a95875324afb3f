"""GPU speed options beyond TF32 (`kiln.engine.device.use_tf32`): Flux's `go_fast`, its transformer's linear
layers quantized to fp8 (dynamic activations, fp8 weights) with torchao, as hosted Flux services do. About 1.5-2x
faster denoising on Hopper and Ada cards and half the transformer's memory, for a slightly coarser image; other
families and devices are left as they are."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiln.errors import ModelLoadError

if TYPE_CHECKING:
    from kiln.engine.loader import LoadedModel

__all__ = ["applies", "go_fast"]

log = logging.getLogger(__name__)


def applies(model: LoadedModel) -> bool:
    """Whether `go_fast` changes this model: a Flux family on a CUDA device."""
    return model.plan.device.type == "cuda" and model.info.family.pipeline_class == "FluxPipeline"


def go_fast(model: LoadedModel) -> bool:
    """Quantize the Flux transformer's linear layers to fp8 in place; False when it does not apply."""
    if not applies(model):
        log.info("KILN_GO_FAST applies to Flux models on CUDA; %s runs as it is", model.info.name)
        return False
    try:
        from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, quantize_
    except ImportError as exc:
        raise ModelLoadError("KILN_GO_FAST needs torchao on the worker: pip install torchao") from exc
    quantize_(model.pipe.transformer, Float8DynamicActivationFloat8WeightConfig())
    return True
