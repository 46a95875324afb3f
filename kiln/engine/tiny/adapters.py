"""Built-in tiny adapters for the tiny models: LoRAs made with peft and a ControlNet, seeded random weights, offline.

A LoRA is made as diffusers' training scripts make one: peft's `LoraConfig` on the denoiser, its state dict in
diffusers' layout (`unet.` / `transformer.` prefixes). `init_lora_weights=False` draws both factors at random, so
the LoRA changes the image (peft's default starts B at zero: a no-op). The ControlNet mirrors tiny-sd's UNet; its
zero-initialised output convolutions and its control-image path are filled with seeded noise so that the control
image visibly guides the image.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

__all__ = ["build_tiny_controlnet", "build_tiny_lora"]

_SEED = 1
_ATTENTION = ["to_q", "to_k", "to_v", "to_out.0"]


def _lora(denoiser: Any, prefix: str) -> dict[str, torch.Tensor]:
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.default_generator.manual_seed(_SEED)
    denoiser.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=_ATTENTION, init_lora_weights=False))
    state = get_peft_model_state_dict(denoiser)
    return {f"{prefix}.{key}": value.detach().clone().contiguous() for key, value in state.items()}


def _sd_lora() -> dict[str, torch.Tensor]:
    from kiln.engine.tiny.builders import build_tiny

    return _lora(build_tiny("tiny-sd").unet, "unet")


def _flux_lora() -> dict[str, torch.Tensor]:
    from kiln.engine.tiny.builders import build_tiny

    return _lora(build_tiny("tiny-flux").transformer, "transformer")


_LORAS: dict[str, Callable[[], dict[str, torch.Tensor]]] = {"tiny-sd-lora": _sd_lora, "tiny-flux-lora": _flux_lora}


def build_tiny_lora(name: str) -> dict[str, torch.Tensor]:
    """A built-in LoRA's state dict (the same in every process); the caller's random state is left alone."""
    with torch.random.fork_rng(devices=[]):
        return _LORAS[name]()


def build_tiny_controlnet(name: str) -> Any:
    """The built-in tiny ControlNet (for tiny-sd), in eval mode with gradients off."""
    from diffusers import ControlNetModel

    if name != "tiny-controlnet":
        raise KeyError(name)
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(_SEED)
        controlnet = ControlNetModel(
            block_out_channels=(4, 8), layers_per_block=1, in_channels=4, cross_attention_dim=8, norm_num_groups=2,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), conditioning_embedding_out_channels=(4, 4, 4, 4),
        )  # fmt: skip
        with torch.no_grad():
            for module in (*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block):
                for parameter in module.parameters():
                    parameter.normal_(0.0, 0.2)
            # the control image's path: strong enough that different maps give clearly different images
            for parameter in controlnet.controlnet_cond_embedding.parameters():
                parameter.normal_(0.0, 0.5)
    return controlnet.eval().requires_grad_(False)
