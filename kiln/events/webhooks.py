"""Webhook signatures as the Standard Webhooks spec defines them (https://www.standardwebhooks.com).

A delivery carries `webhook-id` (the same on every retry: the receiver's idempotency key), `webhook-timestamp`
(integer Unix seconds of this attempt) and `webhook-signature`: `v1,` + base64 HMAC-SHA256 of
`{id}.{timestamp}.{body}`, keyed by the base64-decoded secret after its `whsec_` prefix. Any Standard Webhooks
library verifies kiln's deliveries with the secret set in `KILN_WEBHOOK_SECRET`, else the one kiln made on first use
in `<data_dir>/webhook_secret` (`kiln serve` logs which).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from kiln.config import Settings
from kiln.errors import KilnError
from kiln.secret_file import read_or_create

__all__ = [
    "SECRET_FILE",
    "SECRET_PREFIX",
    "TOLERANCE_SECONDS",
    "decode_secret",
    "generate_secret",
    "load_secret",
    "sign",
    "signed_headers",
    "verify",
]

SECRET_PREFIX = "whsec_"
SECRET_FILE = "webhook_secret"
TOLERANCE_SECONDS = 300  # how far a timestamp may be from the receiver's clock
_MIN_KEY_BYTES = 24  # the spec: at least 192 bits
_MAX_KEY_BYTES = 64


def generate_secret() -> str:
    """A new random signing secret, `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def decode_secret(secret: str) -> bytes:
    """The HMAC key of a `whsec_...` secret (the prefix may be left off)."""
    encoded = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise KilnError("the webhook secret must be 'whsec_' followed by base64") from None
    if not _MIN_KEY_BYTES <= len(key) <= _MAX_KEY_BYTES:
        raise KilnError(f"the webhook secret must hold {_MIN_KEY_BYTES} to {_MAX_KEY_BYTES} bytes, not {len(key)}")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one attempt: `v1,<base64 HMAC-SHA256>`."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(decode_secret(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (timestamp: now)."""
    if "." in msg_id:
        raise KilnError("a webhook id must not contain '.'")  # it would make the signed content ambiguous
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, msg_id, stamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: float = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether a delivery is authentic and recent: one `v1` signature in the header matches, in constant time."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        return False
    try:
        timestamp = int(stamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, msg_id, timestamp, body).encode()
    return any(
        hmac.compare_digest(expected, candidate.encode())
        for candidate in signatures.split(" ")
        if candidate.startswith("v1,")
    )


def load_secret(settings: Settings) -> str:
    """The signing secret: `KILN_WEBHOOK_SECRET`, else the one kept in the data folder (made on first use)."""
    if settings.webhook_secret:
        decode_secret(settings.webhook_secret)
        return settings.webhook_secret
    secret = read_or_create(settings.data_dir / SECRET_FILE, generate_secret)
    decode_secret(secret)
    return secret
