"""`SqlBase`: the engine, the clock, and read and write transactions that the SQL stores share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import URL, Connection, Engine

from kiln.jobs.ids import Clock, by_id, utc_now
from kiln.jobs.sql.engine import IMMEDIATE, make_engine

__all__ = ["SqlBase", "by_id"]


class SqlBase:
    """Owns (or borrows) an engine; `clock` returns aware UTC datetimes.

    An engine passed in should come from `kiln.jobs.sql.engine.make_engine`, which sets up SQLite's locking.
    The schema must exist: run `kiln.jobs.sql.migrate.migrate(url)` first.
    """

    def __init__(self, url_or_engine: str | URL | Engine, *, clock: Clock = utc_now) -> None:
        if isinstance(url_or_engine, Engine):
            self._engine, self._owns_engine = url_or_engine, False
        else:
            self._engine, self._owns_engine = make_engine(url_or_engine), True
        self._clock = clock

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Closes the engine's connections, if this store made the engine."""
        if self._owns_engine:
            self._engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction: on SQLite it holds the database's write lock from its first statement."""
        with self._engine.connect() as conn:
            conn.execution_options(**{IMMEDIATE: True})
            with conn.begin():
                yield conn
