"""Model families: what each kind of pipeline needs and defaults to. Pure data, no torch.

A family is a diffusers pipeline class plus the knobs a user sees: default steps and guidance, the quality
presets in steps (few-step distilled models map them to few steps), the size multiple, negative-prompt support,
and the text encoders with their token limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

__all__ = ["FAMILIES", "QUALITY_NAMES", "Family", "TextEncoder", "family_for_pipeline_class"]

QUALITY_NAMES = ("fast", "balanced", "high", "ultra")
TokenizerKind = Literal["clip", "t5", "qwen"]


@dataclass(frozen=True, slots=True)
class TextEncoder:
    """One text encoder of a pipeline: its tokenizer's subfolder and how many tokens it reads."""

    name: str
    tokenizer_subfolder: str
    kind: TokenizerKind
    max_tokens: int


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class Family:
    """Defaults and limits shared by every model of one architecture."""

    name: str
    pipeline_class: str
    default_steps: int
    quality_steps: Mapping[str, int]
    default_guidance: float
    size_multiple: int
    default_megapixels: float
    supports_negative: bool
    text_encoders: tuple[TextEncoder, ...]
    img2img_class: str | None = None
    max_steps: int = 150
    min_side: int = 64
    max_side: int = 4096
    distilled: bool = False
    call_kwargs: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))
    schedulers: tuple[str, ...] = ("default",)

    def steps_for_quality(self, quality: str) -> int:
        return self.quality_steps[quality]


_STANDARD_STEPS = _frozen({"fast": 25, "balanced": 44, "high": 64, "ultra": 84})
_CLIP_L = TextEncoder("clip_l", "tokenizer", "clip", 77)
_CLIP_G = TextEncoder("clip_g", "tokenizer_2", "clip", 77)
_SD_SCHEDULERS = ("default", "ddim", "euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "pndm", "lms")

SD15 = Family(
    name="sd15",
    pipeline_class="StableDiffusionPipeline",
    img2img_class="StableDiffusionImg2ImgPipeline",
    default_steps=44,
    quality_steps=_STANDARD_STEPS,
    default_guidance=7.0,
    size_multiple=8,
    default_megapixels=0.26,
    supports_negative=True,
    text_encoders=(_CLIP_L,),
    max_side=2048,
    schedulers=_SD_SCHEDULERS,
)
SDXL = replace(
    SD15,
    name="sdxl",
    pipeline_class="StableDiffusionXLPipeline",
    img2img_class="StableDiffusionXLImg2ImgPipeline",
    default_megapixels=1.0,
    text_encoders=(_CLIP_L, _CLIP_G),
    max_side=4096,
)
SD3 = Family(
    name="sd3",
    pipeline_class="StableDiffusion3Pipeline",
    img2img_class="StableDiffusion3Img2ImgPipeline",
    default_steps=44,
    quality_steps=_STANDARD_STEPS,
    default_guidance=4.5,
    size_multiple=16,
    default_megapixels=1.0,
    supports_negative=True,
    text_encoders=(_CLIP_L, _CLIP_G, TextEncoder("t5", "tokenizer_3", "t5", 256)),
    call_kwargs=_frozen({"max_sequence_length": 256}),
)
FLUX = Family(
    name="flux",
    pipeline_class="FluxPipeline",
    img2img_class="FluxImg2ImgPipeline",
    default_steps=44,
    quality_steps=_STANDARD_STEPS,
    default_guidance=3.5,
    size_multiple=16,
    default_megapixels=1.0,
    supports_negative=False,
    text_encoders=(_CLIP_L, TextEncoder("t5", "tokenizer_2", "t5", 512)),
    call_kwargs=_frozen({"max_sequence_length": 512}),
)
# Timestep-distilled: quality presets map to few steps, guidance is off.
FLUX_SCHNELL = replace(
    FLUX,
    name="flux-schnell",
    default_steps=4,
    quality_steps=_frozen({"fast": 2, "balanced": 4, "high": 6, "ultra": 8}),
    default_guidance=0.0,
    max_steps=50,
    distilled=True,
    text_encoders=(_CLIP_L, TextEncoder("t5", "tokenizer_2", "t5", 256)),
    call_kwargs=_frozen({"max_sequence_length": 256}),
)
ZIMAGE = Family(
    name="zimage",
    pipeline_class="ZImagePipeline",
    img2img_class="ZImageImg2ImgPipeline",
    default_steps=44,
    quality_steps=_STANDARD_STEPS,
    default_guidance=4.0,
    size_multiple=16,
    default_megapixels=1.0,
    supports_negative=True,
    text_encoders=(TextEncoder("qwen", "tokenizer", "qwen", 512),),
    call_kwargs=_frozen({"max_sequence_length": 512}),
)
ZIMAGE_TURBO = replace(
    ZIMAGE,
    name="zimage-turbo",
    default_steps=8,
    quality_steps=_frozen({"fast": 6, "balanced": 8, "high": 12, "ultra": 16}),
    default_guidance=0.0,
    max_steps=50,
    distilled=True,
)

# Built-in tiny models: the real families at small sizes (the tiny VAEs and transformers use patch size 1,
# so SD3 rounds to 8; Flux packs 2x2 latents and Z-Image patches 2x2, so they round to 16).
_TINY_MP = 128 * 128 / 1e6
TINY_SD = replace(SD15, name="tiny-sd", default_megapixels=_TINY_MP, min_side=32, max_side=1024)
TINY_SD3 = replace(SD3, name="tiny-sd3", size_multiple=8, default_megapixels=_TINY_MP, min_side=32, max_side=1024)
TINY_FLUX = replace(FLUX_SCHNELL, name="tiny-flux", default_megapixels=_TINY_MP, min_side=32, max_side=1024)
TINY_ZIMAGE = replace(
    ZIMAGE_TURBO,
    name="tiny-zimage",
    default_megapixels=_TINY_MP,
    min_side=32,
    max_side=1024,
    # cfg_normalization / cfg_truncation as in the real Turbo defaults; a short caption keeps tiny runs fast
    call_kwargs=_frozen({"max_sequence_length": 512, "cfg_normalization": False, "cfg_truncation": 1.0}),
)

FAMILIES: Mapping[str, Family] = _frozen(
    {
        f.name: f
        for f in (
            SD15,
            SDXL,
            SD3,
            FLUX,
            FLUX_SCHNELL,
            ZIMAGE,
            ZIMAGE_TURBO,
            TINY_SD,
            TINY_SD3,
            TINY_FLUX,
            TINY_ZIMAGE,
        )
    }
)

_BY_PIPELINE_CLASS = {
    "StableDiffusionPipeline": SD15,
    "StableDiffusionXLPipeline": SDXL,
    "StableDiffusion3Pipeline": SD3,
    "FluxPipeline": FLUX,
    "ZImagePipeline": ZIMAGE,
}


def family_for_pipeline_class(class_name: str) -> Family | None:
    """The family of a diffusers pipeline class name as written in `model_index.json`."""
    return _BY_PIPELINE_CLASS.get(class_name)
