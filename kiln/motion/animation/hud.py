"""The HUD: a frame's numbers burned into one corner, white on a translucent dark box.

Three lines: frame and seed; steps, CFG and denoise; zoom and pan. The text is Pillow's bundled font (FreeType,
Aileron) at a size that follows the frame's height, so it reads the same at 512 px and at 4K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from kiln.motion.animation.request import Corner

__all__ = ["HudValues", "draw_hud", "hud_box", "hud_lines"]

_BOX_ALPHA = 150  # of 255: the picture still shows through
_MIN_FONT = 8


@dataclass(frozen=True, slots=True)
class HudValues:
    """What the HUD shows for one frame (`frame` counts from 0 and shows from 1)."""

    frame: int
    frames: int
    seed: int
    steps: int
    guidance: float
    strength: float
    zoom: float
    translation_x: float
    translation_y: float


def hud_lines(values: HudValues) -> list[str]:
    return [
        f"frame {values.frame + 1}/{values.frames}  seed {values.seed}",
        f"steps {values.steps}  cfg {values.guidance:g}  denoise {values.strength:.2f}",
        f"zoom {values.zoom:.3f}  pan {values.translation_x:+.1f},{values.translation_y:+.1f}",
    ]


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


@dataclass(frozen=True, slots=True)
class _Layout:
    font: Font
    spacing: int
    box: tuple[int, int, int, int]  # left, top, right, bottom (inclusive)
    origin: tuple[int, int]  # where the text is drawn


def _layout(size: tuple[int, int], text: str, corner: Corner) -> _Layout:
    width, height = size
    font = _font(max(_MIN_FONT, round(height / 32)))
    spacing = max(1, round(height / 128))
    bbox = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox((0, 0), text, font=font, spacing=spacing)
    left, top, right, bottom = (math.floor(bbox[0]), math.floor(bbox[1]), math.ceil(bbox[2]), math.ceil(bbox[3]))
    pad = margin = max(2, round(height / 100))
    box_w, box_h = right - left + 2 * pad, bottom - top + 2 * pad
    x = margin if corner.endswith("left") else width - margin - box_w
    y = margin if corner.startswith("top") else height - margin - box_h
    return _Layout(font, spacing, (x, y, x + box_w - 1, y + box_h - 1), (x + pad - left, y + pad - top))


def hud_box(size: tuple[int, int], values: HudValues, corner: Corner = "top-left") -> tuple[int, int, int, int]:
    """Where `draw_hud` draws on a frame of `size`: (left, top, right, bottom), inclusive."""
    return _layout(size, "\n".join(hud_lines(values)), corner).box


def draw_hud(image: Image.Image, values: HudValues, corner: Corner = "top-left") -> Image.Image:
    """A copy of `image` (RGB) with the HUD in `corner`; nothing outside `hud_box` changes."""
    text = "\n".join(hud_lines(values))
    layout = _layout(image.size, text, corner)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle(layout.box, fill=(0, 0, 0, _BOX_ALPHA))
    draw.multiline_text(layout.origin, text, font=layout.font, fill=(255, 255, 255, 255), spacing=layout.spacing)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
