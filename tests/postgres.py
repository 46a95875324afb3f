"""A fresh PostgreSQL schema for tests outside tests/store (the API's hostile-input suite runs on both stores).

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

__all__ = ["POSTGRES_URL", "migrated_postgres"]

POSTGRES_URL = os.environ.get("KILN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@cache
def _problem() -> str | None:
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


@contextmanager
def migrated_postgres() -> Iterator[str]:
    """The URL of a new, migrated schema of its own (dropped afterwards); skip or fail (CI) without PostgreSQL."""
    problem = _problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"kiln_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        migrate(rendered)
        yield rendered
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
