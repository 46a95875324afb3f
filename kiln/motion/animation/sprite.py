"""The sprite overlay: an image that moves over the animation along an organic path, with depth.

`cross` (the default, as EpochStreamer's sprite): it enters at the right edge and leaves at the left once every
`period` frames, drifting up and down on two sines. `sway`: a sum of two sines per axis with unrelated frequencies
and phases, a path around the centre that never quite repeats. Either way a slower sine is its depth: 0 is nearest
(its full `size`), 1 farthest (`1 - depth` of it); farther away it is also drawn a little higher, toward the
horizon, as things in a landscape are. Phases come from the sprite's seed. `clear_of` keeps it out of the HUD.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image

from kiln.motion.animation.request import SpriteOptions

__all__ = ["SpritePlacement", "clear_of", "overlay_sprite", "sprite_box", "sprite_placement"]

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
    depth = 0.5 + 0.5 * math.sin(0.61 * t + phases[4])
    width, height = frame_size
    scale = 1 - options.depth * depth
    if options.path == "cross":
        crossed = (frame / options.period + phases[0] / (2 * math.pi)) % 1.0  # 0 at the right edge, 1 at the left
        span = options.size * scale  # its width, of the frame's: it starts and ends just outside
        u = 1 + span / 2 - crossed * (1 + span)
        v = 0.55 + 0.12 * math.sin(4 * math.pi * crossed + phases[2]) + 0.04 * math.sin(3.13 * t + phases[3])
    else:
        u = 0.5 + 0.28 * math.sin(t + phases[0]) + 0.1 * math.sin(2.71 * t + phases[1])
        v = 0.5 + 0.2 * math.sin(1.37 * t + phases[2]) + 0.08 * math.sin(3.13 * t + phases[3])
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


def clear_of(
    sprite: Image.Image, placement: SpritePlacement, box: tuple[int, int, int, int], frame_size: tuple[int, int]
) -> SpritePlacement:
    """`placement` moved up or down (and made smaller if it must) so that the sprite stays out of `box` (left, top,
    right, bottom, inclusive: the HUD, in a corner): it keeps to the rows the box leaves free."""
    left, top, right, bottom = sprite_box(sprite, placement)
    if right <= box[0] or left > box[2] or bottom <= box[1] or top > box[3]:
        return placement
    height = frame_size[1]
    free_top, free_bottom = (box[3] + 1, height) if box[1] <= height - 1 - box[3] else (0, box[1])
    sprite_height = bottom - top
    width = placement.width
    if sprite_height > free_bottom - free_top:  # taller than the free rows: shrink it to fit them
        width = max(1, math.floor(placement.width * (free_bottom - free_top) / sprite_height))
        sprite_height = max(1, round(sprite.height * width / sprite.width))
    y = min(max(placement.y, free_top + sprite_height / 2), free_bottom - sprite_height / 2)
    return SpritePlacement(x=placement.x, y=y, depth=placement.depth, width=width)


def overlay_sprite(frame: Image.Image, sprite: Image.Image, placement: SpritePlacement) -> Image.Image:
    """A copy of `frame` (RGB) with `sprite` drawn at `placement`, its transparency kept."""
    scaled = _scaled(sprite, placement.width)
    left, top, _, _ = sprite_box(sprite, placement)
    out = frame.convert("RGB")  # a copy, even of an RGB frame
    out.paste(scaled.convert("RGB"), (left, top), scaled.getchannel("A"))  # clipped at the edges, as it drifts out
    return out
