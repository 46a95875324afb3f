"""`SqlKeyStore`: API keys in the `api_keys` table, looked up by the SHA-256 of the token."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, select, update

from kiln.jobs.ids import new_id
from kiln.jobs.keys import ApiKeyRecord, display_prefix, hash_token, new_token
from kiln.jobs.sql.base import SqlBase
from kiln.jobs.sql.tables import API_KEYS

__all__ = ["SqlKeyStore"]


def _key_record(row: Row[Any]) -> ApiKeyRecord:
    return ApiKeyRecord(row.id, row.name, row.prefix, row.quota_per_day, row.created_at, row.revoked_at)


class SqlKeyStore(SqlBase):
    """A `KeyStore` on SQLite or PostgreSQL."""

    def create_key(self, name: str, quota_per_day: int | None = None) -> tuple[ApiKeyRecord, str]:
        token = new_token()
        now = self._clock()
        record = ApiKeyRecord(new_id(now), name, display_prefix(token), quota_per_day, now)
        values = {
            "id": record.id,
            "name": name,
            "prefix": record.prefix,
            "token_hash": hash_token(token),
            "quota_per_day": quota_per_day,
            "created_at": now,
        }
        with self._write() as conn:
            conn.execute(insert(API_KEYS).values(values))
        return record, token

    def authenticate(self, token: str) -> ApiKeyRecord | None:
        query = select(API_KEYS).where(API_KEYS.c.token_hash == hash_token(token), API_KEYS.c.revoked_at.is_(None))
        with self._read() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _key_record(row)

    def get_key(self, key_id: str) -> ApiKeyRecord | None:
        with self._read() as conn:
            row = conn.execute(select(API_KEYS).where(API_KEYS.c.id == key_id)).one_or_none()
        return None if row is None else _key_record(row)

    def list_keys(self) -> list[ApiKeyRecord]:
        with self._read() as conn:
            return [_key_record(row) for row in conn.execute(select(API_KEYS).order_by(API_KEYS.c.id))]

    def revoke_key(self, key_id: str) -> bool:
        with self._write() as conn:
            found = conn.execute(select(API_KEYS.c.id).where(API_KEYS.c.id == key_id)).first() is not None
            query = update(API_KEYS).where(API_KEYS.c.id == key_id, API_KEYS.c.revoked_at.is_(None))
            conn.execute(query.values(revoked_at=self._clock()))
        return found
