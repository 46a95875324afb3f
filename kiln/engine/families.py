"""Model families: what each kind of pipeline needs and defaults to. Pure data, no torch.

A family is a diffusers pipeline class plus the knobs a user sees: default steps and guidance, the quality
presets in steps (few-step distilled models map them to few steps), the size multiple, negative-prompt support,
and the text encoders with their token limits. A video family adds `VideoTraits`: its modes (text-to-video,
image-to-video) with the pipeline class of each, and its frame rate, clip length and frame-count rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "FAMILIES",
    "QUALITY_NAMES",
    "VIDEO_MODES",
    "Family",
    "TextEncoder",
    "VideoMode",
    "VideoTraits",
    "family_for_pipeline_class",
]

QUALITY_NAMES = ("fast", "balanced", "high", "ultra")
TokenizerKind = Literal["clip", "t5", "qwen", "gemma"]
VideoMode = Literal["t2v", "i2v"]
VIDEO_MODES: tuple[VideoMode, ...] = ("t2v", "i2v")


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
class VideoTraits:
    """What a video family adds: its modes, and the frame rate, length and size its clips default to.

    Frame counts are `frame_step * k + 1` (the VAE compresses time by `frame_step` and keeps the first frame).
    `motion_conditioning`: the model takes SVD's motion bucket, noise augmentation and fps conditioning.
    """

    modes: Mapping[str, str]  # "t2v" / "i2v" -> the diffusers pipeline class serving it
    default_fps: float
    default_frames: int
    frame_step: int
    max_frames: int
    default_width: int
    default_height: int
    motion_conditioning: bool = False
    sound: bool = False  # the pipeline generates the clip's audio track with it (LTX-2)

    def valid_frames(self, frames: int) -> bool:
        return frames > self.frame_step and (frames - 1) % self.frame_step == 0 and frames <= self.max_frames


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
    video: VideoTraits | None = None

    def steps_for_quality(self, quality: str) -> int:
        return self.quality_steps[quality]

    @property
    def is_video(self) -> bool:
        return self.video is not None


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

# Video. Defaults follow each model card: SVD-XT 25 frames at 1024x576 (its fps conditioning 7), LTX-Video up to
# 257 frames (8k+1) at 24 fps in multiples of 32, Wan 2.1 81 frames (4k+1) at 16 fps, 832x480.
_T5_VIDEO = TextEncoder("t5", "tokenizer", "t5", 128)
_VIDEO_STEPS = _frozen({"fast": 20, "balanced": 30, "high": 40, "ultra": 50})
SVD = Family(
    name="svd",
    pipeline_class="StableVideoDiffusionPipeline",
    default_steps=25,
    quality_steps=_frozen({"fast": 15, "balanced": 25, "high": 30, "ultra": 40}),
    default_guidance=3.0,  # SVD's max_guidance_scale (guidance rises from 1.0 at the first frame)
    size_multiple=64,
    default_megapixels=1024 * 576 / 1e6,
    supports_negative=False,
    text_encoders=(),
    max_side=2048,
    video=VideoTraits(
        modes=_frozen({"i2v": "StableVideoDiffusionPipeline"}),
        default_fps=7.0,
        default_frames=25,
        frame_step=1,
        max_frames=25,
        default_width=1024,
        default_height=576,
        motion_conditioning=True,
    ),
)
LTX = Family(
    name="ltx",
    pipeline_class="LTXPipeline",
    default_steps=40,
    quality_steps=_VIDEO_STEPS,
    default_guidance=3.0,
    size_multiple=32,
    default_megapixels=704 * 480 / 1e6,
    supports_negative=True,
    text_encoders=(_T5_VIDEO,),
    max_side=1280,
    call_kwargs=_frozen({"max_sequence_length": 128}),
    video=VideoTraits(
        modes=_frozen({"t2v": "LTXPipeline", "i2v": "LTXImageToVideoPipeline"}),
        default_fps=24.0,
        default_frames=121,
        frame_step=8,
        max_frames=257,
        default_width=704,
        default_height=480,
    ),
)
# LTX-2: video and its sound track from one audio-video transformer (a Gemma 3 text encoder), 8k+1 frames at 24 fps
# in multiples of 32, 768x512 by default. Its own guidance extras (spatio-temporal and modality guidance) keep the
# pipeline's defaults on real checkpoints; the tiny model turns them off (two layers, no block 28).
LTX2 = Family(
    name="ltx2",
    pipeline_class="LTX2Pipeline",
    default_steps=40,
    quality_steps=_VIDEO_STEPS,
    default_guidance=3.0,
    size_multiple=32,
    default_megapixels=768 * 512 / 1e6,
    supports_negative=True,
    text_encoders=(TextEncoder("gemma3", "tokenizer", "gemma", 1024),),
    max_side=1920,
    call_kwargs=_frozen({"max_sequence_length": 1024}),
    video=VideoTraits(
        modes=_frozen({"t2v": "LTX2Pipeline", "i2v": "LTX2ImageToVideoPipeline"}),
        default_fps=24.0,
        default_frames=121,
        frame_step=8,
        max_frames=257,
        default_width=768,
        default_height=512,
        sound=True,
    ),
)
_WAN_VIDEO = VideoTraits(
    modes=_frozen({"t2v": "WanPipeline"}),
    default_fps=16.0,
    default_frames=81,
    frame_step=4,
    max_frames=81,
    default_width=832,
    default_height=480,
)
WAN = Family(
    name="wan",
    pipeline_class="WanPipeline",
    default_steps=50,
    quality_steps=_VIDEO_STEPS,
    default_guidance=5.0,
    size_multiple=16,
    default_megapixels=832 * 480 / 1e6,
    supports_negative=True,
    text_encoders=(TextEncoder("umt5", "tokenizer", "t5", 512),),
    max_side=1280,
    call_kwargs=_frozen({"max_sequence_length": 512}),
    video=_WAN_VIDEO,
)
# Wan 2.1 image-to-video is its own checkpoint (a CLIP image encoder, 36 input channels); `kiln.engine.video_modes`
# pairs each Wan text-to-video model with one.
WAN_I2V = replace(
    WAN,
    name="wan-i2v",
    pipeline_class="WanImageToVideoPipeline",
    video=replace(_WAN_VIDEO, modes=_frozen({"i2v": "WanImageToVideoPipeline"})),
)


def _tiny_video(family: Family, name: str, size: int, frames: int, **call_kwargs: Any) -> Family:
    """A tiny video family: the real one's traits at `size` square and `frames` long, short prompts."""
    assert family.video is not None
    video = replace(family.video, default_width=size, default_height=size, default_frames=frames)
    kwargs = {**family.call_kwargs, **call_kwargs}
    return replace(
        family,
        name=name,
        default_megapixels=size * size / 1e6,
        min_side=32,
        max_side=512,
        video=video,
        call_kwargs=_frozen(kwargs),
    )


