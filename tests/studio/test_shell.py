"""The studio's shell in Chromium against a real `kiln serve`: signing in and out, the Status page and the top bar's
status line, the bundle as the server sends it, and live events over the WebSocket with the session cookie."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from websockets.sync.client import connect

from tests.studio.browser import screenshot
from tests.studio.conftest import TINY, PageFactory, Studio

pytestmark = pytest.mark.slow

UNAUTHORIZED_LOG = r"status of 401"  # Chromium logs the 401 of a wrong key's sign-in


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_sign_in_with_a_wrong_key_then_the_right_one_and_out(
    studio: Studio, new_page: Callable[..., Page], phone: bool
) -> None:
    size = "phone" if phone else "desktop"
    page = new_page(phone=phone, allowed_errors=[UNAUTHORIZED_LOG])
    page.goto("/queue")
    key = page.get_by_label("API key")
    expect(key).to_be_focused()
    screenshot(page, f"sign-in-{size}")
    key.fill("kiln_this-is-not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("the API key is not valid (unknown or revoked)")
    screenshot(page, f"sign-in-wrong-key-{size}")

    key.fill(studio.key_b)
    key.press("Enter")  # the keyboard signs in too
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()  # still where the user asked to go
    expect(page.get_by_text("B", exact=True)).to_be_visible()  # the key's name
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script reads the session
    assert studio.key_b not in page.url

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    page.reload()
    expect(page.get_by_label("API key")).to_be_visible()  # the cookie is gone, not just the screen


def test_the_status_page_shows_the_worker_queue_usage_and_version(studio: Studio, signed_in_page: PageFactory) -> None:
    version = studio.client(studio.key_a).get("/v1/status").json()["version"]
    for phone, dark in ((False, False), (True, False), (False, True)):
        page = signed_in_page(studio.key_a, phone=phone, dark=dark, path="/status")
        expect(page.get_by_role("heading", name="Status", exact=True)).to_be_visible()
        worker = page.get_by_role("listitem", name=re.compile(r"^Worker "))
        expect(worker).to_have_count(1)
        expect(worker).to_contain_text("cpu")
        expect(worker.get_by_label("Loaded models")).to_contain_text("tiny-sd")
        expect(page.get_by_text(f"version {version}")).to_be_visible()
        expect(page.get_by_text("API keys", exact=True)).to_be_visible()
        expect(page.get_by_role("region", name="My usage")).to_contain_text("A")
        expect(page.get_by_role("link", name=re.compile("^Status: 1 worker alive"))).to_contain_text(
            re.compile(r"● \d+ running · \d+ queued")
        )
        screenshot(page, f"status-{'phone' if phone else 'desktop'}{'-dark' if dark else ''}")


def test_the_status_line_follows_the_queue_live(studio: Studio, signed_in_page: PageFactory) -> None:
    page = signed_in_page(studio.key_a, path="/status")
    line = page.get_by_test_id("status-counts")
    expect(line).to_have_text(re.compile(r"\d+ running · \d+ queued"))
    # far more work than a few polls take, on any machine: the line must show it, then follow the cancel
    job = _submit(studio, studio.key_a, 40, steps=150, width=64, height=64)
    expect(line).not_to_have_text("0 running · 0 queued", timeout=20_000)
    client = studio.client(studio.key_a)
    assert client.post(f"/v1/jobs/{job}/cancel").status_code == 200
    expect(line).to_have_text("0 running · 0 queued", timeout=60_000)  # without a reload
    assert client.get(f"/v1/jobs/{job}").json()["state"] == "canceled"


def test_the_bundle_is_served_cached_and_compressed(studio: Studio, signed_in_page: PageFactory) -> None:
    raw = httpx.get(studio.url("/queue"), headers={"Accept-Encoding": "gzip"})
    assert raw.status_code == 200 and raw.headers["cache-control"] == "no-cache"
    assert raw.headers["content-encoding"] == "gzip" and raw.headers["vary"] == "Accept-Encoding"
    assert "frame-ancestors 'none'" in raw.headers["content-security-policy"]
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', raw.text)
    assert scripts, raw.text
    with httpx.stream("GET", studio.url(scripts[0]), headers={"Accept-Encoding": "gzip"}) as asset:
        body = b"".join(asset.iter_raw())
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["content-encoding"] == "gzip"
        assert asset.headers["content-type"].startswith("text/javascript")
    assert gzip.decompress(body)
    head = httpx.head(studio.url("/gallery"))
    assert head.status_code == 200 and head.content == b""
    assert httpx.get(studio.url("/v1/nothing")).json()["error"]["type"] == "not_found"

    page = signed_in_page(studio.key_a, path="/queue")
    page.reload()  # a client-side route, reloaded: the server answers it with the studio
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    expect(page.get_by_role("link", name="Queue")).to_have_class(re.compile("active"))


def test_live_events_reach_the_page_over_the_websocket_with_the_cookie(
    studio: Studio, signed_in_page: PageFactory
) -> None:
    page = signed_in_page(studio.key_a, path="/status")
    mine = _submit(studio, studio.key_a, 2)
    theirs = _submit(studio, studio.key_b, 1)
    events = page.evaluate(_FOLLOW, mine)
    types = [event["type"] for event in events]
    assert types[0] == "ws.subscribed" and types[-1] == "ws.end", types
    assert events[-1]["data"] == {"reason": "finished", "state": "completed"}
    assert len(types) > 2, types  # the job's own events came in between
    refused = page.evaluate(_FOLLOW, theirs)  # key B's job: as if it did not exist
    assert refused[0]["type"] == "ws.error" and refused[0]["data"]["field"] == "job_id"


def test_a_key_in_the_websocket_url_is_not_logged(studio: Studio) -> None:
    """API clients may still put `?token=` in the WebSocket's URL; the server's log shows it redacted."""
    job = _submit(studio, studio.key_a, 1)
    address = studio.base_url.replace("http://", "ws://") + f"/v1/ws?token={studio.key_a}"
    with connect(address) as ws:
        ws.send(json.dumps({"action": "subscribe", "job_id": job}))
        assert json.loads(ws.recv())["type"] == "ws.subscribed"
    log = studio.log()
    assert "/v1/ws?token=[redacted]" in log
    assert studio.key_a not in log and studio.key_b not in log


_FOLLOW = """(jobId) => new Promise((resolve, reject) => {
  const ws = new WebSocket(`ws://${location.host}/v1/ws`);  // the session cookie goes with it; no key in the URL
  const seen = [];
  const timer = setTimeout(() => reject(new Error("no ws.end in 60 s: " + JSON.stringify(seen))), 60000);
  ws.onopen = () => ws.send(JSON.stringify({ action: "subscribe", job_id: jobId, after: 0 }));
  ws.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
  ws.onmessage = (message) => {
    const event = JSON.parse(message.data);
    seen.push(event);
    if (event.type === "ws.end" || event.type === "ws.error") {
      clearTimeout(timer);
      ws.onclose = null;
      ws.close();
      resolve(seen);
    }
  };
})"""


def _submit(studio: Studio, key: str, images: int, **settings: Any) -> str:
    defaults = TINY | settings
    body = {"prompts": [f"a small kiln, take {i}" for i in range(images)], "defaults": defaults}
    response = studio.client(key).post("/v1/jobs", json=body)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id
