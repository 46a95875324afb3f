"""`SqlRates`: each signature's recent seconds per image in `signature_rates` (`kiln.jobs.rates`).

A sample is blended in by one `INSERT ... ON CONFLICT DO UPDATE` whose new value is computed from the row's
current one in SQL: on PostgreSQL the conflicting row is locked for the update, on SQLite the write transaction
holds the database's lock, so workers recording at once never lose each other's samples.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from kiln.jobs.rates import RATE_WEIGHT, SignatureRate, checked_rate
from kiln.jobs.sql.base import SqlBase
from kiln.jobs.sql.tables import RATES

__all__ = ["SqlRates"]

_CHUNK = 500  # keys per query: a job of 10,000 items may have as many signatures
_READ = select(RATES).where(RATES.c.signature.in_(bindparam("keys", expanding=True)))


class SqlRates(SqlBase):
    """`record_rate` and `signature_rates` of `JobStore`."""

    def record_rate(self, signature: str, seconds_per_image: float) -> None:
        sample = checked_rate(seconds_per_image)
        with self._write() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            values = {"signature": signature, "seconds_per_image": sample, "units": 1, "updated_at": self._clock()}
            upsert = dialect.insert(RATES).values(values)
            current = RATES.c.seconds_per_image
            upsert = upsert.on_conflict_do_update(
                index_elements=[RATES.c.signature],
                set_={
                    "seconds_per_image": current + RATE_WEIGHT * (upsert.excluded.seconds_per_image - current),
                    "units": RATES.c.units + 1,
                    "updated_at": upsert.excluded.updated_at,
                },
            )
            conn.execute(upsert)

    def signature_rates(self, signatures: Collection[str]) -> dict[str, SignatureRate]:
        keys = sorted({key for key in signatures if "\x00" not in key})  # no NUL can be stored, nor sent to PostgreSQL
        found: dict[str, SignatureRate] = {}
        if not keys:
            return found
        with self._read() as conn:
            for start in range(0, len(keys), _CHUNK):
                for row in conn.execute(_READ, {"keys": keys[start : start + _CHUNK]}):
                    found[row.signature] = SignatureRate(row.seconds_per_image, row.units, row.updated_at)
        return found
