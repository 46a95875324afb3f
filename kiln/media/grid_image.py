"""A labelled grid of images, as A1111's X/Y/Z plot draws it: x values over the columns, y values beside the rows,
and one grid per z value, stacked under a title of its own.

Cells are the size of the largest image, scaled up so that the shorter side is at least `MIN_CELL` pixels (labels
stay legible over 32-pixel images) and down so that the whole grid stays within `MAX_PIXELS`. A missing image (a
failed item) is a grey cell with a cross. Labels use Pillow's default font at a size that follows the cell, and
wrap to the width they have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont, ImageOps

__all__ = ["MAX_PIXELS", "MIN_CELL", "GridLabels", "draw_grid", "grid_layout"]

MIN_CELL = 128
MAX_PIXELS = 64_000_000
_BACKGROUND = (255, 255, 255)
_TEXT = (20, 20, 20)
_MISSING = (225, 225, 225)
_CROSS = (190, 60, 60)


@dataclass(frozen=True, slots=True)
class GridLabels:
    """The labels of each axis: x (columns), y (rows, may be empty) and z (one grid each, may be empty)."""

    x: Sequence[str]
    y: Sequence[str] = ()
    z: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class _Layout:
    cell: tuple[int, int]
    font_size: int
    left: int  # width of the row labels' column
    top: int  # height of the column labels' row
    title: int  # height of each grid's z title
    gap: int  # between z grids
    size: tuple[int, int]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """`text` in lines no wider than `width` (a word longer than that is cut where it must be)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for char in word:  # a word too long for the width alone
                if font.getlength(line + char) > width and line:
                    lines.append(line)
                    line = ""
                line += char
        lines.append(line)
    return lines[:6] if len(lines) <= 6 else [*lines[:5], lines[5] + "…"]


def _text_height(lines: Sequence[str], size: int) -> int:
    return len(lines) * (size + size // 3)


def grid_layout(image_size: tuple[int, int], labels: GridLabels) -> _Layout:
    """Cell size, label bands and the whole canvas for images of `image_size` under `labels`."""
    nx, ny, nz = len(labels.x), max(len(labels.y), 1), max(len(labels.z), 1)
    width, height = max(image_size[0], 1), max(image_size[1], 1)
    scale = max(MIN_CELL / min(width, height), 1.0)
    cell = (round(width * scale), round(height * scale))
    font_size = max(12, min(cell) // 10)
    font = _font(font_size)
    pad = font_size // 2
    left = max(cell[0] // 2, MIN_CELL) if labels.y else 0
    top = max(_text_height(_wrap(label, font, cell[0] - 2 * pad), font_size) for label in labels.x) + 2 * pad
    title = max((_text_height(_wrap(z, font, nx * cell[0]), font_size) for z in labels.z), default=0)
    title = title + 2 * pad if labels.z else 0
    gap = font_size if labels.z else 0
    size = (left + nx * cell[0], nz * (title + top + ny * cell[1]) + (nz - 1) * gap)
    if size[0] * size[1] > MAX_PIXELS and min(cell) > 16:  # too big: smaller cells, the labels as they are
        shrink = (MAX_PIXELS / (size[0] * size[1])) ** 0.5
        smaller = (max(round(width * scale * shrink), 16), max(round(height * scale * shrink), 16))
        if smaller != cell:
            return grid_layout(smaller, labels)
    return _Layout(cell, font_size, left, top, title, gap, size)


def _centered(
    draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int], size: int, *, wrap_width: int
) -> None:
    font = _font(size)
    lines = _wrap(text, font, wrap_width)
    line_height = size + size // 3
    y = box[1] + (box[3] - box[1] - len(lines) * line_height) // 2
    for line in lines:
        x = box[0] + (box[2] - box[0] - round(font.getlength(line))) // 2
        draw.text((x, y), line, fill=_TEXT, font=font)
        y += line_height


def draw_grid(images: Sequence[Image.Image | None], labels: GridLabels) -> Image.Image:
    """The grid of `images` (item order: x fastest, then y, then z; None for a missing one) under `labels`."""
    nx, ny, nz = len(labels.x), max(len(labels.y), 1), max(len(labels.z), 1)
    if len(images) != nx * ny * nz:
        raise ValueError(f"{len(images)} images for a grid of {nx} x {ny} x {nz} cells")
    present = [image for image in images if image is not None]
    largest = (max((i.width for i in present), default=64), max((i.height for i in present), default=64))
    layout = grid_layout(largest, labels)
    canvas = Image.new("RGB", layout.size, _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    size, (cw, ch), pad = layout.font_size, layout.cell, layout.font_size // 2
    block = layout.title + layout.top + ny * ch + layout.gap
    for z in range(nz):
        y0 = z * block
        if labels.z:
            box = (layout.left, y0, layout.left + nx * cw, y0 + layout.title)
            _centered(draw, labels.z[z], box, size, wrap_width=nx * cw)
        y0 += layout.title
        for x, label in enumerate(labels.x):
            box = (layout.left + x * cw, y0, layout.left + (x + 1) * cw, y0 + layout.top)
            _centered(draw, label, box, size, wrap_width=cw - 2 * pad)
        y0 += layout.top
        for y in range(ny):
            if labels.y:
                box = (0, y0 + y * ch, layout.left, y0 + (y + 1) * ch)
                _centered(draw, labels.y[y], box, size, wrap_width=layout.left - 2 * pad)
            for x in range(nx):
                left, top = layout.left + x * cw, y0 + y * ch
                image = images[x + nx * (y + ny * z)]
                if image is None:
                    draw.rectangle((left + 1, top + 1, left + cw - 2, top + ch - 2), fill=_MISSING)
                    draw.line((left + 1, top + 1, left + cw - 2, top + ch - 2), fill=_CROSS, width=3)
                    draw.line((left + 1, top + ch - 2, left + cw - 2, top + 1), fill=_CROSS, width=3)
                    continue
                fitted = image.convert("RGB")
                if fitted.size != (cw, ch):  # scaled to fit, its aspect kept (a model axis may change sizes)
                    fitted = ImageOps.contain(fitted, (cw, ch), Image.Resampling.LANCZOS)
                canvas.paste(fitted, (left + (cw - fitted.width) // 2, top + (ch - fitted.height) // 2))
    return canvas