# The tiny SVD VAE halves each side and its UNet downsamples once: sides are multiples of 8.
TINY_SVD = replace(_tiny_video(SVD, "tiny-svd", 64, 8), size_multiple=8)
TINY_LTX = _tiny_video(LTX, "tiny-ltx", 64, 17, max_sequence_length=32)
TINY_LTX2 = _tiny_video(
    LTX2, "tiny-ltx2", 64, 17, max_sequence_length=32, stg_scale=0.0, audio_stg_scale=0.0,
    spatio_temporal_guidance_blocks=None, modality_scale=1.0, audio_modality_scale=1.0,
)  # fmt: skip
TINY_WAN = _tiny_video(WAN, "tiny-wan", 64, 17, max_sequence_length=32)
TINY_WAN_I2V = _tiny_video(WAN_I2V, "tiny-wan-i2v", 64, 17, max_sequence_length=32)

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
            SVD,
            LTX,
            LTX2,
            WAN,
            WAN_I2V,
            TINY_SVD,
            TINY_LTX,
            TINY_LTX2,
            TINY_WAN,
            TINY_WAN_I2V,
        )
    }
)

_BY_PIPELINE_CLASS = {
    "StableDiffusionPipeline": SD15,
    "StableDiffusionXLPipeline": SDXL,
    "StableDiffusion3Pipeline": SD3,
    "FluxPipeline": FLUX,
    "ZImagePipeline": ZIMAGE,
    "StableVideoDiffusionPipeline": SVD,
    "LTXPipeline": LTX,
    "LTXImageToVideoPipeline": LTX,
    "LTX2Pipeline": LTX2,
    "LTX2ImageToVideoPipeline": LTX2,
    "WanPipeline": WAN,
    "WanImageToVideoPipeline": WAN_I2V,
}


def family_for_pipeline_class(class_name: str) -> Family | None:
    """The family of a diffusers pipeline class name as written in `model_index.json`."""
    return _BY_PIPELINE_CLASS.get(class_name)
