"""GPU throughput of real-size denoisers with random weights (no download: FLOPs do not depend on weight values):
SD3.5-medium's and FLUX.1-schnell's transformers and their 16-channel VAE decoder at 1280x720, bf16, text
embeddings drawn at the text encoders' real widths (the encoders run once per prompt, not per step).

Per model: seconds per denoising step, images/s (steps plus one VAE decode per image), the denoiser's achieved
TFLOP/s (FLOPs counted by torch's FlopCounterMode on one forward) and its share of the card's dense bf16 peak.
TF32 is on (kiln's default on CUDA); `--go-fast` puts the Flux transformer's linear layers in fp8 (torchao).

    .venv/bin/python -m bench.gpu [--batch 4] [--steps 8] [--peak-tflops 989]
    .venv/bin/python -m bench.gpu --small      # tiny configs on the CPU in seconds (CI runs it)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

# dense bf16 tensor-core peaks in TFLOP/s by the card's name (vendor datasheets, without sparsity)
BF16_PEAKS = {"H200": 989.0, "H100 SXM": 989.0, "H100 PCIe": 756.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0}


@dataclass(frozen=True, slots=True)
class Config:
    """One denoiser at one size: its transformer, latent geometry and text sequence."""

    name: str
    transformer: Callable[[], Any]
    latent_channels: int
    packed: bool  # Flux packs 2x2 latent patches into tokens
    text_tokens: int
    text_width: int
    pooled_width: int
    vae: Callable[[], Any]


def _sd35(small: bool) -> Config:
    from diffusers import AutoencoderKL, SD3Transformer2DModel

    transformer: dict[str, Any]
    if small:
        transformer = {"sample_size": 32, "patch_size": 2, "in_channels": 16, "num_layers": 2, "attention_head_dim": 8,
                       "num_attention_heads": 4, "joint_attention_dim": 32, "caption_projection_dim": 32,
                       "pooled_projection_dim": 64, "out_channels": 16}  # fmt: skip
    else:  # stabilityai/stable-diffusion-3.5-medium transformer/config.json
        transformer = {"sample_size": 128, "patch_size": 2, "in_channels": 16, "num_layers": 24,
                       "attention_head_dim": 64, "num_attention_heads": 24, "joint_attention_dim": 4096,
                       "caption_projection_dim": 1536, "pooled_projection_dim": 2048, "out_channels": 16,
                       "pos_embed_max_size": 384, "qk_norm": "rms_norm",
                       "dual_attention_layers": list(range(13))}  # fmt: skip
    return Config(
        "SD3.5-medium" + (" (small)" if small else ""),
        lambda: SD3Transformer2DModel(**transformer),
        16,
        False,
        77 + 256 if not small else 16,
        transformer["joint_attention_dim"],
        transformer["pooled_projection_dim"],
        lambda: AutoencoderKL(**_vae_config(small)),
    )


def _flux(small: bool) -> Config:
    from diffusers import AutoencoderKL, FluxTransformer2DModel

    transformer: dict[str, Any]
    if small:
        transformer = {"patch_size": 1, "in_channels": 64, "num_layers": 1, "num_single_layers": 1,
                       "attention_head_dim": 16, "num_attention_heads": 2, "joint_attention_dim": 32,
                       "pooled_projection_dim": 32, "axes_dims_rope": [4, 4, 8]}  # fmt: skip
    else:  # black-forest-labs/FLUX.1-schnell transformer/config.json
        transformer = {"patch_size": 1, "in_channels": 64, "num_layers": 19, "num_single_layers": 38,
                       "attention_head_dim": 128, "num_attention_heads": 24, "joint_attention_dim": 4096,
                       "pooled_projection_dim": 768, "guidance_embeds": False,
                       "axes_dims_rope": [16, 56, 56]}  # fmt: skip
    return Config(
        "FLUX.1-schnell" + (" (small)" if small else ""),
        lambda: FluxTransformer2DModel(**transformer),
        16,
        True,
        256 if not small else 16,
        transformer["joint_attention_dim"],
        transformer["pooled_projection_dim"],
        lambda: AutoencoderKL(**_vae_config(small)),
    )


def _vae_config(small: bool) -> dict[str, Any]:
    blocks = [8, 8, 8, 8] if small else [128, 256, 512, 512]
    return {"in_channels": 3, "out_channels": 3, "latent_channels": 16, "block_out_channels": blocks,
            "layers_per_block": 1 if small else 2, "down_block_types": ["DownEncoderBlock2D"] * 4,
            "up_block_types": ["UpDecoderBlock2D"] * 4, "norm_num_groups": 8 if small else 32,
            "use_quant_conv": False, "use_post_quant_conv": False}  # fmt: skip


def _inputs(config: Config, batch: int, width: int, height: int, device: torch.device, dtype: torch.dtype) -> Any:
    """The denoiser's keyword arguments for one step of `batch` images."""
    lat_h, lat_w = height // 8, width // 8
    text = torch.randn(batch, config.text_tokens, config.text_width, device=device, dtype=dtype)
    pooled = torch.randn(batch, config.pooled_width, device=device, dtype=dtype)
    timestep = torch.full((batch,), 500.0, device=device, dtype=dtype)
    if not config.packed:
        latents = torch.randn(batch, config.latent_channels, lat_h, lat_w, device=device, dtype=dtype)
        return {"hidden_states": latents, "encoder_hidden_states": text, "pooled_projections": pooled,
                "timestep": timestep}  # fmt: skip
    tokens_h, tokens_w = lat_h // 2, lat_w // 2
    packed = torch.randn(batch, tokens_h * tokens_w, config.latent_channels * 4, device=device, dtype=dtype)
    ids = torch.zeros(tokens_h, tokens_w, 3, device=device)
    ids[..., 1] += torch.arange(tokens_h, device=device)[:, None]
    ids[..., 2] += torch.arange(tokens_w, device=device)[None, :]
    return {"hidden_states": packed, "encoder_hidden_states": text, "pooled_projections": pooled,
            "timestep": timestep / 1000, "img_ids": ids.reshape(-1, 3),
            "txt_ids": torch.zeros(config.text_tokens, 3, device=device)}  # fmt: skip


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(call: Callable[[], Any], device: torch.device, repeats: int) -> float:
    call()  # warm-up: kernels chosen, memory pooled
    _synchronize(device)
    started = time.perf_counter()
    for _ in range(repeats):
        call()
    _synchronize(device)
    return (time.perf_counter() - started) / repeats


