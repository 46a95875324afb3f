"""What the studio's browser tests share: Debian's Chromium through Playwright (required on CI), pages that fail
the test on any console or page error, and screenshots under outputs/studio-screenshots/."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Error, Page, ViewportSize

__all__ = [
    "CHROMIUM",
    "DESKTOP",
    "PHONE",
    "SCREENSHOTS",
    "ErrorWatch",
    "require_browser",
    "screenshot",
]

CHROMIUM = os.environ.get("KILN_TEST_CHROMIUM", "/usr/bin/chromium")  # Debian's; Playwright's own download is
# not reachable here
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "outputs" / "studio-screenshots"


def _problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[dev]'"
    if shutil.which(CHROMIUM) is None:
        return f"Chromium is not at {CHROMIUM}: apt-get install chromium (scripts/install.sh does)"
    return None


def require_browser() -> None:
    """Skip without Playwright or Chromium, or fail under CI (CI must run the browser tests)."""
    problem = _problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


class ErrorWatch:
    """Every console error and uncaught page error of a page, but for the ones a test says it expects."""

    def __init__(self, page: Page, allowed: Iterable[str] = ()) -> None:
        self.errors: list[str] = []
        self._allowed = [re.compile(pattern) for pattern in allowed]
        page.on("console", self._console)
        page.on("pageerror", self._page_error)

    def allow(self, pattern: str) -> None:
        """Expect errors matching `pattern` from now on (e.g. the 401 a wrong key's sign-in logs)."""
        self._allowed.append(re.compile(pattern))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self._add(f"console: {message.text} ({message.location.get('url', '')})")

    def _page_error(self, error: Error) -> None:
        self._add(f"page error: {error.message}")

    def _add(self, text: str) -> None:
        if not any(pattern.search(text) for pattern in self._allowed):
            self.errors.append(text)

    def check(self) -> None:
        if self.errors:
            pytest.fail("the browser reported errors:\n" + "\n".join(self.errors), pytrace=False)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Saves `outputs/studio-screenshots/<name>.png` (look at it) and returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
