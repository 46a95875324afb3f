"""Builders of the built-in tiny pipelines: real diffusers classes, seeded random weights, built offline.

Configs follow diffusers' own test fixtures (`get_dummy_components`), with VAEs of four blocks so images have the
real 8x latent geometry. Every module is seeded before it is made, so each build is identical in every process;
the caller's random state is restored after the build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from kiln.engine.tiny.tokenizers import clip_tokenizer, qwen_tokenizer, t5_tokenizer
from kiln.engine.tiny.video_builders import VIDEO_BUILDERS

__all__ = ["TINY_BUILDERS", "build_tiny"]

_SEED = 0


def _seeded() -> None:
    # the CPU generator only (every module is made on the CPU); `build_tiny` restores it afterwards
    torch.default_generator.manual_seed(_SEED)


def _clip_config(tokenizer: Any, hidden: int, **kwargs: Any) -> Any:
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        hidden_size=hidden,
        layer_norm_eps=1e-5,
        max_position_embeddings=77,
        **kwargs,
    )


def _tiny_t5(tokenizer: Any) -> Any:
    from transformers import T5Config, T5EncoderModel

    _seeded()
    config = T5Config(
        vocab_size=len(tokenizer), d_model=32, d_ff=37, d_kv=8, num_heads=4, num_layers=5,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=0,
    )  # fmt: skip
    return T5EncoderModel(config)


def _vae_f8(latent_channels: int, **kwargs: Any) -> Any:
    from diffusers import AutoencoderKL

    _seeded()
    return AutoencoderKL(
        in_channels=3, out_channels=3, block_out_channels=(8, 8, 8, 8), layers_per_block=1,
        down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
        latent_channels=latent_channels, norm_num_groups=2, sample_size=32, **kwargs,
    )  # fmt: skip


def _sd() -> Any:
    from diffusers import DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel

    tokenizer = clip_tokenizer()
    _seeded()
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8), layers_per_block=1, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=8, norm_num_groups=2,
    )  # fmt: skip
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    vae = _vae_f8(4)
    _seeded()
    text_encoder = CLIPTextModel(
        _clip_config(tokenizer, 8, intermediate_size=16, num_attention_heads=2, num_hidden_layers=2)
    )
    return StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, image_encoder=None, requires_safety_checker=False,
    )  # fmt: skip


def _sd3() -> Any:
    from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel, StableDiffusion3Pipeline
    from transformers import CLIPTextModelWithProjection

    tokenizer, t5 = clip_tokenizer(), t5_tokenizer()
    _seeded()
    transformer = SD3Transformer2DModel(
        sample_size=32, patch_size=1, in_channels=4, num_layers=1, attention_head_dim=8, num_attention_heads=4,
        caption_projection_dim=32, joint_attention_dim=32, pooled_projection_dim=64, out_channels=4,
    )  # fmt: skip
    clip_config = _clip_config(
        tokenizer, 32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=5, hidden_act="gelu",
        projection_dim=32,
    )  # fmt: skip
    _seeded()
    text_encoder = CLIPTextModelWithProjection(clip_config)
    _seeded()
    text_encoder_2 = CLIPTextModelWithProjection(clip_config)
    text_encoder_3 = _tiny_t5(t5)
    vae = _vae_f8(4, use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.0609, scaling_factor=1.5035)
    return StableDiffusion3Pipeline(
        transformer=transformer, scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
        text_encoder=text_encoder, tokenizer=tokenizer, text_encoder_2=text_encoder_2, tokenizer_2=clip_tokenizer(),
        text_encoder_3=text_encoder_3, tokenizer_3=t5, image_encoder=None, feature_extractor=None,
    )  # fmt: skip


def _flux() -> Any:
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextModel

    tokenizer, t5 = clip_tokenizer(), t5_tokenizer()
    _seeded()
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32, axes_dims_rope=[4, 4, 8],
    )  # fmt: skip
    _seeded()
    text_encoder = CLIPTextModel(
        _clip_config(
            tokenizer,
            32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=5,
            hidden_act="gelu",
            projection_dim=32,
        )
    )
    text_encoder_2 = _tiny_t5(t5)
    vae = _vae_f8(1, use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.0609, scaling_factor=1.5035)
    return FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
        text_encoder_2=text_encoder_2, tokenizer_2=t5, transformer=transformer, image_encoder=None,
        feature_extractor=None,
    )  # fmt: skip


def _zimage() -> Any:
    from diffusers import (
        AutoencoderKL,
        FlowMatchEulerDiscreteScheduler,
        ZImagePipeline,
        ZImageTransformer2DModel,
    )
    from transformers import Qwen3Config, Qwen3Model

    tokenizer = qwen_tokenizer()
    _seeded()
    transformer = ZImageTransformer2DModel(
        all_patch_size=(2,), all_f_patch_size=(1,), in_channels=16, dim=32, n_layers=2, n_refiner_layers=1,
        n_heads=2, n_kv_heads=2, norm_eps=1e-5, qk_norm=True, cap_feat_dim=16, rope_theta=256.0, t_scale=1000.0,
        axes_dims=[8, 4, 4], axes_lens=[256, 32, 32],
    )  # fmt: skip
    with torch.no_grad():  # these start as torch.empty: fill them or NaNs appear
        transformer.x_pad_token.copy_(torch.ones_like(transformer.x_pad_token))
        transformer.cap_pad_token.copy_(torch.ones_like(transformer.cap_pad_token))
    _seeded()
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4, block_out_channels=[16, 16, 16, 16], layers_per_block=1,
        latent_channels=16, norm_num_groups=16, sample_size=32, scaling_factor=0.3611, shift_factor=0.1159,
    )  # fmt: skip
    _seeded()
    text_encoder = Qwen3Model(
        Qwen3Config(
            hidden_size=16,
            intermediate_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=512,
        )
    )
    return ZImagePipeline(
        transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(), text_encoder=text_encoder,
        tokenizer=tokenizer,
    )  # fmt: skip


TINY_BUILDERS: dict[str, Callable[[], Any]] = {
    "tiny-sd": _sd,
    "tiny-sd3": _sd3,
    "tiny-flux": _flux,
    "tiny-zimage": _zimage,
    **VIDEO_BUILDERS,
}


def build_tiny(name: str) -> Any:
    """Build a tiny pipeline by its built-in id, in eval mode with gradients off (as from_pretrained leaves it)."""
    with torch.random.fork_rng(devices=[]):  # building never changes the randomness of the code around it
        pipe = TINY_BUILDERS[name]()
    for component in pipe.components.values():
        if isinstance(component, torch.nn.Module):
            component.eval().requires_grad_(False)
    return pipe
