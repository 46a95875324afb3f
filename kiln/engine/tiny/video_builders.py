"""Builders of the built-in tiny video pipelines: Stable Video Diffusion, LTX-Video and Wan 2.1 (text- and
image-to-video), real diffusers classes with seeded random weights, built offline in about a second.

Configs follow diffusers' own test fixtures. The SVD UNet and VAE are narrower than the fixture's (GroupNorm's 32
groups set the floor at 32 channels, one layer per block): the fixture's take seconds per step on a CPU. Its CLIP
vision encoder reads 224-pixel images, since the pipeline resizes the conditioning image to 224 whatever the
processor says. Every module is seeded before it is made, so each build is identical in every process (`build_tiny`
restores the caller's random state afterwards).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from kiln.engine.tiny.ltx2_builder import build_tiny_ltx2
from kiln.engine.tiny.tokenizers import t5_tokenizer

__all__ = ["VIDEO_BUILDERS"]

_SEED = 0


def _seeded() -> None:
    # the CPU generator only (every module is made on the CPU); `build_tiny` restores it afterwards
    torch.default_generator.manual_seed(_SEED)


def _t5_encoder(tokenizer: Any) -> Any:
    """The tiny T5 encoder of the image builders (imported here: `builders` imports this module)."""
    from kiln.engine.tiny.builders import _tiny_t5

    return _tiny_t5(tokenizer)


def _svd() -> Any:
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessorPil, CLIPVisionConfig, CLIPVisionModelWithProjection

    _seeded()
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 32), layers_per_block=1, sample_size=32, in_channels=8, out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"), cross_attention_dim=32,
        num_attention_heads=(2, 2), projection_class_embeddings_input_dim=24, addition_time_embed_dim=8,
    )  # fmt: skip
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
        num_train_timesteps=1000, prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002, steps_offset=1,
        timestep_spacing="leading", timestep_type="continuous", use_karras_sigmas=True,
    )  # fmt: skip
    _seeded()
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=[32, 32], in_channels=3, out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"], latent_channels=4,
    )  # fmt: skip
    _seeded()
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=32, projection_dim=32, num_hidden_layers=2, num_attention_heads=4, image_size=224,
            intermediate_size=37, patch_size=32,
        )
    )  # fmt: skip
    return StableVideoDiffusionPipeline(
        vae=vae, image_encoder=image_encoder, unet=unet, scheduler=scheduler,
        feature_extractor=CLIPImageProcessorPil(crop_size=32, size=32),
    )  # fmt: skip


def _ltx() -> Any:
    """LTX-Video; `LTXImageToVideoPipeline(**pipe.components)` serves image-to-video from the same parts."""
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )

    _seeded()
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4, attention_head_dim=8,
        cross_attention_dim=32, num_layers=1, caption_channels=32,
    )  # fmt: skip
    _seeded()
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False), upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1), timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False,
    )  # fmt: skip
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    tokenizer = t5_tokenizer()
    return LTXPipeline(
        transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=_t5_encoder(tokenizer), tokenizer=tokenizer,
    )  # fmt: skip


def _wan_parts() -> dict[str, Any]:
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler

    _seeded()
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )
    tokenizer = t5_tokenizer()
    return {
        "vae": vae,
        "tokenizer": tokenizer,
        "text_encoder": _t5_encoder(tokenizer),
        "scheduler": FlowMatchEulerDiscreteScheduler(shift=7.0),
    }


def _wan_transformer(in_channels: int, image_dim: int | None) -> Any:
    from diffusers import WanTransformer3DModel

    _seeded()
    return WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=in_channels,
        out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, image_dim=image_dim,
    )  # fmt: skip


def _wan() -> Any:
    """Wan 2.1 text-to-video (16 latent channels in)."""
    from diffusers import WanPipeline

    return WanPipeline(transformer=_wan_transformer(16, None), **_wan_parts())


def _wan_i2v() -> Any:
    """Wan 2.1 image-to-video: 36 channels in (noise, first-frame mask, image latents) and CLIP image features."""
    from diffusers import WanImageToVideoPipeline
    from transformers import CLIPImageProcessorPil, CLIPVisionConfig, CLIPVisionModel

    transformer = _wan_transformer(36, 4)
    _seeded()
    image_encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2, image_size=32,
            intermediate_size=16, patch_size=1,
        )
    )  # fmt: skip
    return WanImageToVideoPipeline(
        transformer=transformer, image_encoder=image_encoder,
        image_processor=CLIPImageProcessorPil(crop_size=32, size=32), **_wan_parts(),
    )  # fmt: skip


VIDEO_BUILDERS: dict[str, Callable[[], Any]] = {
    "tiny-svd": _svd,
    "tiny-ltx": _ltx,
    "tiny-ltx2": build_tiny_ltx2,
    "tiny-wan": _wan,
    "tiny-wan-i2v": _wan_i2v,
}
