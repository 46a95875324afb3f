"""The HUD: a frame's numbers burned into one corner, white on a translucent dark box, sized to the frame.

Up to four lines: frame and seed; steps, CFG and denoise; zoom, angle and pan; the prompt (cut with "…" to the
box). The text is Pillow's bundled font (FreeType, Aileron) at a size that follows the frame's height, so it reads
the same at 512 px and at 4K. The box never takes more than a third of the frame's height (so at most a third of
the frame) nor more than its width: on a small frame the labels are shortened, the font made smaller (not below
`_MIN_FONT` px), and the last lines dropped until it fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from kiln.motion.animation.request import Corner

__all__ = ["MAX_HEIGHT_FRACTION", "HudValues", "draw_hud", "hud_box", "hud_lines"]

MAX_HEIGHT_FRACTION = 1 / 3  # of the frame's height: the most the box may cover
_BOX_ALPHA = 150  # of 255: the picture still shows through
_MIN_FONT = 7
_ELLIPSIS = "…"


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
    angle: float = 0.0
    prompt: str = ""


def hud_lines(values: HudValues, *, short: bool = False) -> list[str]:
    """The HUD's lines, most important first (the prompt last); `short`: each field on its own, in short form
    (`f10/16`, `s42`, `dn0.65`…), for `_layout` to pack into as few lines as the frame's width allows."""
    pan = f"{values.translation_x:+.1f},{values.translation_y:+.1f}"
    if short:
        lines = [
            f"f{values.frame + 1}/{values.frames}", f"s{values.seed}", f"dn{values.strength:.2f}",
            f"cfg{values.guidance:g}", f"z{values.zoom:.3f}", f"a{values.angle:+.1f}", f"p{pan}", f"st{values.steps}",
        ]  # fmt: skip
    else:
        lines = [
            f"frame {values.frame + 1}/{values.frames}  seed {values.seed}",
            f"steps {values.steps}  cfg {values.guidance:g}  denoise {values.strength:.2f}",
            f"zoom {values.zoom:.3f}  angle {values.angle:+.1f}°  pan {pan}",
        ]
    prompt = " ".join(values.prompt.split())
    return [*lines, prompt] if prompt else lines


def _packed(fields: list[str], font: Font, width: int) -> list[str]:
    """Short fields joined by spaces into lines of at most `width` pixels (a field wider than that alone)."""
    lines: list[str] = []
    for field in fields:
        if lines and font.getlength(f"{lines[-1]} {field}") <= width:
            lines[-1] = f"{lines[-1]} {field}"
        else:
            lines.append(field)
    return lines


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def _measure(text: str, font: Font, spacing: int) -> tuple[int, int, int, int]:
    bbox = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox((0, 0), text, font=font, spacing=spacing)
    return math.floor(bbox[0]), math.floor(bbox[1]), math.ceil(bbox[2]), math.ceil(bbox[3])


def _cut(line: str, font: Font, width: int) -> str:
    """`line`, cut with an ellipsis to at most `width` pixels (the prompt; other lines are short)."""
    if font.getlength(line) <= width:
        return line
    while line and font.getlength(line + _ELLIPSIS) > width:
        line = line[:-1]
    return line.rstrip() + _ELLIPSIS if line else ""


@dataclass(frozen=True, slots=True)
class _Layout:
    text: str
    font: Font
    spacing: int
    box: tuple[int, int, int, int]  # left, top, right, bottom (inclusive)
    origin: tuple[int, int]  # where the text is drawn


def _layout(size: tuple[int, int], values: HudValues, corner: Corner) -> _Layout:
    """The richest HUD that fits: full labels at the frame's font size, then shorter labels, smaller fonts and
    fewer lines; the box stays within a third of the height and the frame's width."""
    width, height = size
    pad = margin = max(1, round(height / 100))
    max_w, max_h = width - 2 * margin, math.floor(height * MAX_HEIGHT_FRACTION)
    target = max(_MIN_FONT, round(height / 32))
    fallback: _Layout | None = None
    for short in (False, True):
        for font_size in range(target, _MIN_FONT - 1, -1):
            font, spacing = _font(font_size), max(1, round(font_size / 4))
            lines = hud_lines(values, short=short)
            numbers, prompt = (lines[:-1], lines[-1:]) if values.prompt.strip() else (lines, [])
            if short:
                numbers = _packed(numbers, font, max_w - 2 * pad)
            lines = numbers + [_cut(line, font, max_w - 2 * pad) for line in prompt]
            for count in range(len(lines), 0, -1):
                text = "\n".join(lines[:count])
                left, top, right, bottom = _measure(text, font, spacing)
                box_w, box_h = right - left + 2 * pad, bottom - top + 2 * pad
                x = margin if corner.endswith("left") else width - margin - box_w
                y = margin if corner.startswith("top") else height - margin - box_h
                layout = _Layout(
                    text, font, spacing, (x, y, x + box_w - 1, y + box_h - 1), (x + pad - left, y + pad - top)
                )
                if box_w <= max_w and box_h <= max_h and count >= min(len(numbers), 3 if short else len(lines)):
                    return layout
                if short and box_w <= max_w and box_h <= max_h and fallback is None:
                    fallback = layout  # fewer lines: kept in case no font fits three
    if fallback is not None:
        return fallback
    return _Layout("", _font(_MIN_FONT), 1, (margin, margin, margin - 1, margin - 1), (margin, margin))  # too small


def hud_box(size: tuple[int, int], values: HudValues, corner: Corner = "top-left") -> tuple[int, int, int, int]:
    """Where `draw_hud` draws on a frame of `size`: (left, top, right, bottom), inclusive (empty on a frame too
    small for any text: right < left)."""
    return _layout(size, values, corner).box


def draw_hud(image: Image.Image, values: HudValues, corner: Corner = "top-left") -> Image.Image:
    """A copy of `image` (RGB) with the HUD in `corner`; nothing outside `hud_box` changes."""
    layout = _layout(image.size, values, corner)
    if not layout.text:
        return image.convert("RGB")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle(layout.box, fill=(0, 0, 0, _BOX_ALPHA))
    draw.multiline_text(layout.origin, layout.text, font=layout.font, fill=(255, 255, 255, 255), spacing=layout.spacing)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
