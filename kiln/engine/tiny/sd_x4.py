"""The built-in tiny Stable Diffusion x4 upscaler: diffusers' `StableDiffusionUpscalePipeline` (a UNet over the
latents and the low-resolution image, a VAE that decodes 4x) at a tiny width, seeded random weights, offline."""

from __future__ import annotations

from typing import Any

import torch

from kiln.engine.tiny.builders import _clip_config
from kiln.engine.tiny.tokenizers import clip_tokenizer

__all__ = ["build_tiny_sd_x4"]


def build_tiny_sd_x4() -> Any:
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        DDPMScheduler,
        StableDiffusionUpscalePipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextModel

    tokenizer = clip_tokenizer()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        unet = UNet2DConditionModel(
            block_out_channels=(8, 8, 16), layers_per_block=1, sample_size=32, in_channels=7, out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=8,
            attention_head_dim=4, use_linear_projection=True, num_class_embeds=100, norm_num_groups=4,
        )  # fmt: skip
        torch.manual_seed(0)
        vae = AutoencoderKL(
            block_out_channels=[8, 8, 8], in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 3,
            up_block_types=["UpDecoderBlock2D"] * 3, latent_channels=4, norm_num_groups=2, layers_per_block=1,
            scaling_factor=0.08333,
        )  # fmt: skip
        torch.manual_seed(0)
        text_encoder = CLIPTextModel(
            _clip_config(tokenizer, 8, intermediate_size=16, num_attention_heads=2, num_hidden_layers=2)
        )
    pipe = StableDiffusionUpscalePipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, low_res_scheduler=DDPMScheduler(),
        scheduler=DDIMScheduler(prediction_type="v_prediction"), max_noise_level=350,
    )  # fmt: skip
    for module in (unet, vae, text_encoder):
        module.eval().requires_grad_(False)
    return pipe