def _go_fast(transformer: Any) -> None:
    from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, quantize_

    quantize_(transformer, Float8DynamicActivationFloat8WeightConfig())


def measure(
    config: Config, *, batch: int, steps: int, width: int, height: int, device: torch.device, dtype: torch.dtype,
    go_fast: bool = False,
) -> dict[str, float]:  # fmt: skip
    """Seconds per step, images/s and the denoiser's TFLOP/s for `config`."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # made in bf16 on the card: Flux's 12 B parameters never exist in fp32
    try:
        with torch.device(device):
            transformer = config.transformer().eval().requires_grad_(False)
            vae = config.vae().eval().requires_grad_(False)
    finally:
        torch.set_default_dtype(default)
    if go_fast and device.type == "cuda" and config.packed:
        _go_fast(transformer)
    kwargs = _inputs(config, batch, width, height, device, dtype)
    latents = torch.randn(batch, config.latent_channels, height // 8, width // 8, device=device, dtype=dtype)
    with torch.inference_mode():
        counter = FlopCounterMode(display=False)
        with counter:
            transformer(**kwargs)
        flops = counter.get_total_flops()
        step = _timed(lambda: transformer(**kwargs), device, repeats=max(2, steps))
        decode = _timed(lambda: vae.decode(latents), device, repeats=2)
    seconds_per_batch = steps * step + decode
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return {"step": step, "decode": decode, "images_per_s": batch / seconds_per_batch, "tflops": flops / step / 1e12}


def _peak(device: torch.device, given: float | None) -> float | None:
    if given is not None:
        return given
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((peak for key, peak in BF16_PEAKS.items() if key in name), None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", action="store_true", help="tiny configs on the CPU at 64x64 (for CI)")
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--peak-tflops", type=float, default=None, help="the card's dense bf16 peak, if not known")
    parser.add_argument("--go-fast", action="store_true", help="Flux transformer in fp8 (torchao), CUDA only")
    args = parser.parse_args(argv)
    from diffusers.utils import logging

    logging.set_verbosity_error()
    if args.small:
        device, dtype, width, height = torch.device("cpu"), torch.float32, 64, 64
        batch, steps = args.batch or 1, args.steps or 2
    else:
        if not torch.cuda.is_available():
            raise SystemExit("bench.gpu needs a CUDA GPU; run it with --small to check it on the CPU")
        device, dtype, width, height = torch.device("cuda"), torch.bfloat16, 1280, 720
        batch, steps = args.batch or 4, args.steps or 8
        torch.set_float32_matmul_precision("high")  # TF32: kiln's default on CUDA
        torch.backends.cudnn.allow_tf32 = True
    peak = _peak(device, args.peak_tflops)
    shown = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    table = Table(title=f"{shown}, {width}x{height}, batch {batch}, {steps} steps, {str(dtype).removeprefix('torch.')}")
    for column in ("model", "s/step", "VAE decode s", "images/s", "denoiser TFLOP/s", "share of bf16 peak"):
        table.add_column(column)
    for config in (_sd35(args.small), _flux(args.small)):
        result = measure(
            config, batch=batch, steps=steps, width=width, height=height, device=device, dtype=dtype,
            go_fast=args.go_fast,
        )  # fmt: skip
        share = f"{result['tflops'] / peak:.1%}" if peak else "n/a (no known peak)"
        table.add_row(
            config.name, f"{result['step']:.4f}", f"{result['decode']:.4f}", f"{result['images_per_s']:.3f}",
            f"{result['tflops']:.4g}", share,
        )  # fmt: skip
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
