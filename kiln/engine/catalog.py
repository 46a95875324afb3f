"""The model catalog: turns a model name into a `ModelInfo` (where it lives, which family). No torch.

A name is a built-in tiny id (`tiny-sd`), a hub id (`org/name`), a local folder in diffusers layout
(`model_index.json` names the pipeline class) or a single-file `.safetensors`/`.ckpt` checkpoint. Names from
API callers are resolved with `local=False`: built-in and hub ids only, without looking at the disk, so a
caller cannot probe the server's files (the server's own default model may still be local).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiln.engine.families import FAMILIES, Family, family_for_pipeline_class
from kiln.errors import InvalidInput, UnknownModel

__all__ = [
    "BUILTIN_MODELS",
    "KNOWN_HUB_MODELS",
    "ModelInfo",
    "is_hub_id",
    "list_models",
    "resolve_model",
    "safetensors_keys",
]

ModelSource = Literal["builtin", "hub", "folder", "single_file", "remote"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Where a model lives and which family's defaults apply to it."""

    name: str
    source: ModelSource
    location: str
    family: Family
    description: str = ""

    @property
    def label(self) -> str:
        """The name written into image metadata (a folder's or file's base name, never a full path)."""
        if self.source in ("folder", "single_file"):
            return Path(self.location).stem
        return self.name


BUILTIN_MODELS: Mapping[str, ModelInfo] = {
    name: ModelInfo(name, "builtin", name, FAMILIES[name], description)
    for name, description in (
        (
            "tiny-sd",
            "Stable Diffusion 1.5 architecture, random weights, CLIP tokenizer (for tests and demos)",
        ),
        ("tiny-sd3", "Stable Diffusion 3 architecture, random weights, CLIP x2 + T5"),
        ("tiny-flux", "FLUX.1-schnell architecture, random weights, CLIP + T5, few-step"),
        ("tiny-zimage", "Z-Image-Turbo architecture, random weights, Qwen3 text encoder, few-step"),
        ("tiny-svd", "Stable Video Diffusion architecture, random weights, image-to-video"),
        ("tiny-ltx", "LTX-Video architecture, random weights, text- and image-to-video"),
        ("tiny-wan", "Wan 2.1 architecture, random weights, text-to-video (image-to-video through tiny-wan-i2v)"),
        ("tiny-wan-i2v", "Wan 2.1 image-to-video architecture, random weights, CLIP image encoder"),
    )
}

KNOWN_HUB_MODELS: Mapping[str, tuple[str, str]] = {
    "stable-diffusion-v1-5/stable-diffusion-v1-5": ("sd15", "Stable Diffusion 1.5"),
    "stabilityai/stable-diffusion-xl-base-1.0": ("sdxl", "SDXL base 1.0"),
    "stabilityai/sdxl-turbo": ("sdxl", "SDXL Turbo"),
    "stabilityai/stable-diffusion-3-medium-diffusers": ("sd3", "SD3 medium"),
    "stabilityai/stable-diffusion-3.5-medium": ("sd3", "SD3.5 medium"),
    "stabilityai/stable-diffusion-3.5-large": ("sd3", "SD3.5 large"),
    "stabilityai/stable-diffusion-3.5-large-turbo": ("sd3", "SD3.5 large turbo"),
    "black-forest-labs/FLUX.1-schnell": ("flux-schnell", "FLUX.1 schnell (4 steps)"),
    "black-forest-labs/FLUX.1-dev": ("flux", "FLUX.1 dev"),
    "Tongyi-MAI/Z-Image-Turbo": ("zimage-turbo", "Z-Image Turbo (8 steps)"),
    "stabilityai/stable-video-diffusion-img2vid-xt": ("svd", "Stable Video Diffusion XT (image-to-video, 25 frames)"),
    "stabilityai/stable-video-diffusion-img2vid-xt-1-1": ("svd", "Stable Video Diffusion XT 1.1 (image-to-video)"),
    "Lightricks/LTX-Video": ("ltx", "LTX-Video (text- and image-to-video)"),
    "Wan-AI/Wan2.1-T2V-1.3B-Diffusers": ("wan", "Wan 2.1 1.3B (text-to-video, 480p)"),
    "Wan-AI/Wan2.1-T2V-14B-Diffusers": ("wan", "Wan 2.1 14B (text-to-video)"),
    "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers": ("wan-i2v", "Wan 2.1 14B image-to-video, 480p"),
    "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers": ("wan-i2v", "Wan 2.1 14B image-to-video, 720p"),
}

_CHECKPOINT_SUFFIXES = (".safetensors", ".ckpt")
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", re.ASCII)


