"""`SqlBase`: the engine, the clock, and read and write transactions that the SQL stores share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import URL, Connection, Engine

from kiln.jobs.event_listeners import EventListener, EventListeners
from kiln.jobs.ids import Clock, by_id, utc_now
from kiln.jobs.sql.engine import IMMEDIATE, make_engine

__all__ = ["EVENT_JOBS", "SqlBase", "by_id"]

# `conn.info` key of the set of job ids a write transaction appended events to (see `common.append_event`)
EVENT_JOBS = "kiln.event_jobs"


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
        self._event_listeners = EventListeners()

    def add_event_listener(self, listener: EventListener) -> None:
        """`listener` is called with the job ids of each committed write that appended events to them."""
        self._event_listeners.add(listener)

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
            job_ids: set[str] = set()
            conn.info[EVENT_JOBS] = job_ids
            try:
                with conn.begin():
                    yield conn
            finally:
                del conn.info[EVENT_JOBS]
        if job_ids and self._event_listeners:  # committed: a listener's readers find the events
            self._event_listeners.notify(frozenset(job_ids))
