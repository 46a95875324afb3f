"""A decompression bomb: a small PNG whose header promises far more pixels than any input limit allows."""

from __future__ import annotations

import struct
import zlib
from functools import cache

__all__ = ["bomb_png"]


@cache
def bomb_png() -> bytes:
    """A 30000 x 30000 one-bit PNG of about 110 KB that decodes to 900 million pixels."""
    width = height = 30_000
    row = b"\x00" * (1 + width // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
