"""API keys: who is calling (a `Caller`), their usage, and what a request costs their quota (`kiln.jobs.quota`).

A key is sent as `Authorization: Bearer <token>` (WebSockets may use `?token=` instead, since browsers cannot
set headers there), or a browser signed in once and sends the session cookie, which names the key's id
(`kiln.api.session`). With `settings.auth == "off"` everyone is the anonymous caller, whose owner is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from kiln.errors import Unauthorized
from kiln.jobs.keys import KeyStore
from kiln.jobs.quota import QUOTA_WINDOW, Charge, over_quota
from kiln.jobs.store import JobStore

__all__ = ["ANONYMOUS", "Caller", "authenticate", "bearer_token", "charge", "remote_cost", "session_caller", "usage"]


@dataclass(frozen=True, slots=True)
class Caller:
    """The owner of a request: an API key's id (None when auth is off) and its quota (images per rolling 24 hours;
    None: unlimited)."""

    owner: str | None
    key_name: str | None = None
    quota: int | None = None


ANONYMOUS = Caller(owner=None)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(keys: KeyStore, *, auth: str, token: str | None) -> Caller:
    """The caller a token belongs to; `Unauthorized` when auth is on and the token is missing or unknown."""
    if auth == "off":
        return ANONYMOUS
    if token is None:
        raise Unauthorized("this API needs a key: send the header 'Authorization: Bearer <your kiln key>'")
    record = keys.authenticate(token)
    if record is None:
        raise Unauthorized("the API key is not valid (unknown or revoked)")
    return Caller(owner=record.id, key_name=record.name, quota=record.quota_per_day)


def session_caller(keys: KeyStore, key_id: str) -> Caller:
    """The caller of a session cookie that names `key_id` (already verified); `Unauthorized` once the key is
    revoked or gone."""
    record = keys.get_key(key_id)
    if record is None or not record.active:
        raise Unauthorized("the API key of this session was revoked: sign in again with a valid key")
    return Caller(owner=record.id, key_name=record.name, quota=record.quota_per_day)


def usage(store: JobStore, caller: Caller, now: datetime | None = None) -> int:
    """Images charged to the caller in the rolling 24 hours before `now` (0 for the anonymous caller)."""
    if caller.owner is None:
        return 0
    return store.images_since(caller.owner, (now or datetime.now(UTC)) - QUOTA_WINDOW)


def remote_cost(store: JobStore, caller: Caller, now: datetime | None = None) -> float:
    """What the caller's items on remote backends cost (USD) in the rolling 24 hours before `now` (0 anonymous)."""
    if caller.owner is None:
        return 0.0
    return store.remote_cost_since(caller.owner, (now or datetime.now(UTC)) - QUOTA_WINDOW)


def charge(caller: Caller, images: int, field: str, unit: Literal["images", "frames"] = "images") -> Charge:
    """What a job of `images` costs `caller`, against its quota; the store checks and records it atomically.
    `field` names the request field that sets the job's size; a job bigger than the whole quota is refused here
    (`OverQuota`, before any store work: it can never fit)."""
    cost = Charge(images, caller.quota, field, unit)
    error = over_quota(cost)
    if error is not None:
        raise error
    return cost
