"""Image encoding with the recipe embedded, and reading it back, for PNG, WebP, JPEG and AVIF.

PNG carries the infotext in a `parameters` text chunk (what A1111, ComfyUI readers and civitai read) and
the recipe as compact JSON in an iTXt chunk `kiln`. JPEG, WebP and AVIF carry the infotext in EXIF
UserComment, written the way A1111 writes it (piexif's "unicode" encoding: `UNICODE\\0` + UTF-16-BE),
and the recipe as ASCII JSON in EXIF ImageDescription.
"""

from __future__ import annotations

import io
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from PIL import Image, PngImagePlugin

from kiln.types import OutputFormat

__all__ = ["CONTENT_TYPES", "EXTENSIONS", "ImageMetadata", "encode_image", "read_metadata"]

CONTENT_TYPES: Mapping[OutputFormat, str] = MappingProxyType(
    {"png": "image/png", "webp": "image/webp", "jpeg": "image/jpeg", "avif": "image/avif"}
)
EXTENSIONS: Mapping[OutputFormat, str] = MappingProxyType(
    {"png": ".png", "webp": ".webp", "jpeg": ".jpg", "avif": ".avif"}
)

PNG_INFOTEXT_KEY = "parameters"
PNG_RECIPE_KEY = "kiln"
PNG_COMPRESS_LEVEL = 4
_IMAGE_DESCRIPTION = 0x010E
_EXIF_IFD = 0x8769
_USER_COMMENT = 0x9286
_UNICODE_PREFIX = b"UNICODE\0"
_ASCII, _LONG, _UNDEFINED = 2, 4, 7
_TYPE_SIZES = {_ASCII: 1, _LONG: 4, _UNDEFINED: 1}
JPEG_EXIF_MAX = 65533  # one APP1 marker segment
_PIL_FORMATS: Mapping[OutputFormat, str] = {"png": "PNG", "webp": "WEBP", "jpeg": "JPEG", "avif": "AVIF"}


@dataclass(frozen=True, slots=True)
class ImageMetadata:
    """What `read_metadata` found in an image: the A1111 infotext and kiln's recipe, each if present."""

    infotext: str | None
    recipe: dict[str, Any] | None


def encode_image(
    image: Image.Image,
    fmt: OutputFormat,
    *,
    quality: int,
    infotext: str,
    recipe: Mapping[str, Any],
) -> bytes:
    """Encode `image` as `fmt` with `infotext` and `recipe` embedded. `quality` is ignored for PNG."""
    if fmt not in _PIL_FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; choose one of: {', '.join(_PIL_FORMATS)}")
    buffer = io.BytesIO()
    if fmt == "png":
        info = PngImagePlugin.PngInfo()
        info.add_text(PNG_INFOTEXT_KEY, infotext)  # tEXt when Latin-1 fits, iTXt otherwise, as A1111 does
        info.add_itxt(PNG_RECIPE_KEY, _dumps(recipe, ascii_only=False))
        image.save(buffer, format="PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL)
        return buffer.getvalue()
    exif = _exif_blob(
        description=_dumps(recipe, ascii_only=True),  # an ASCII tag: non-ASCII goes as \uXXXX escapes
        user_comment=_UNICODE_PREFIX + infotext.encode("utf-16-be"),
    )
    if fmt == "jpeg" and len(exif) > JPEG_EXIF_MAX:
        raise ValueError(
            f"prompt and recipe take {len(exif)} bytes of EXIF; JPEG holds at most {JPEG_EXIF_MAX}: "
            "shorten the prompt or use png, webp or avif"
        )
    _for_format(image, fmt).save(buffer, format=_PIL_FORMATS[fmt], quality=quality, exif=exif)
    return buffer.getvalue()


def read_metadata(source: str | os.PathLike[str] | bytes) -> ImageMetadata:
    """Read the infotext and recipe from an image file or its bytes; missing ones are None."""
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
        infotext: str | None = None
        recipe_json: str | None = None
        if isinstance(image, PngImagePlugin.PngImageFile):
            chunks = image.text
            infotext = _str_or_none(chunks.get(PNG_INFOTEXT_KEY))
            recipe_json = _str_or_none(chunks.get(PNG_RECIPE_KEY))
        exif = image.getexif()
        if infotext is None:
            infotext = _decode_user_comment(exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT))
        if recipe_json is None:
            recipe_json = _str_or_none(exif.get(_IMAGE_DESCRIPTION))
    return ImageMetadata(infotext=infotext, recipe=_loads(recipe_json))


