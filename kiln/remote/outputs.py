"""Fetching a remote output: a `data:` URI decoded in place, an http(s) URL downloaded (retried on 429 and 5xx)."""

from __future__ import annotations

import base64
import binascii

import httpx

from kiln.remote.protocol import RemoteError
from kiln.remote.retry import error_from_response

__all__ = ["MAX_OUTPUT_BYTES", "fetch_output"]

MAX_OUTPUT_BYTES = 256 * 1024 * 1024


async def fetch_output(client: httpx.AsyncClient, url: str, backend: str) -> bytes:
    """The bytes of one output; `RemoteError` (retryable where a retry may help) when it cannot be had."""
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        try:
            return base64.b64decode(payload, validate=True) if header.endswith(";base64") else payload.encode()
        except (binascii.Error, ValueError) as exc:
            raise RemoteError(f"{backend} sent an output that is not valid base64: {exc}") from exc
    if not url.startswith(("http://", "https://")):
        raise RemoteError(f"{backend} sent an output kiln cannot fetch: {url[:80]!r}")
    async with client.stream("GET", url) as response:
        if response.status_code >= 400:
            await response.aread()
            raise error_from_response(response, backend)
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > MAX_OUTPUT_BYTES:
                raise RemoteError(f"{backend}'s output is over {MAX_OUTPUT_BYTES} bytes")
        return bytes(data)
