"""The built-in tiny LTX-2: diffusers' `LTX2Pipeline` (video with its own sound track) with seeded random weights.

Every part is the real class: a Gemma 3 text encoder (a byte-level Gemma tokenizer built in memory), the text
connectors, the audio-video transformer, the video VAE, the audio VAE (mel spectrograms) and the vocoder. Sizes
follow diffusers' LTX-2 test fixture, except where they keep a clip's geometry real and its call quick:

- the video VAE compresses 8x in space and 8x in time (three spatio-temporal blocks), so clips keep LTX's
  `8k + 1` frame rule and a 64x64, 17-frame clip is 3 latent frames of 8x8;
- the vocoder upsamples by 160, the audio VAE's mel hop, so the sound lasts as long as the clip (LTX-2's own
  vocoder does the same at its rates); mel frames are 16 kHz / 160 = 100 a second.

`LTX2ImageToVideoPipeline(**pipe.components)` serves image-to-video from the same parts.
"""

from __future__ import annotations

from typing import Any

import torch

from kiln.engine.tiny.tokenizers import gemma_tokenizer

__all__ = ["TINY_LTX2_SAMPLE_RATE", "build_tiny_ltx2"]

TINY_LTX2_SAMPLE_RATE = 16_000
_SEED = 0
_TEXT_HIDDEN = 32  # the connectors' width (4 heads x 8) reads the text encoder's hidden size
_TEXT_LAYERS = 2
_MEL_BINS = 8
_HOP = 160


def _seeded() -> None:
    # the CPU generator only (every module is made on the CPU); `build_tiny` restores it afterwards
    torch.default_generator.manual_seed(_SEED)


def _gemma3(vocab_size: int) -> Any:
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3TextConfig, SiglipVisionConfig

    text = Gemma3TextConfig(
        vocab_size=vocab_size, hidden_size=_TEXT_HIDDEN, intermediate_size=32, num_hidden_layers=_TEXT_LAYERS,
        num_attention_heads=2, num_key_value_heads=1, head_dim=8, max_position_embeddings=1024, sliding_window=64,
        pad_token_id=0, eos_token_id=1, bos_token_id=2,
    )  # fmt: skip
    vision = SiglipVisionConfig(
        hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, image_size=28, patch_size=14
    )
    _seeded()
    return Gemma3ForConditionalGeneration(Gemma3Config(text_config=text, vision_config=vision, mm_tokens_per_image=4))


def _transformer() -> Any:
    from diffusers import LTX2VideoTransformer3DModel

    _seeded()
    return LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
        audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
        caption_channels=_TEXT_HIDDEN, rope_double_precision=False, rope_type="split",
        audio_sampling_rate=TINY_LTX2_SAMPLE_RATE, audio_hop_length=_HOP,
    )  # fmt: skip


def _connectors() -> Any:
    from diffusers.pipelines.ltx2 import LTX2TextConnectors

    _seeded()
    return LTX2TextConnectors(
        caption_channels=_TEXT_HIDDEN, text_proj_in_factor=_TEXT_LAYERS + 1, video_connector_num_attention_heads=4,
        video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32, rope_theta=10000.0,
        rope_double_precision=False, causal_temporal_positioning=False, rope_type="split",
    )  # fmt: skip


def _video_vae() -> Any:
    from diffusers import AutoencoderKLLTX2Video

    _seeded()
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 8, 8),
        decoder_block_out_channels=(8, 8, 8), layers_per_block=(1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True), decoder_spatio_temporal_scaling=(True, True, True),
        decoder_inject_noise=(False, False, False, False), downsample_type=("spatiotemporal",) * 3,
        upsample_type=("spatiotemporal",) * 3, upsample_residual=(False, False, False), upsample_factor=(1, 1, 1),
        timestep_conditioning=False, patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )  # fmt: skip
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    return vae


def _audio_parts() -> tuple[Any, Any]:
    from diffusers import AutoencoderKLLTX2Audio
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

    _seeded()
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None, in_channels=2,
        resolution=32, latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0,
        mid_block_add_attention=False, sample_rate=TINY_LTX2_SAMPLE_RATE, mel_hop_length=_HOP, is_causal=True,
        mel_bins=_MEL_BINS,
    )  # fmt: skip
    _seeded()
    vocoder = LTX2Vocoder(
        in_channels=2 * _MEL_BINS, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[16, 10, 8],
        upsample_factors=[8, 5, 4], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1, output_sampling_rate=TINY_LTX2_SAMPLE_RATE,
    )  # fmt: skip
    return audio_vae, vocoder


def build_tiny_ltx2() -> Any:
    """`LTX2Pipeline` from tiny parts (text-to-video; image-to-video shares them)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, LTX2Pipeline

    tokenizer = gemma_tokenizer()
    audio_vae, vocoder = _audio_parts()
    return LTX2Pipeline(
        transformer=_transformer(), vae=_video_vae(), audio_vae=audio_vae, vocoder=vocoder,
        scheduler=FlowMatchEulerDiscreteScheduler(), text_encoder=_gemma3(len(tokenizer)).eval(),
        tokenizer=tokenizer, connectors=_connectors(),
    )  # fmt: skip
