"""Fresh PostgreSQL schemas for tests: the store contract tests and the API suites that run on both stores.

PostgreSQL comes from `KILN_TEST_POSTGRES_URL` (default: postgres@127.0.0.1:5432/test). When it does not answer,
the test is skipped, or fails when the `CI` environment variable is set (CI must run both stores).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from sqlalchemy import text

from kiln.jobs.sql import make_engine, migrate, normalize_url

__all__ = ["POSTGRES_URL", "empty_postgres", "migrated_postgres", "require_postgres"]

POSTGRES_URL = os.environ.get("KILN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@cache
def _problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    engine = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        shown = normalize_url(POSTGRES_URL).render_as_string(hide_password=True)
        return f"PostgreSQL at {shown} is required for these tests but is unreachable: {exc}"
    finally:
        engine.dispose()
    return None


def require_postgres() -> None:
    """Skip the test without PostgreSQL, or fail it on CI (CI must run both stores)."""
    problem = _problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


@contextmanager
def empty_postgres() -> Iterator[str]:
    """The URL of a new, empty schema of its own, dropped afterwards."""
    require_postgres()
    schema = f"kiln_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def migrated_postgres() -> Iterator[str]:
    """The URL of a new, migrated schema of its own (dropped afterwards)."""
    with empty_postgres() as url:
        migrate(url)
        yield url
