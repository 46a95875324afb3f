"""Upscalers: ESRGAN-family models (the `.pth`/`.safetensors` files the community shares) loaded with spandrel,
run in tiles so a large image fits in memory, and the built-in `tiny-esrgan` (random weights, saved once as a
safetensors file so it loads through the same path as a downloaded model).

Names: `tiny-esrgan`, a file name in the upscalers folder (`KILN_UPSCALERS_DIR`), or, from the CLI, a path.
Tiling: the image is cut into `tile`-pixel squares, each run with `overlap` pixels of its neighbours around it
(the model sees what it would see untiled, up to its receptive field) and only its own square kept, so tiled and
untiled results agree away from the seams.
"""

from __future__ import annotations

import math
import sys
import types
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from kiln.engine.upscaler_names import BUILTIN_UPSCALERS, DIFFUSION_UPSCALERS, resolve_upscaler
from kiln.errors import InvalidInput

__all__ = ["DEFAULT_OVERLAP", "DEFAULT_TILE", "Upscaler", "load_upscaler", "upscale_image"]

DEFAULT_TILE = 512
DEFAULT_OVERLAP = 32


def _spandrel() -> Any:
    """spandrel, importable where torchvision is not installed: it imports torchvision only for two architectures
    kiln never loads (LaMa, RestoreFormer), and a CPU torch cannot load the CUDA torchvision wheel PyPI serves. A
    stand-in module then raises if those are ever called."""
    try:
        import torchvision  # type: ignore[import-not-found]  # noqa: F401
    except Exception:
        stand_ins = _stand_in_torchvision()
        try:
            import spandrel
        finally:
            # spandrel bound what it imports; left in `sys.modules`, a module without a `__spec__` makes every later
            # `find_spec("torchvision")` raise, and with it the first `import diffusers` of the process
            for name, module in stand_ins.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
        return spandrel
    import spandrel

    return spandrel


def _stand_in_torchvision() -> dict[str, types.ModuleType]:
    def unavailable(*args: object, **kwargs: object) -> None:
        raise RuntimeError("this model architecture needs torchvision, which is not installed")

    class InterpolationMode(Enum):
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"

    root, transforms, functional = (types.ModuleType(n) for n in ("torchvision", "transforms", "functional"))
    functional.__dict__.update(normalize=unavailable, rotate=unavailable, InterpolationMode=InterpolationMode)
    transforms.__dict__["functional"] = functional
    root.__dict__["transforms"] = transforms
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]  # a half-imported real one
    stand_ins = {
        "torchvision": root,
        "torchvision.transforms": transforms,
        "torchvision.transforms.functional": functional,
    }
    sys.modules.update(stand_ins)
    return stand_ins


@dataclass(frozen=True, slots=True)
class Upscaler:
    """A loaded upscaler: spandrel's model descriptor, its name and native scale."""

    name: str
    descriptor: Any
    scale: int
    device: torch.device
    diffusion: bool = False  # diffusers' SD x4 upscaler: `descriptor` is its pipeline


