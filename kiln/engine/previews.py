"""Low-resolution previews of images still being denoised, from the latents at a step (no VAE decode).

Four-channel latents (Stable Diffusion 1.x/2.x, SDXL) go through the usual linear latent→RGB factors; others (SD3,
Flux, Z-Image: 16 channels) through their first three principal components, a model-free projection that shows
the composition forming. Flux's packed latents (batch, patches, channels·4) are unpacked first. A preview is a
rough look at the layout and colours, not the final image: good for a progress view, cheap on a hot path (a few
small tensor operations per step when asked for)."""

from __future__ import annotations

import torch
from PIL import Image

__all__ = ["PREVIEW_SIDE", "latent_previews"]

PREVIEW_SIDE = 64  # the longer side of a preview, in pixels
VAE_SCALE = 8
# the widely used approximation for 4-channel SD latents (rows: latent channels; columns: R, G, B)
_SD_RGB = torch.tensor(
    [[0.3512, 0.2297, 0.3227], [0.3250, 0.4974, 0.2350], [-0.2829, 0.1762, 0.2721], [-0.2120, -0.2616, -0.7177]]
)


def latent_previews(latents: torch.Tensor, *, width: int, height: int, side: int = PREVIEW_SIDE) -> list[Image.Image]:
    """One RGB preview per image of a batch of latents, its longer side `side` pixels."""
    spatial = _spatial(latents.detach().float().cpu(), width, height)
    previews = []
    for latent in spatial:
        rgb = _to_rgb(latent)  # (h, w, 3) in 0..1
        image = Image.fromarray((rgb * 255).round().to(torch.uint8).numpy())
        scale = side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        previews.append(image.resize(size, Image.Resampling.BILINEAR))
    return previews


def _spatial(latents: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """(batch, channels, h, w), unpacking Flux's (batch, patches, channels * 4)."""
    if latents.dim() == 4:
        return latents
    if latents.dim() == 3:
        batch, patches, packed = latents.shape
        rows, cols = 2 * (height // (VAE_SCALE * 2)), 2 * (width // (VAE_SCALE * 2))
        if patches == (rows // 2) * (cols // 2) and packed % 4 == 0:
            unpacked = latents.view(batch, rows // 2, cols // 2, packed // 4, 2, 2).permute(0, 3, 1, 4, 2, 5)
            return unpacked.reshape(batch, packed // 4, rows, cols)
    raise ValueError(f"no preview for latents of shape {tuple(latents.shape)}")


def _to_rgb(latent: torch.Tensor) -> torch.Tensor:
    channels, rows, cols = latent.shape
    pixels = latent.reshape(channels, -1).T  # (h*w, channels)
    if channels == _SD_RGB.shape[0]:
        rgb = pixels @ _SD_RGB
    else:
        centred = pixels - pixels.mean(dim=0, keepdim=True)
        _, _, components = torch.linalg.svd(centred, full_matrices=False)
        rgb = centred @ components[:3].T
        if rgb.shape[1] < 3:  # fewer than three channels: grey
            rgb = rgb[:, :1].expand(-1, 3)
    low, high = torch.quantile(rgb, 0.01, dim=0), torch.quantile(rgb, 0.99, dim=0)
    scaled = ((rgb - low) / (high - low).clamp_min(1e-6)).clamp(0, 1)
    return scaled.reshape(rows, cols, 3)