def is_hub_id(name: str) -> bool:
    """Whether `name` is spelled as a hub id, `org/name` (no `..`, not a checkpoint file's name)."""
    return _HUB_ID.fullmatch(name) is not None and ".." not in name and not name.endswith(_CHECKPOINT_SUFFIXES)


def _family_from_folder(folder: Path) -> Family:
    index = folder / "model_index.json"
    if not index.is_file():
        raise InvalidInput("model", f"{folder} has no model_index.json; is it a diffusers pipeline folder?")
    try:
        meta = json.loads(index.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput("model", f"{index} is not valid JSON: {exc}") from exc
    builtin = meta.get("_kiln_builtin")
    if isinstance(builtin, str) and builtin in FAMILIES:  # a saved tiny model keeps its family
        return FAMILIES[builtin]
    class_name = str(meta.get("_class_name", ""))
    family = family_for_pipeline_class(class_name)
    if family is None:
        raise InvalidInput("model", f"{folder} holds a {class_name or 'unknown'} pipeline, which kiln cannot run")
    return family


def resolve_model(name: str, family_hint: str | None = None, *, local: bool = True) -> ModelInfo:
    """Find a model by name. `family_hint` picks the family for single files and unknown hub ids; `local=False`
    refuses, without looking, every name that is not a built-in or hub id (folders and files)."""
    name = name.strip()
    if not name:
        raise InvalidInput("model", "the model name is empty")
    if name in BUILTIN_MODELS:
        return BUILTIN_MODELS[name]
    hinted = None
    if family_hint is not None:
        if family_hint not in FAMILIES:
            raise InvalidInput("family", f"unknown family {family_hint!r}; choose one of {', '.join(FAMILIES)}")
        hinted = FAMILIES[family_hint]
    if not local:
        if not is_hub_id(name):
            raise UnknownModel(name, list(BUILTIN_MODELS), local=False)
    else:
        path = Path(name).expanduser()
        if path.is_dir():
            return ModelInfo(name, "folder", str(path.resolve()), hinted or _family_from_folder(path))
        if path.suffix in _CHECKPOINT_SUFFIXES:
            if not path.is_file():
                raise InvalidInput("model", f"checkpoint file {path} does not exist")
            family = hinted or _family_from_checkpoint(path)
            return ModelInfo(name, "single_file", str(path.resolve()), family)
    if name in KNOWN_HUB_MODELS:
        family_name, description = KNOWN_HUB_MODELS[name]
        return ModelInfo(name, "hub", name, hinted or FAMILIES[family_name], description)
    if name.count("/") == 1 and not name.startswith(("/", ".")):
        if hinted is None:
            raise InvalidInput(
                "model", f"{name!r} is not a hub id kiln knows; pass --family (one of {', '.join(FAMILIES)})"
            )
        return ModelInfo(name, "hub", name, hinted)
    raise UnknownModel(name, list(BUILTIN_MODELS))


# Key prefixes that tell single-file checkpoints apart (the same markers diffusers' single-file loader uses).
_CHECKPOINT_MARKERS: tuple[tuple[str, str], ...] = (
    ("conditioner.embedders.1", "sdxl"),
    ("model.diffusion_model.joint_blocks", "sd3"),
    ("joint_blocks.", "sd3"),
    ("model.diffusion_model.double_blocks", "flux"),
    ("double_blocks.", "flux"),
    ("model.diffusion_model.input_blocks", "sd15"),
)


def safetensors_keys(path: Path) -> list[str]:
    """Tensor names from a .safetensors header (8-byte little-endian length, then JSON), without torch."""
    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        if not 0 < size < 100_000_000:
            raise InvalidInput("model", f"{path} is not a safetensors file (bad header length)")
        try:
            header = json.loads(handle.read(size))
        except json.JSONDecodeError as exc:
            raise InvalidInput("model", f"{path} is not a safetensors file: {exc}") from exc
    return [key for key in header if key != "__metadata__"]


def _family_from_checkpoint(path: Path) -> Family:
    if path.suffix != ".safetensors":
        raise InvalidInput("family", f"{path.name} is a pickle checkpoint; pass --family to say what it holds")
    keys = safetensors_keys(path)
    for marker, family_name in _CHECKPOINT_MARKERS:
        if any(key.startswith(marker) for key in keys):
            if family_name == "flux" and not any("guidance_in" in key for key in keys):
                return FAMILIES["flux-schnell"]
            return FAMILIES[family_name]
    raise InvalidInput("family", f"cannot tell which model family {path.name} holds; pass --family")


def list_models() -> list[ModelInfo]:
    """The built-in models and the hub ids kiln knows by name."""
    hub = [ModelInfo(n, "hub", n, FAMILIES[f], d) for n, (f, d) in KNOWN_HUB_MODELS.items()]
    return [*BUILTIN_MODELS.values(), *hub]