def _for_format(image: Image.Image, fmt: OutputFormat) -> Image.Image:
    if fmt == "jpeg":
        return image if image.mode == "RGB" else image.convert("RGB")
    if image.mode in ("RGB", "RGBA"):
        return image
    has_alpha = image.has_transparency_data
    return image.convert("RGBA" if has_alpha else "RGB")


def _exif_blob(*, description: str, user_comment: bytes) -> bytes:
    """EXIF laid out like piexif's: IFD0 (ImageDescription, Exif pointer) and an Exif IFD (UserComment).

    Written by hand because Pillow types an unknown bytes tag as BYTE, and piexif (so A1111) then reads
    UserComment as a tuple of ints; it must be UNDEFINED.
    """
    ifd0_entries = [(_IMAGE_DESCRIPTION, _ASCII, description.encode("ascii") + b"\0")]
    ifd0_size = len(_ifd([*ifd0_entries, (_EXIF_IFD, _LONG, bytes(4))], at=8))
    exif_at = 8 + ifd0_size
    ifd0 = _ifd([*ifd0_entries, (_EXIF_IFD, _LONG, struct.pack(">I", exif_at))], at=8)
    exif_ifd = _ifd([(_USER_COMMENT, _UNDEFINED, user_comment)], at=exif_at)
    return b"Exif\0\0" + b"MM\0\x2a" + struct.pack(">I", 8) + ifd0 + exif_ifd


def _ifd(entries: list[tuple[int, int, bytes]], *, at: int) -> bytes:
    """One big-endian IFD placed at offset `at`, its values over 4 bytes following it (word aligned)."""
    table = struct.pack(">H", len(entries))
    data = b""
    data_at = at + 2 + 12 * len(entries) + 4
    for tag, kind, value in sorted(entries):
        head = struct.pack(">HHI", tag, kind, len(value) // _TYPE_SIZES[kind])
        if len(value) <= 4:
            table += head + value.ljust(4, b"\0")
        else:
            table += head + struct.pack(">I", data_at + len(data))
            data += value + b"\0" * (len(value) % 2)
    return table + struct.pack(">I", 0) + data


def _dumps(recipe: Mapping[str, Any], *, ascii_only: bool) -> str:
    return json.dumps(dict(recipe), separators=(",", ":"), ensure_ascii=ascii_only, allow_nan=False)


def _loads(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None  # e.g. a camera's ImageDescription
    return value if isinstance(value, dict) else None


def _str_or_none(value: object) -> str | None:
    return str(value) if isinstance(value, str) else None


def _decode_user_comment(value: object) -> str | None:
    """Decode EXIF UserComment like piexif's `UserComment.load`, with A1111's UTF-8 fallback."""
    if isinstance(value, str):
        return value or None
    if not isinstance(value, bytes) or not value:
        return None
    prefix, payload = value[:8], value[8:]
    if prefix == _UNICODE_PREFIX:
        text = payload.decode("utf-16-be", errors="replace")
    elif prefix == b"ASCII\0\0\0":
        text = payload.decode("ascii", errors="replace")
    elif prefix == b"JIS\0\0\0\0\0":
        text = payload.decode("shift_jis", errors="replace")
    elif prefix == b"\0" * 8:
        text = payload.decode("utf-8", errors="replace")
    else:
        text = value.decode("utf-8", errors="ignore")
    text = text.rstrip("\0")
    return text or None
