"""Which model serves a video mode. No torch.

A video family lists its modes (text-to-video, image-to-video). LTX-Video serves both from one checkpoint; Wan 2.1
ships text- and image-to-video as separate checkpoints, so a Wan text-to-video model names its image-to-video
companion here: asking `tiny-wan` for image-to-video (as a long-form video's later segments do) runs
`tiny-wan-i2v`, the same family's image-to-video model.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kiln.engine.catalog import BUILTIN_MODELS, ModelInfo, resolve_model
from kiln.engine.families import VideoMode
from kiln.errors import InvalidInput

__all__ = ["VIDEO_COMPANIONS", "model_for_mode", "supported_modes", "video_model_names"]

VIDEO_COMPANIONS: Mapping[str, Mapping[VideoMode, str]] = MappingProxyType(
    {
        "tiny-wan": {"i2v": "tiny-wan-i2v"},
        "Wan-AI/Wan2.1-T2V-1.3B-Diffusers": {"i2v": "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"},
        "Wan-AI/Wan2.1-T2V-14B-Diffusers": {"i2v": "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers"},
    }
)
_MODE_WORDS: Mapping[str, str] = {"t2v": "text-to-video", "i2v": "image-to-video"}


def video_model_names() -> list[str]:
    """The built-in video models, for messages."""
    return [name for name, info in BUILTIN_MODELS.items() if info.family.is_video]


def supported_modes(info: ModelInfo) -> tuple[VideoMode, ...]:
    """The modes a video model serves, itself or through its companion."""
    video = info.family.video
    if video is None:
        return ()
    companions = VIDEO_COMPANIONS.get(info.name, {})
    return tuple(mode for mode in ("t2v", "i2v") if mode in video.modes or mode in companions)


def model_for_mode(name: str, mode: VideoMode, *, local: bool = True, family: str | None = None) -> ModelInfo:
    """The model that runs `mode` for the video model `name` (itself, or its companion); `InvalidInput` naming
    `model` for an image model and `mode` for a mode it lacks. `family` names the family of a model kiln cannot
    tell by itself (an unknown hub id, a folder of another pipeline class)."""
    info = resolve_model(name, family, local=local)
    video = info.family.video
    if video is None:
        raise InvalidInput(
            "model",
            f"{info.name} is an image model ({info.family.name}); use a video model, "
            f"e.g. {', '.join(video_model_names())} or Lightricks/LTX-Video",
        )
    if mode in video.modes:
        return info
    companion = VIDEO_COMPANIONS.get(info.name, {}).get(mode)
    if companion is not None:
        return resolve_model(companion, local=False)
    served = " and ".join(_MODE_WORDS[m] for m in supported_modes(info))
    hint = "give an input image" if mode == "t2v" else "use a model with image-to-video, such as tiny-ltx"
    raise InvalidInput("mode", f"{info.name} does {served} only, not {_MODE_WORDS[mode]}; {hint}")
