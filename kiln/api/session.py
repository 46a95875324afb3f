"""The studio's session cookie: signing in once with an API key, without the key living in the page or a URL.

`POST /v1/session` (with the key as a Bearer header) sets `kiln_session`: `<key id>.<expires>.<signature>`, an
HMAC-SHA256 over the key's id and the expiry with a secret derived from the URL signing secret
(`kiln.api.signing`), so every API process on the same data folder or `KILN_URL_SECRET` accepts it. The cookie
holds no key: it names the key's id, and each request reads that key again (through `kiln.api.hot_reads`, as a
header's key is read), so a revoked key stops working through its cookie within `KEY_SECONDS` too.

Browsers send cookies on their own, so a request signed in by the cookie that changes something must prove it
comes from the studio's own page: its `Origin` names this host, or its `Sec-Fetch-Site` is `same-origin`
(`require_same_origin`). `SameSite=Strict` keeps other sites' requests from carrying the cookie at all; the origin
check also covers other ports of the same host, which count as the same site.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from kiln.api.errors import ApiError

__all__ = [
    "COOKIE",
    "SAFE_METHODS",
    "SESSION_SECONDS",
    "SessionSigner",
    "is_same_origin",
    "require_same_origin",
]

COOKIE = "kiln_session"
SESSION_SECONDS = 30 * 24 * 3600  # a browser stays signed in this long (revoking the key ends it at once)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DERIVATION = b"kiln session cookie v1"  # the cookie's key is not the URL signing key itself


class SessionSigner:
    """Issues and checks session cookie values."""

    def __init__(self, secret: bytes, *, ttl_seconds: int = SESSION_SECONDS) -> None:
        self._secret = hmac.new(secret, _DERIVATION, hashlib.sha256).digest()
        self.ttl_seconds = ttl_seconds

    def _signature(self, key_id: str, expires: int) -> str:
        return hmac.new(self._secret, f"{key_id}.{expires}".encode(), hashlib.sha256).hexdigest()

    def issue(self, key_id: str, *, now: float | None = None) -> str:
        """The cookie value for the key `key_id`, valid for `ttl_seconds`."""
        expires = int(now if now is not None else time.time()) + self.ttl_seconds
        return f"{key_id}.{expires}.{self._signature(key_id, expires)}"

    def verify(self, value: str, *, now: float | None = None) -> str | None:
        """The key id a cookie value names, if it is ours, untampered and unexpired; else None."""
        key_id, _, rest = value.partition(".")
        expires, _, signature = rest.partition(".")
        if not _KEY_ID.fullmatch(key_id) or not expires.isdigit() or len(expires) > 12:
            return None
        if int(expires) < (now if now is not None else time.time()):
            return None
        if not hmac.compare_digest(self._signature(key_id, int(expires)), signature):
            return None
        return key_id


def is_same_origin(conn: HTTPConnection) -> bool:
    """Whether a browser sent this request from a page of this server (by `Sec-Fetch-Site`, else `Origin`)."""
    if conn.headers.get("sec-fetch-site") == "same-origin":
        return True
    origin, host = conn.headers.get("origin"), conn.headers.get("host")
    if not origin or not host or origin == "null":
        return False
    parsed = urlsplit(origin)
    return parsed.scheme in ("http", "https") and parsed.netloc.lower() == host.lower()


def require_same_origin(conn: HTTPConnection) -> None:
    """403 unless the request comes from this server's own pages (see `is_same_origin`)."""
    if is_same_origin(conn):
        return
    origin = conn.headers.get("origin")
    said = f"its Origin {origin!r} is not" if origin else "it names no Origin, so it cannot be told to come from"
    raise ApiError(
        403,
        "forbidden",
        f"a request signed in by the session cookie must come from this server's own pages, and {said} "
        f"{conn.headers.get('host', 'this server')!r}; scripts should send 'Authorization: Bearer <key>' instead",
        field="Origin",
    )
