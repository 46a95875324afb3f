"""Waiting on a condition with a deadline (never sleep-and-hope), and what tests need of the machine."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(condition: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.01, what: str = "") -> T:
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)


# Narration needs the espeak-ng program (scripts/install.sh installs it). Without it these tests are skipped on a
# developer's machine, but under CI they run and fail with kiln's own message, so CI never passes by skipping them.
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None and not os.environ.get("CI"),
    reason="espeak-ng is not installed (scripts/install.sh installs it)",
)
