"""API keys: the `KeyStore` protocol, its record, and the token format.

A token is `kiln_` followed by 43 url-safe random characters. Only its SHA-256 is stored, with a short display
prefix (`kiln_` and 8 characters) so people can tell their keys apart; the token itself is shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["TOKEN_PREFIX", "ApiKeyRecord", "KeyStore", "display_prefix", "hash_token", "new_token"]

TOKEN_PREFIX = "kiln_"


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """An API key as stored: never the token, only what identifies and limits it."""

    id: str
    name: str
    prefix: str  # the token's first characters, for display
    quota_per_day: int | None  # images per rolling 24 hours (`kiln.jobs.quota`); None: unlimited
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class KeyStore(Protocol):
    def create_key(self, name: str, quota_per_day: int | None = None) -> tuple[ApiKeyRecord, str]: ...
    def authenticate(self, token: str) -> ApiKeyRecord | None: ...  # None: unknown or revoked
    def get_key(self, key_id: str) -> ApiKeyRecord | None: ...  # None: unknown (a revoked key is returned)
    def list_keys(self) -> list[ApiKeyRecord]: ...  # oldest first, revoked ones included
    def revoke_key(self, key_id: str) -> bool: ...  # False: no such key (revoking twice is True)


def new_token() -> str:
    """A fresh token: `kiln_` and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the store keeps and looks tokens up by: SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def display_prefix(token: str) -> str:
    return token[: len(TOKEN_PREFIX) + 8]
