"""VideoItem: one clip to generate, fully resolved (model for its mode, size, frames, seed). No torch.

An image-to-video item names its input image by a local path; the layer above turns uploads, URLs, artifact ids
and a previous segment's last frame into one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from kiln.engine.families import VideoMode
from kiln.types import Signature

__all__ = ["DEFAULT_MOTION_BUCKET_ID", "DEFAULT_NOISE_AUG_STRENGTH", "VideoItem"]

# Stable Video Diffusion's own defaults, for items that leave them unset
DEFAULT_MOTION_BUCKET_ID = 127
DEFAULT_NOISE_AUG_STRENGTH = 0.02


@dataclass(frozen=True, slots=True)
class VideoItem:
    """One clip: what one pipeline call needs for it, and its own seed."""

    index: int
    mode: VideoMode
    model: str
    prompt: str
    negative_prompt: str
    width: int
    height: int
    frames: int
    fps: float
    steps: int
    guidance: float
    seed: int
    image: str | None = None  # i2v: a local path
    motion_bucket_id: int | None = None  # SVD
    noise_aug_strength: float | None = None  # SVD
    name: str | None = None

    def signature(self) -> Signature:
        """Items with one signature run in one call. `Signature` has no field for the clip's length, frame rate
        and SVD's motion settings, which one call must share too: they ride in `adapters`."""
        shared = [f"frames={self.frames}", f"fps={self.fps:g}"]
        if self.motion_bucket_id is not None:
            shared.append(f"motion_bucket_id={self.motion_bucket_id}")
        if self.noise_aug_strength is not None:
            shared.append(f"noise_aug_strength={self.noise_aug_strength:g}")
        return Signature(
            model=self.model,
            kind=self.mode,
            width=self.width,
            height=self.height,
            steps=self.steps,
            guidance=self.guidance,
            scheduler="default",
            adapters=tuple(shared),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoItem:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