def load_upscaler(
    name: str, *, folder: Path, builtin_dir: Path, local: bool = True, device: torch.device | None = None
) -> Upscaler:
    """Load `name` (see the module's doc) with spandrel; `InvalidInput` naming `upscaler` for an unknown name, a
    file spandrel cannot read, or a model that does not upscale."""
    path = resolve_upscaler(name, folder=folder, local=local)
    device = device or torch.device("cpu")
    if name in DIFFUSION_UPSCALERS:
        return Upscaler(name=name, descriptor=_sd_x4(name, device), scale=4, device=device, diffusion=True)
    if path is None:  # built-in: made once, then read back like any file
        path = _builtin_file(name, builtin_dir)
    spandrel = _spandrel()
    try:
        descriptor = spandrel.ModelLoader().load_from_file(str(path))
    except Exception as exc:  # spandrel raises many kinds for files it does not know
        raise InvalidInput(
            "upscaler", f"{Path(name).name} is not an upscaler spandrel can load ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(descriptor, spandrel.ImageModelDescriptor) or descriptor.purpose != "SR":
        raise InvalidInput("upscaler", f"{Path(name).name} is not a super-resolution model; give an upscaler")
    descriptor.to(device).eval()
    return Upscaler(name=Path(name).stem, descriptor=descriptor, scale=int(descriptor.scale), device=device)


def _sd_x4(name: str, device: torch.device) -> Any:
    """diffusers' Stable Diffusion x4 upscaler pipeline (the built-in tiny one, or the hub's)."""
    if name == "tiny-sd-x4":
        from kiln.engine.tiny.sd_x4 import build_tiny_sd_x4

        pipe = build_tiny_sd_x4()
    else:
        from diffusers import StableDiffusionUpscalePipeline

        dtype = torch.float16 if device.type == "cuda" else torch.float32
        pipe = StableDiffusionUpscalePipeline.from_pretrained(name, torch_dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device)


def _builtin_file(name: str, builtin_dir: Path) -> Path:
    from kiln.engine.tiny.esrgan import save_tiny_esrgan

    path = builtin_dir / f"{name}.safetensors"
    if not path.is_file():
        save_tiny_esrgan(path, BUILTIN_UPSCALERS[name])
    return path


def upscale_image(
    upscaler: Upscaler,
    image: Image.Image,
    *,
    scale: float | None = None,
    tile: int = DEFAULT_TILE,
    overlap: int = DEFAULT_OVERLAP,
    steps: int = 20,
    prompt: str = "",
) -> Image.Image:
    """`image` upscaled by the model (in tiles of `tile` pixels, 0: whole), then resized with Lanczos to `scale`
    times its size when that differs from the model's own scale. The SD x4 upscaler runs `steps` denoising steps
    guided by `prompt` on the whole image (its VAE decodes in tiles when the result is large)."""
    if upscaler.diffusion:
        result = _diffuse(upscaler, image.convert("RGB"), steps, prompt, tile)
        if scale is not None and scale != upscaler.scale:
            result = result.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
        return result
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    pixels = torch.from_numpy(rgb).permute(2, 0, 1)[None]
    with torch.inference_mode():
        out = _tiled(upscaler, pixels, tile, overlap) if tile else _run(upscaler, pixels)
    array = out[0].permute(1, 2, 0).clamp(0, 1).mul(255).round().to(torch.uint8).cpu().numpy()
    result = Image.fromarray(array)
    if scale is not None and scale != upscaler.scale:
        size = (round(image.width * scale), round(image.height * scale))
        result = result.resize(size, Image.Resampling.LANCZOS)
    return result


def _diffuse(upscaler: Upscaler, image: Image.Image, steps: int, prompt: str, tile: int) -> Image.Image:
    pipe = upscaler.descriptor
    large = tile and max(image.size) > tile
    pipe.vae.enable_tiling() if large else pipe.vae.disable_tiling()
    with torch.inference_mode():
        output = pipe(
            prompt=prompt, image=image, num_inference_steps=steps, generator=torch.Generator("cpu").manual_seed(0)
        )
    result: Image.Image = output.images[0]
    return result


def _run(upscaler: Upscaler, pixels: torch.Tensor) -> torch.Tensor:
    out: torch.Tensor = upscaler.descriptor(pixels.to(upscaler.device))
    return out.float().cpu()


def _tiled(upscaler: Upscaler, pixels: torch.Tensor, tile: int, overlap: int) -> torch.Tensor:
    _, channels, height, width = pixels.shape
    scale = upscaler.scale
    out = torch.zeros((1, channels, height * scale, width * scale))
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            bottom, right = min(top + tile, height), min(left + tile, width)
            y0, x0 = max(top - overlap, 0), max(left - overlap, 0)
            y1, x1 = min(bottom + overlap, height), min(right + overlap, width)
            result = _run(upscaler, pixels[:, :, y0:y1, x0:x1])
            dy, dx = (top - y0) * scale, (left - x0) * scale
            core = result[:, :, dy : dy + (bottom - top) * scale, dx : dx + (right - left) * scale]
            out[:, :, top * scale : bottom * scale, left * scale : right * scale] = core
    return out


def tiles_of(width: int, height: int, tile: int) -> int:
    """How many tiles an image of this size is cut into (1 untiled)."""
    return 1 if not tile else math.ceil(width / tile) * math.ceil(height / tile)
