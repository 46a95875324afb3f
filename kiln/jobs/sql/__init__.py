"""The SQL job store: SQLite (WAL) for one machine, PostgreSQL for many; migrations by alembic."""

from kiln.jobs.sql.engine import make_engine, normalize_url
from kiln.jobs.sql.migrate import migrate
from kiln.jobs.sql.store import SqlStore

__all__ = ["SqlStore", "make_engine", "migrate", "normalize_url"]
