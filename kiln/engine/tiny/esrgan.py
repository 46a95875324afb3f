"""The built-in tiny ESRGAN: spandrel's RRDBNet at a tiny width with seeded random weights, saved as safetensors
(the community's format), so it loads through spandrel's detection like a downloaded upscaler."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import torch

__all__ = ["save_tiny_esrgan"]


def _visible(model: torch.nn.Module, probe: torch.Tensor) -> None:
    """Random weights give outputs near 0 that clamp to black; rescale the last convolution so a picture comes out
    around mid-grey with a spread (0.5 +- 0.2), still a function of the input."""
    last = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    with torch.no_grad():
        out = model(probe)
        mean, std = out.mean(dim=(0, 2, 3)), out.std(dim=(0, 2, 3))
        gain = 0.2 / std
        last.weight.mul_(gain[:, None, None, None])
        assert last.bias is not None
        last.bias.copy_((last.bias - mean) * gain + 0.5)


def save_tiny_esrgan(path: Path, shape: Mapping[str, int]) -> Path:
    """Build the model (seeded; the caller's random state untouched) and write its weights to `path` atomically,
    so processes making it at once agree."""
    from safetensors.torch import save_file

    from kiln.engine.upscalers import _spandrel

    esrgan = _spandrel().architectures.ESRGAN.ESRGAN
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = esrgan(in_nc=3, out_nc=3, **shape).eval()
        _visible(model, torch.rand(1, 3, 32, 32))
    weights = {key: value.contiguous() for key, value in model.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        save_file(weights, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path
