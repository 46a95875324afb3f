"""Browser tests of the studio: one real `kiln serve` for the session (tiny model, SQLite in a temporary data
folder, auth on, keys A and B made by `kiln keys create`), Debian's Chromium through Playwright's sync API, and
pages signed in through the studio's own sign-in form.

    def test_something(studio: Studio, signed_in_page: PageFactory) -> None:
        page = signed_in_page(studio.key_a)                 # 1280x800; phone=True for 390x844
        page.goto(studio.url("/queue"))
        job = studio.client(studio.key_a).post("/v1/jobs", json={...})  # the API as key A
        screenshot(page, "queue-desktop")   # tests.studio.browser: outputs/studio-screenshots/queue-desktop.png

Keep images tiny (`TINY`: 32 px, 2 steps) unless a test is about size. A page fails its test on any console error
or uncaught page error (`allowed_errors` lists regular expressions a test expects, e.g. a 401 it provokes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import pytest

from tests.conditions import wait_until
from tests.e2e.server import ServeProcess, create_key, serve_env
from tests.studio.browser import CHROMIUM, DESKTOP, PHONE, ErrorWatch, require_browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["TINY", "PageFactory", "Studio", "sign_in"]

TINY: dict[str, Any] = {"model": "tiny-sd", "width": 32, "height": 32, "steps": 2}  # job defaults for speed


@dataclass
class Studio:
    """The running server: its address, two API keys, and an HTTP client per key."""

    server: ServeProcess
    key_a: str
    key_b: str
    _clients: dict[str | None, httpx.Client] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.server.url

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def client(self, key: str | None) -> httpx.Client:
        """An HTTP client of the API as `key` (None: no key), kept for the session."""
        if key not in self._clients:
            headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
            self._clients[key] = httpx.Client(base_url=self.base_url, headers=headers, timeout=30)
        return self._clients[key]

    def log(self) -> str:
        return self.server.log()

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


class PageFactory(Protocol):
    def __call__(
        self, key: str | None = None, *, phone: bool = False, path: str = "/", allowed_errors: Iterable[str] = ()
    ) -> Page: ...


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    """A real `kiln serve` (one worker on the tiny model, auth on), ready: `/readyz` answers 200."""
    require_browser()  # no server for tests that cannot run
    root = tmp_path_factory.mktemp("studio")
    env = serve_env(root, KILN_DEFAULT_MODEL="tiny-sd")
    key_a, key_b = create_key(env, "A"), create_key(env, "B")
    server = ServeProcess(env, root / "serve.log")
    server.start(timeout=120)

    def ready() -> bool:
        assert server.process is not None and server.process.poll() is None, server.log()
        return httpx.get(server.url + "/readyz", timeout=5).status_code == 200

    running = Studio(server, key_a, key_b)
    try:
        wait_until(ready, timeout=180, interval=0.2, what="kiln serve to be ready (/readyz)")
        yield running
    finally:
        running.close()
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def sign_in(page: Page, key: str) -> None:
    """Signs in through the studio's form (label "API key", button "Sign in") and waits for the signed-in shell."""
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


@pytest.fixture
def new_page(browser: Browser, studio: Studio) -> Iterator[Callable[..., Page]]:
    """`new_page(phone=False, allowed_errors=())`: a fresh browser context (no cookie) and page, not yet opened at
    any address. Each fails its test on a console error or page error that no pattern of `allowed_errors` matches."""
    watches: list[ErrorWatch] = []
    contexts = []

    def make(*, phone: bool = False, allowed_errors: Iterable[str] = ()) -> Page:
        viewport = PHONE if phone else DESKTOP
        context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, base_url=studio.base_url)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        watches.append(ErrorWatch(page, allowed_errors))
        return page

    yield make
    for context in contexts:
        context.close()
    for watch in watches:
        watch.check()


@pytest.fixture
def signed_in_page(new_page: Callable[..., Page], studio: Studio) -> PageFactory:
    """`signed_in_page(key, phone=False, path="/")`: a page at `path`, signed in as `key` (default: key A) through
    the sign-in form."""

    def make(
        key: str | None = None, *, phone: bool = False, path: str = "/", allowed_errors: Iterable[str] = ()
    ) -> Page:
        page = new_page(phone=phone, allowed_errors=allowed_errors)
        page.goto(studio.url(path))
        sign_in(page, key or studio.key_a)
        return page

    return make
