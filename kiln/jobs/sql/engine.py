"""The SQLAlchemy engine for a database URL: SQLite tuned for a job queue, or PostgreSQL through psycopg 3.

SQLite connections run in WAL mode with `synchronous=NORMAL`, a 15 s busy timeout and foreign keys on, and
SQLAlchemy (not the `sqlite3` module) begins their transactions: plain `BEGIN` for reads, `BEGIN IMMEDIATE`
for a connection with the execution option `IMMEDIATE` set, so a writer takes the write lock before it
reads and two writers wait for each other instead of failing to upgrade a read lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from kiln.jobs.sql.nul import dumps_without_nul

__all__ = ["IMMEDIATE", "make_engine", "normalize_url"]

IMMEDIATE = "kiln_sqlite_immediate"  # execution option: this connection's transactions write
BUSY_TIMEOUT_MS = 15_000
SQLITE_POOL_SIZE = 40  # anyio's default thread limit: the most store calls the API runs at once


def normalize_url(url: str | URL) -> URL:
    """`postgresql://` and `postgres://` become `postgresql+psycopg://` (psycopg 3); other URLs stay."""
    if isinstance(url, str) and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite files get their folder created and the pragmas above. JSON is written without
    NUL (`kiln.jobs.sql.nul`)."""
    parsed = normalize_url(url)
    kwargs.setdefault("json_serializer", dumps_without_nul)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # keep a connection per thread that may use one at once (the API's thread pool): with QueuePool's
            # default of 5, busy moments open and close connections, and each new one runs the pragmas below
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", SQLITE_POOL_SIZE)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # the `begin` listener emits BEGIN itself
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
