"""Alembic environment for kiln's job store; `kiln.jobs.sql.migrate` runs it with a connection ready."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from kiln.jobs.sql.engine import IMMEDIATE, make_engine
from kiln.jobs.sql.tables import Base

MIGRATION_LOCK = 7_301_734_001  # pg_advisory_xact_lock key: one migrating process at a time

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    # One transaction around every step, begun before alembic reads the version. Alembic commits after each
    # step on SQLite (it counts SQLite's DDL as not transactional), which would let a second process read
    # the version between two steps and apply the next one twice. Begun here, alembic leaves it alone, and
    # SQLite's `BEGIN IMMEDIATE` (or PostgreSQL's advisory lock) holds the others off until the last step.
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            conn.execution_options(**{IMMEDIATE: True})
            run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
