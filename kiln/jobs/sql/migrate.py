"""`migrate(url)`: brings a database to the newest schema (`alembic upgrade head`), safely and idempotently.

The alembic configuration is built here, so no `alembic.ini` is needed; the scripts live in
`kiln/jobs/migrations/`. Several processes may migrate at once: SQLite serializes them with `BEGIN IMMEDIATE`,
PostgreSQL with an advisory lock (see `migrations/env.py`).
"""

from __future__ import annotations

import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL
from sqlalchemy.exc import OperationalError

from kiln.jobs.sql.engine import IMMEDIATE, make_engine

__all__ = ["MIGRATIONS_DIR", "alembic_config", "migrate"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | URL) -> Config:
    """An alembic `Config` for kiln's migrations against `url` (for `command.*` and autogenerate)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", str(url).replace("%", "%%"))
    return config


LOCKED_RETRY_SECONDS = 120.0  # how long a process waits, beyond SQLite's busy timeout, for another's migration


def migrate(url: str | URL) -> None:
    """Applies every migration that `url`'s database lacks; does nothing when it is up to date. On SQLite a
    process that finds the database locked past its busy timeout (another process migrating on a slow or busy
    machine) tries again rather than failing its start."""
    deadline = time.monotonic() + LOCKED_RETRY_SECONDS
    while True:
        try:
            _upgrade(url)
            return
        except OperationalError as exc:
            if "database is locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _upgrade(url: str | URL) -> None:
    config = alembic_config(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{IMMEDIATE: True})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
    finally:
        engine.dispose()
