"""Subtitles: timed cues as SubRip (.srt) text, and cues drawn into frames.

SRT is written and read with the `srt` library (it formats timestamps and drops blank lines inside a cue, which
would end the cue early in every player). Burned-in text is white with a black outline, so it reads on any
picture, wrapped to 90% of the frame width and centred near the bottom. The font is Pillow's bundled one
(`ImageFont.load_default(size)`, FreeType), sized to the frame's height so a cue looks alike at 720p and 4K.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import srt
from PIL import Image, ImageDraw, ImageFont

from kiln.errors import KilnError

__all__ = ["Cue", "SubtitleOverlay", "burn_subtitle", "parse_srt", "subtitle_overlay", "to_srt", "write_srt"]

TEXT_HEIGHT = 0.055  # font size as a fraction of the frame's height
TEXT_WIDTH = 0.9  # lines wrap at this fraction of the frame's width
BOTTOM_MARGIN = 0.06  # of the frame's height, below the last line
MIN_FONT_SIZE = 10


@dataclass(frozen=True, slots=True)
class Cue:
    """A line of text shown from `start` to `end` seconds."""

    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class SubtitleOverlay:
    """A cue drawn on a transparent band as wide as the frame, and the row where the band's top goes."""

    image: Image.Image  # RGBA
    top: int


def to_srt(cues: Iterable[Cue]) -> str:
    """The cues as SubRip text, numbered from 1 in order of start time."""
    return str(
        srt.compose(
            srt.Subtitle(index, timedelta(seconds=cue.start), timedelta(seconds=cue.end), cue.text)
            for index, cue in enumerate(cues, start=1)
        )
    )


def write_srt(cues: Iterable[Cue], path: str | os.PathLike[str]) -> Path:
    """Writes the cues to `path` as UTF-8 SubRip."""
    target = Path(path)
    target.write_text(to_srt(cues), encoding="utf-8")
    return target


def parse_srt(text: str) -> list[Cue]:
    """SubRip text back to cues."""
    return [Cue(item.start.total_seconds(), item.end.total_seconds(), str(item.content)) for item in srt.parse(text)]


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # a Pillow built without FreeType has one bitmap size
        raise KilnError("Pillow has no FreeType support, needed to draw subtitles; install Pillow's wheel")
    return font


def subtitle_overlay(text: str, size: tuple[int, int]) -> SubtitleOverlay:
    """Draws `text` for a frame of `size` (width, height): wrapped, outlined, bottom-centred."""
    width, height = size
    font_size = max(MIN_FONT_SIZE, round(height * TEXT_HEIGHT))
    font = _font(font_size)
    stroke = max(1, round(font_size / 14))
    lines = _wrap(text, font, TEXT_WIDTH * width)
    ascent, descent = font.getmetrics()
    line_height = round((ascent + descent) * 1.1)
    band = Image.new("RGBA", (width, line_height * len(lines) + 2 * stroke), (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    for row, line in enumerate(lines):
        baseline = stroke + row * line_height + ascent
        draw.text(
            (width / 2, baseline),
            line,
            font=font,
            fill=(255, 255, 255, 255),
            anchor="ms",
            stroke_width=stroke,
            stroke_fill=(0, 0, 0, 255),
        )
    top = max(0, height - round(BOTTOM_MARGIN * height) - band.height)
    return SubtitleOverlay(band, top)


def burn_subtitle(frame: Image.Image, text: str) -> Image.Image:
    """A copy of `frame` (as RGB) with `text` drawn in; see `subtitle_overlay`."""
    overlay = subtitle_overlay(text, frame.size)
    out = frame.convert("RGB")  # a copy, even when the frame is RGB already
    out.paste(overlay.image, (0, overlay.top), overlay.image)
    return out


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> Sequence[str]:
    """Greedy word wrap; the text's own line breaks are kept. A word wider than the line gets a line alone."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if current and font.getlength(candidate) > max_width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return [line for line in lines if line] or [""]
