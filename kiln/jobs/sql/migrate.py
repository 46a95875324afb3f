"""`migrate(url)`: brings a database to the newest schema (`alembic upgrade head`), safely and idempotently.

The alembic configuration is built here, so no `alembic.ini` is needed; the scripts live in
`kiln/jobs/migrations/`. Several processes may migrate at once: SQLite serializes them with `BEGIN IMMEDIATE`,
PostgreSQL with an advisory lock (see `migrations/env.py`).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL

from kiln.jobs.sql.engine import IMMEDIATE, make_engine

__all__ = ["MIGRATIONS_DIR", "alembic_config", "migrate"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | URL) -> Config:
    """An alembic `Config` for kiln's migrations against `url` (for `command.*` and autogenerate)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", str(url).replace("%", "%%"))
    return config


def migrate(url: str | URL) -> None:
    """Applies every migration that `url`'s database lacks; does nothing when it is up to date."""
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
