"""Shared fixtures: one warm engine per test session (building tiny models costs seconds, not minutes)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach for a hub


@pytest.fixture(scope="session")
def engine() -> Iterator[object]:
    from kiln.config import Settings
    from kiln.engine.executor import Engine

    yield Engine(Settings(threads=2, micro_batch=16), max_models=4)


from tests.s3server import s3_endpoint  # noqa: E402, F401  (the session's moto server, for any test that asks)
