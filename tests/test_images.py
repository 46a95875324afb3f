"""Image encoding with embedded metadata: round-trips for every format, and the bytes A1111 expects."""

from __future__ import annotations

import io
import json
import random
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiln.media.images import CONTENT_TYPES, EXTENSIONS, ImageMetadata, encode_image, read_metadata
from kiln.types import OUTPUT_FORMATS, OutputFormat

INFOTEXT = (
    'a "fox", in snow: 12:30 — ünïcödé 日本語 🦊\n'
    "second line\n"
    "Negative prompt: blurry, (low quality:1.4)\n"
    'Steps: 44, Sampler: Euler, CFG scale: 7, Seed: 123, Size: 64x48, Model: "tiny, sd", Version: kiln 0.1.0'
)
RECIPE: dict[str, Any] = {
    "prompt": 'a "fox", in snow — 🦊',
    "seed": 123,
    "guidance": 7.5,
    "steps": 44,
    "style": None,
    "upscale": False,
    "adapters": [{"name": "detail", "weight": 0.8}],
    "nested": {"ключ": "значение", "empty": {}},
}
PIL_NAMES = {"png": "PNG", "webp": "WEBP", "jpeg": "JPEG", "avif": "AVIF"}


def noisy_image(mode: str = "RGB", size: tuple[int, int] = (64, 48), seed: int = 0) -> Image.Image:
    rng = random.Random(seed)
    channels = len(mode)
    data = bytes(rng.randrange(256) for _ in range(size[0] * size[1] * channels))
    return Image.frombytes(mode, size, data)


def encode(fmt: OutputFormat, image: Image.Image | None = None, quality: int = 90) -> bytes:
    return encode_image(image or noisy_image(), fmt, quality=quality, infotext=INFOTEXT, recipe=RECIPE)


# --- round-trips ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_metadata_round_trips_from_bytes(fmt: OutputFormat) -> None:
    data = encode(fmt)
    assert read_metadata(data) == ImageMetadata(infotext=INFOTEXT, recipe=RECIPE)


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_metadata_round_trips_from_a_file(fmt: OutputFormat, tmp_path: Path) -> None:
    path = tmp_path / f"out{EXTENSIONS[fmt]}"
    path.write_bytes(encode(fmt))
    meta = read_metadata(path)
    assert meta.infotext == INFOTEXT
    assert meta.recipe == RECIPE
    assert read_metadata(str(path)) == meta


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_output_is_the_requested_format_and_size(fmt: OutputFormat) -> None:
    with Image.open(io.BytesIO(encode(fmt))) as image:
        assert image.format == PIL_NAMES[fmt]
        assert image.size == (64, 48)
        assert Image.MIME[PIL_NAMES[fmt]] == CONTENT_TYPES[fmt]


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_png_pixels_are_identical(mode: str) -> None:
    source = noisy_image(mode)
    with Image.open(io.BytesIO(encode("png", source))) as image:
        assert image.mode == mode
        assert image.tobytes() == source.tobytes()


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_empty_infotext_and_recipe_round_trip(fmt: OutputFormat) -> None:
    data = encode_image(noisy_image(), fmt, quality=80, infotext="", recipe={})
    meta = read_metadata(data)
    assert meta.recipe == {}
    assert meta.infotext in ("", None)  # an empty EXIF comment reads as absent


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "avif"])
def test_lossy_pixels_stay_close(fmt: OutputFormat) -> None:
    source = Image.new("RGB", (64, 48), (200, 40, 90))
    with Image.open(io.BytesIO(encode(fmt, source, quality=95))) as image:
        r, g, b = image.convert("RGB").getpixel((32, 24))  # type: ignore[misc]
        assert abs(r - 200) <= 8 and abs(g - 40) <= 8 and abs(b - 90) <= 8


# --- format details ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "LA"])
def test_jpeg_is_always_rgb(mode: str) -> None:
    source = noisy_image("RGBA").convert(mode)
    with Image.open(io.BytesIO(encode("jpeg", source))) as image:
        assert image.mode == "RGB"


@pytest.mark.parametrize("fmt", ["webp", "avif"])
def test_webp_and_avif_keep_alpha(fmt: OutputFormat) -> None:
    source = Image.new("RGBA", (32, 32), (255, 0, 0, 0))
    with Image.open(io.BytesIO(encode(fmt, source))) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((16, 16))[3] == 0  # type: ignore[index]


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "avif"])
def test_quality_applies_to_lossy_formats(fmt: OutputFormat) -> None:
    image = noisy_image(size=(128, 128))
    assert len(encode(fmt, image, quality=20)) < len(encode(fmt, image, quality=95))


def test_png_ignores_quality() -> None:
    image = noisy_image()
    assert encode("png", image, quality=5) == encode("png", image, quality=100)


def test_png_chunks_hold_parameters_and_compact_json_recipe() -> None:
    chunks = png_text_chunks(encode("png"))
    # non-Latin-1 infotext goes to iTXt (as Pillow's add_text, which A1111 uses, decides)
    assert chunks["parameters"] == ("iTXt", INFOTEXT)
    assert chunks["kiln"] == ("iTXt", json.dumps(RECIPE, separators=(",", ":"), ensure_ascii=False))


