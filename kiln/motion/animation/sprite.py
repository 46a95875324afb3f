"""The sprite overlay: an image that wanders over the animation along an organic path, with depth.

Its position is a sum of two sines per axis with unrelated frequencies and phases (from the sprite's seed): a
path that sways and never quite repeats, rather than a circle. A third, slower sine is its depth: 0 is nearest
(its full `size`), 1 farthest (`1 - depth` of it); farther away it is also drawn a little higher, toward the
horizon, as things in a landscape are.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image

from kiln.motion.animation.request import SpriteOptions

__all__ = ["SpritePlacement", "overlay_sprite", "sprite_box", "sprite_placement"]

_HORIZON_LIFT = 0.15  # of the frame's height, at the farthest


@dataclass(frozen=True, slots=True)
class SpritePlacement:
    """Where the sprite is on one frame: its centre in pixels, its depth (0 near, 1 far) and its width in pixels."""

    x: float
    y: float
    depth: float
    width: int


def sprite_placement(frame: int, frame_size: tuple[int, int], options: SpriteOptions) -> SpritePlacement:
    """The sprite's place on `frame` of an animation whose frames are `frame_size` (width, height)."""
    phases = [random.Random(f"kiln-sprite:{options.seed}:{i}").uniform(0, 2 * math.pi) for i in range(5)]
    t = 2 * math.pi * frame / options.period
    u = 0.5 + 0.28 * math.sin(t + phases[0]) + 0.1 * math.sin(2.71 * t + phases[1])
    v = 0.5 + 0.2 * math.sin(1.37 * t + phases[2]) + 0.08 * math.sin(3.13 * t + phases[3])
    depth = 0.5 + 0.5 * math.sin(0.61 * t + phases[4])
    width, height = frame_size
    scale = 1 - options.depth * depth
    return SpritePlacement(
        x=u * width,
        y=(v - _HORIZON_LIFT * depth) * height,
        depth=depth,
        width=max(1, round(options.size * width * scale)),
    )


def _scaled(sprite: Image.Image, width: int) -> Image.Image:
    height = max(1, round(sprite.height * width / sprite.width))
    return sprite.convert("RGBA").resize((width, height), Image.Resampling.LANCZOS)


def sprite_box(sprite: Image.Image, placement: SpritePlacement) -> tuple[int, int, int, int]:
    """Where `overlay_sprite` draws: (left, top, right, bottom), right and bottom exclusive."""
    height = max(1, round(sprite.height * placement.width / sprite.width))
    left, top = round(placement.x - placement.width / 2), round(placement.y - height / 2)
    return left, top, left + placement.width, top + height


def overlay_sprite(frame: Image.Image, sprite: Image.Image, placement: SpritePlacement) -> Image.Image:
    """A copy of `frame` (RGB) with `sprite` drawn at `placement`, its transparency kept."""
    scaled = _scaled(sprite, placement.width)
    left, top, _, _ = sprite_box(sprite, placement)
    out = frame.convert("RGB")  # a copy, even of an RGB frame
    out.paste(scaled.convert("RGB"), (left, top), scaled.getchannel("A"))  # clipped at the edges, as it drifts out
    return out
