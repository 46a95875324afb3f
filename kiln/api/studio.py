"""The studio's bundle (`kiln/studio/dist`, built from `web/`), served at `/` for every path the API does not own.

It answers only what no route matched (it is the router's default), so the API's 404s and 405s are untouched.
A file of the bundle is sent as it is; any other path is a client-side route and gets `index.html`, except under
the API's own prefixes (`/v1`, `/docs`, ...), which keep their JSON 404, and paths that name a file (`/x.png`),
which get a 404 rather than a page in place of a file. Hashed files under `/assets/` never change, so browsers keep
them for a year; everything else is revalidated on each load (`no-cache`, with an `ETag`). A `.gz` sibling made by
the build is sent to clients that accept gzip. Without a built bundle the answer is a page saying how to build it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

import kiln.studio
from kiln.config import Settings

__all__ = ["API_PREFIXES", "CONTENT_SECURITY_POLICY", "StudioApp", "bundled_dist", "download_origins", "html_headers"]

API_PREFIXES = ("/v1", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Vite's bundle loads scripts and styles from its own origin only; images and videos may be blob:/data: URLs
# (previews, downloads); the API and its WebSocket are on this origin (`_connect_sources` names the ws:/wss: form
# too, for browsers whose 'self' does not cover it). Inline styles are allowed: React and the virtualized lists set
# style attributes, which carry no script.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_HTML_HEADERS = {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff"}
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kiln: the studio is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The studio is not built</h1>
<p>kiln serves its web studio from <code>kiln/studio/dist</code>, and that folder has no <code>index.html</code>.
Build it from a checkout of kiln (this needs Node.js 20.19 or newer):</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>then reload this page. The API works without it: see <a href="/docs">/docs</a>.</p>
</body></html>
"""


def bundled_dist() -> Path:
    """The bundle shipped in the package (it may be missing in a checkout where nobody built it)."""
    return Path(kiln.studio.__file__).parent / "dist"


@dataclass(frozen=True, slots=True)
class _File:
    path: Path
    gzipped: Path | None  # the build's `.gz` sibling, if any


class StudioApp:
    """An ASGI app that serves the bundle in `root`, handing everything else (WebSockets, the API's prefixes,
    methods other than GET and HEAD) to `fallback`, the router's own 404."""

    def __init__(self, root: Path, fallback: ASGIApp, media_origins: tuple[str, ...] = ()) -> None:
        self._root = root.resolve()
        self._fallback = fallback
        self._media_origins = media_origins  # where downloads redirect to (a bucket's presigned URLs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_api(scope["path"]) or scope["method"] not in ("GET", "HEAD"):
            await self._fallback(scope, receive, send)
            return
        response = self.respond(Request(scope))
        if scope["method"] == "HEAD":
            response.body = b""  # Content-Length stays that of the GET
        await response(scope, receive, send)

    def respond(self, request: Request) -> Response:
        path = request.url.path
        found = self._find(path)
        if found is None:
            if _names_a_file(path):
                return _plain(404, f"no file {path!r} in the studio's bundle")
            found = self._find("/index.html")
            if found is None:
                headers = {"Cache-Control": REVALIDATE, **html_headers(request, self._media_origins)}
                return HTMLResponse(_NOT_BUILT, status_code=503, headers=headers)
        cache = IMMUTABLE if path.startswith("/assets/") else REVALIDATE
        return _file_response(request, found, cache, self._media_origins)

    def _find(self, path: str) -> _File | None:
        """The bundle's file at URL `path`; None for a folder, a missing file, or a path that leaves the bundle."""
        relative = PurePosixPath(path.lstrip("/"))
        if "\x00" in path or "\\" in path or any(part in ("..", ".") for part in relative.parts):
            return None
        if not relative.parts:
            relative = PurePosixPath("index.html")
        try:
            candidate = (self._root / relative).resolve()
            if not candidate.is_relative_to(self._root) or not candidate.is_file():
                return None
            gzipped = candidate.with_name(candidate.name + ".gz")
            return _File(candidate, gzipped if gzipped.is_file() else None)
        except OSError:  # a name or path too long for the file system (ENAMETOOLONG) names no file of ours
            return None


def download_origins(settings: Settings) -> tuple[str, ...]:
    """Where the studio's images and videos come from besides this origin: with a bucket and
    `KILN_S3_DOWNLOADS=redirect`, `/v1/artifacts/{id}` answers 307 to a presigned URL of the bucket's endpoint
    (any https origin when the endpoint is AWS's own, which depends on the bucket's region)."""
    if not (settings.storage_url or "").startswith("s3://") or settings.s3_downloads != "redirect":
        return ()
    endpoint = urlsplit(settings.s3_endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or "")
    if endpoint.scheme in ("http", "https") and endpoint.netloc:
        return (f"{endpoint.scheme}://{endpoint.netloc}",)
    return ("https:",)


def html_headers(request: Request, media_origins: tuple[str, ...] = ()) -> dict[str, str]:
    """The security headers of a page: its content security policy, no framing, no referrer to other sites.
    `media_origins` may serve images and videos too: a bucket that downloads redirect to."""
    policy = CONTENT_SECURITY_POLICY
    if media_origins:
        extra = " ".join(media_origins)
        policy = policy.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {extra}")
        policy = policy.replace("media-src 'self' blob:", f"media-src 'self' blob: {extra}")
    host = request.headers.get("host", "")
    if _HOST.fullmatch(host):
        policy = policy.replace("connect-src 'self'", f"connect-src 'self' ws://{host} wss://{host}")
    return {"Content-Security-Policy": policy, **_HTML_HEADERS}


def _is_api(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def _names_a_file(path: str) -> bool:
    """Whether a path asks for a file (`/assets/x.js`, `/favicon.ico`) rather than a page (`/queue/01J...`)."""
    return path.startswith("/assets/") or "." in PurePosixPath(path).name


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip()
            return quality == "" or _positive(quality)
    return False


def _positive(quality: str) -> bool:
    try:
        return float(quality) > 0
    except ValueError:
        return False


def _file_response(request: Request, found: _File, cache: str, media_origins: tuple[str, ...]) -> Response:
    media_type = mimetypes.guess_type(found.path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type in ("application/javascript", "text/javascript"):
        media_type += "; charset=utf-8"
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    if found.path.suffix == ".html":
        headers.update(html_headers(request, media_origins))
    source = found.path
    if found.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
        if _accepts_gzip(request):
            source = found.gzipped
            headers["Content-Encoding"] = "gzip"
    body = source.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers["ETag"] = etag
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status_code=status, media_type="text/plain; charset=utf-8")