def test_png_latin1_infotext_is_plain_text_chunk() -> None:
    data = encode_image(noisy_image(), "png", quality=0, infotext="café, Steps: 1", recipe={"a": 1})
    assert png_text_chunks(data)["parameters"] == ("tEXt", "café, Steps: 1")


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "avif"])
def test_exif_is_written_the_way_a1111_writes_it(fmt: OutputFormat) -> None:
    with Image.open(io.BytesIO(encode(fmt))) as image:
        raw = image.info["exif"]
    ifd0, exif_ifd = parse_exif(raw)
    # UserComment in the Exif IFD, type UNDEFINED, piexif's UserComment.dump(text, encoding="unicode")
    assert exif_ifd[0x9286] == (7, b"UNICODE\x00" + INFOTEXT.encode("utf-16-be"))
    # ImageDescription in IFD0, type ASCII, NUL-terminated JSON of the recipe
    kind, description = ifd0[0x010E]
    assert kind == 2
    assert description.endswith(b"\x00")
    assert json.loads(description[:-1]) == RECIPE


# --- reading other files -------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_file_without_metadata_reads_as_none(fmt: OutputFormat) -> None:
    buffer = io.BytesIO()
    noisy_image().save(buffer, format=PIL_NAMES[fmt])
    assert read_metadata(buffer.getvalue()) == ImageMetadata(infotext=None, recipe=None)


def test_jpeg_from_another_tool_has_infotext_but_no_recipe() -> None:
    exif = Image.Exif()
    exif[0x010E] = "OLYMPUS DIGITAL CAMERA"
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00a cat\nSteps: 20, Sampler: Euler, Seed: 1"
    buffer = io.BytesIO()
    noisy_image().save(buffer, format="JPEG", exif=exif.tobytes())
    meta = read_metadata(buffer.getvalue())
    assert meta == ImageMetadata(infotext="a cat\nSteps: 20, Sampler: Euler, Seed: 1", recipe=None)


def test_png_written_by_a1111_reads_parameters() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a cat\nSteps: 20, Sampler: Euler, Seed: 1")
    buffer = io.BytesIO()
    noisy_image().save(buffer, format="PNG", pnginfo=info)
    meta = read_metadata(buffer.getvalue())
    assert meta == ImageMetadata(infotext="a cat\nSteps: 20, Sampler: Euler, Seed: 1", recipe=None)


# --- errors and tables ---------------------------------------------------------------------------------
def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown image format"):
        encode_image(noisy_image(), "gif", quality=90, infotext="", recipe={})  # type: ignore[arg-type]


@pytest.mark.parametrize("recipe", [{"when": object()}, {"x": float("nan")}])
def test_recipe_must_be_plain_json(recipe: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        encode_image(noisy_image(), "png", quality=90, infotext="", recipe=recipe)


def test_tables_cover_every_format() -> None:
    assert set(CONTENT_TYPES) == set(EXTENSIONS) == set(OUTPUT_FORMATS)
    assert EXTENSIONS["jpeg"] == ".jpg"
    assert CONTENT_TYPES["avif"] == "image/avif"
    for fmt, ext in EXTENSIONS.items():
        assert Image.registered_extensions()[ext] == PIL_NAMES[fmt]


# --- independent readers of the raw bytes --------------------------------------------------------------
def png_text_chunks(data: bytes) -> dict[str, tuple[str, str]]:
    """Walk PNG chunks by hand: keyword -> (chunk type, text) for tEXt and uncompressed iTXt."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found: dict[str, tuple[str, str]] = {}
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8].decode("ascii")
        body = data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(
            data[pos + 4 : pos + 8 + length]
        )
        if kind == "tEXt":
            key, text = body.split(b"\x00", 1)
            found[key.decode("latin-1")] = (kind, text.decode("latin-1"))
        elif kind == "iTXt":
            key, rest = body.split(b"\x00", 1)
            compressed, _method, rest = rest[0], rest[1], rest[2:]
            _lang, _translated, text = rest.split(b"\x00", 2)
            assert compressed == 0
            found[key.decode("latin-1")] = (kind, text.decode("utf-8"))
        pos += 12 + length
    return found


def parse_exif(raw: bytes) -> tuple[dict[int, tuple[int, bytes]], dict[int, tuple[int, bytes]]]:
    """Parse a TIFF-structured EXIF blob by hand: (IFD0, Exif IFD), each tag -> (type, raw value bytes)."""
    if raw.startswith(b"Exif\x00\x00"):
        raw = raw[6:]
    order = {b"MM": ">", b"II": "<"}[raw[:2]]
    assert struct.unpack(order + "H", raw[2:4])[0] == 42
    sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8}

    def read_ifd(offset: int) -> dict[int, tuple[int, bytes]]:
        (count,) = struct.unpack(order + "H", raw[offset : offset + 2])
        entries: dict[int, tuple[int, bytes]] = {}
        for i in range(count):
            entry = raw[offset + 2 + 12 * i : offset + 14 + 12 * i]
            tag, kind, n = struct.unpack(order + "HHI", entry[:8])
            size = sizes[kind] * n
            if size <= 4:
                value = entry[8 : 8 + size]
            else:
                (at,) = struct.unpack(order + "I", entry[8:12])
                value = raw[at : at + size]
            entries[tag] = (kind, value)
        return entries

    ifd0 = read_ifd(struct.unpack(order + "I", raw[4:8])[0])
    exif_ifd = read_ifd(struct.unpack(order + "I", ifd0[0x8769][1])[0])
    return ifd0, exif_ifd


def test_jpeg_refuses_metadata_beyond_one_exif_segment_but_webp_takes_it() -> None:
    long_prompt = "a very long prompt, " * 2000  # 40,000 characters: 80 kB as UTF-16
    with pytest.raises(ValueError, match="JPEG holds at most 65533"):
        encode_image(noisy_image(), "jpeg", quality=90, infotext=long_prompt, recipe={})
    data = encode_image(noisy_image(), "webp", quality=90, infotext=long_prompt, recipe={})
    assert read_metadata(data).infotext == long_prompt
