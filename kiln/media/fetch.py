"""Input files by URL (`fetch_bytes`; `fetch_image` checks the body is an image and saves it): downloaded with a
size and a time limit, from public addresses only unless allowed.

Every hop (the URL and each redirect) goes through the webhook SSRF guard (`kiln.events.targets`): the host is
resolved, every address must be public, and the connection goes to the checked address (with the URL's host as
`Host` and TLS SNI), so a DNS answer that changes between check and connect cannot reach an internal host. The
body is streamed and cut off past `max_bytes` (a `Content-Length` over it is refused before reading) or past the
deadline, which bounds the whole download, not each read.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from PIL import Image, UnidentifiedImageError

from kiln.errors import InvalidInput
from kiln.events.targets import Resolver, Target, TargetNotFound, UnsafeTarget, resolve_host, resolve_target
from kiln.media.pixels import DEFAULT_MAX_PIXELS, check_pixels

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT", "INPUT_SETTING", "MAX_REDIRECTS", "fetch_bytes", "fetch_image"]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
INPUT_SETTING = "KILN_INPUT_ALLOW_PRIVATE"


def fetch_bytes(
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    allow_private: bool = False,
    field: str = "url",
    resolver: Resolver = resolve_host,
) -> bytes:
    """The body at `url`; `InvalidInput(field, ...)` says why it cannot be had."""
    deadline = time.monotonic() + timeout
    current = url.strip()
    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = _check(current, allow_private, resolver, field)
            body, location = _get(client, target, deadline, max_bytes, timeout, field)
            if location is None:
                return body
            current = urljoin(current, location)
    raise InvalidInput(field, f"{url} redirects more than {MAX_REDIRECTS} times")


def fetch_image(
    url: str,
    dest: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    allow_private: bool = False,
    field: str = "image",
    resolver: Resolver = resolve_host,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Path:
    """Download the image at `url` to `dest` (written once whole, and only if Pillow reads it as an image of at most
    `max_pixels`, judged by its header: a decompression bomb is never decoded)."""
    body = fetch_bytes(
        url, max_bytes=max_bytes, timeout=timeout, allow_private=allow_private, field=field, resolver=resolver
    )
    return _save(body, Path(dest), url, field, max_pixels)


def _check(url: str, allow_private: bool, resolver: Resolver, field: str) -> Target:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise InvalidInput(field, f"{url!r} is not an http(s) URL; give an http:// or https:// address")
    try:
        return resolve_target(url, allow_private=allow_private, resolver=resolver, field=field, setting=INPUT_SETTING)
    except UnsafeTarget as exc:
        raise InvalidInput(field, f"{exc.message}; only public addresses can be fetched") from None
    except TargetNotFound as exc:
        raise InvalidInput(field, f"{url}: {exc}") from None


def _get(
    client: httpx.Client, target: Target, deadline: float, max_bytes: int, timeout: float, field: str
) -> tuple[bytes, str | None]:
    """The body, or the redirect's location (and no body)."""
    url = httpx.URL(target.url)
    request = client.build_request(
        "GET",
        url.copy_with(host=target.pinned),
        headers={"host": url.netloc.decode("ascii"), "accept": "image/*"},
        timeout=httpx.Timeout(max(0.01, deadline - time.monotonic())),
        extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
    )
    try:
        response = client.send(request, stream=True)
        try:
            return _read_body(response, target, deadline, max_bytes, timeout, field)
        finally:
            response.close()
    except httpx.TimeoutException:
        raise InvalidInput(field, f"{target.url} took longer than {timeout:g} s to download") from None
    except httpx.HTTPError as exc:
        raise InvalidInput(field, f"could not download {target.url}: {type(exc).__name__} {exc}".rstrip()) from None


def _read_body(
    response: httpx.Response, target: Target, deadline: float, max_bytes: int, timeout: float, field: str
) -> tuple[bytes, str | None]:
    if response.status_code in _REDIRECTS and "location" in response.headers:
        return b"", response.headers["location"]
    if not response.is_success:
        raise InvalidInput(field, f"{target.url} answered HTTP {response.status_code}")
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise InvalidInput(field, _too_large(target.url, max_bytes, f"it is {int(declared):,} bytes"))
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise InvalidInput(field, _too_large(target.url, max_bytes, "it is larger"))
        if time.monotonic() > deadline:
            raise InvalidInput(field, f"{target.url} took longer than {timeout:g} s to download")
    return bytes(body), None


def _too_large(url: str, max_bytes: int, detail: str) -> str:
    return f"{url} is over the {max_bytes:,}-byte limit for inputs ({detail}); use a smaller file"


def _save(body: bytes, dest: Path, url: str, field: str, max_pixels: int) -> Path:
    if not check_pixels(body, max_pixels=max_pixels, field=field, name=url):
        raise InvalidInput(field, f"{url} is not an image Pillow can read")
    try:
        with Image.open(io.BytesIO(body)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InvalidInput(field, f"{url} is not an image Pillow can read ({exc})") from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    partial.write_bytes(body)
    partial.replace(dest)
    return dest
