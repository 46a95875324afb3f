"""Signed artifact URLs: downloadable without an API key until they expire, like OpenAI's image URLs.

A URL carries `expires` (unix seconds) and `signature` (HMAC-SHA256 of the artifact id and expiry). The secret is
`KILN_URL_SECRET`, else one made once in `<data_dir>/url_secret` and shared by every API process on that folder, so
a URL keeps working across restarts and behind a load balancer until it expires.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from kiln.config import Settings
from kiln.secret_file import read_or_create

__all__ = ["DEFAULT_TTL_SECONDS", "SECRET_FILE", "UrlSigner", "load_url_secret"]

DEFAULT_TTL_SECONDS = 3600
SECRET_FILE = "url_secret"


def load_url_secret(settings: Settings) -> bytes:
    """`KILN_URL_SECRET`, else the secret kept in the data folder (made on first use)."""
    if settings.url_secret:
        return settings.url_secret.encode()
    return read_or_create(settings.data_dir / SECRET_FILE, lambda: secrets.token_hex(32)).encode()


class UrlSigner:
    """Signs and checks `(artifact_id, expires)` pairs."""

    def __init__(self, secret: bytes | None = None, *, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self.ttl_seconds = ttl_seconds

    def _digest(self, artifact_id: str, expires: int) -> str:
        message = f"{artifact_id}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, artifact_id: str, *, now: float | None = None) -> dict[str, str]:
        """Query parameters that let anyone download `artifact_id` for `ttl_seconds`."""
        expires = int(now if now is not None else time.time()) + self.ttl_seconds
        return {"expires": str(expires), "signature": self._digest(artifact_id, expires)}

    def verify(self, artifact_id: str, expires: str | None, signature: str | None, *, now: float | None = None) -> bool:
        if not expires or not signature or not expires.isdigit():
            return False
        if int(expires) < (now if now is not None else time.time()):
            return False
        return hmac.compare_digest(self._digest(artifact_id, int(expires)), signature)
