"""Upscaler names → files, without torch (the API checks names with it): the built-in tiny upscaler, a file in the
upscalers folder named by its file name, or (local runs only) a path to a `.pth`/`.safetensors` file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from kiln.errors import InvalidInput

__all__ = ["BUILTIN_UPSCALERS", "DIFFUSION_UPSCALERS", "UPSCALER_SUFFIXES", "list_upscalers", "resolve_upscaler"]

UPSCALER_SUFFIXES = (".pth", ".safetensors")
# built-in upscalers: ESRGAN (RRDBNet) shapes, random weights seeded at build (for tests and demos)
BUILTIN_UPSCALERS: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {"tiny-esrgan": MappingProxyType({"num_filters": 16, "num_blocks": 1, "scale": 4})}
)

# diffusers' Stable Diffusion x4 upscaler (a diffusion model: 4x, guided by a prompt), the hub's and a tiny one
DIFFUSION_UPSCALERS = ("stabilityai/stable-diffusion-x4-upscaler", "tiny-sd-x4")


def list_upscalers(folder: Path) -> list[str]:
    """The built-in upscalers, then the model files in `folder` by file name."""
    files = sorted(p.name for p in folder.iterdir() if p.suffix in UPSCALER_SUFFIXES) if folder.is_dir() else []
    return [*BUILTIN_UPSCALERS, *DIFFUSION_UPSCALERS, *files]


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL: names no file
        return False


def resolve_upscaler(name: str, *, folder: Path, local: bool = True) -> Path | None:
    """The file of upscaler `name` (None: a built-in, made on first use, or a diffusion upscaler); `InvalidInput`
    naming `upscaler` for a name that is none of these. `local=False` (API callers) never takes a path, only a file
    name in `folder`."""
    name = name.strip()
    if name in BUILTIN_UPSCALERS or name in DIFFUSION_UPSCALERS:
        return None
    in_folder = folder / name
    plain = "/" not in name and "\\" not in name and name not in ("", ".", "..") and len(name) <= 255
    if plain and _is_file(in_folder) and in_folder.suffix in UPSCALER_SUFFIXES:
        return in_folder
    if local:
        path = Path(name).expanduser()
        if _is_file(path) and path.suffix in UPSCALER_SUFFIXES:
            return path.resolve()
        if path.suffix in UPSCALER_SUFFIXES and not path.exists():
            raise InvalidInput("upscaler", f"{name} does not exist; give the path of a .pth or .safetensors upscaler")
    choices = ", ".join(list_upscalers(folder))
    raise InvalidInput(
        "upscaler", f"unknown upscaler {name[:80]!r}; choose one of: {choices} (files in the upscalers folder)"
    )
