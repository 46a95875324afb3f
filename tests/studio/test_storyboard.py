"""The Storyboard page in a real browser against a real `kiln serve` (issue 10's done-when): a 3-scene storyboard
made in the editor (a narration line, a Ken Burns shot, an uploaded music track) renders and its final cut plays in
the page; changing one scene's prompt and rendering again remakes that scene's image and the final cut and reuses
the rest, which the page says and the video's metadata confirms. A YAML manifest imported and exported comes back
the same (after a drag and the move buttons put its scenes back); an API error shows on the scene it names. The
page and the YAML library load only when the page is opened. Screenshots at desktop and phone sizes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from kiln.api.studio import bundled_dist
from kiln.media.audio import write_tone
from tests.conditions import wait_until
from tests.studio.browser import DESKTOP, screenshot
from tests.studio.conftest import PageFactory, Studio
from tests.studio.test_bundle import first_load_scripts

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.slow

RENDER_TIMEOUT_MS = 240_000  # a render on a busy 2-core machine: images, a spoken line, the cut

MANIFEST = """\
title: The Keeper
defaults:
  model: tiny-sd
  width: 64
  height: 64
  steps: 2
  fps: 12
  resolution: 320x180
  duration: 1.0
  video_model: tiny-ltx
  seed: 11
  transition: {kind: crossfade, duration: 0.25}
subtitles: burned
scenes:
  - id: harbour
    prompt: a harbour at dawn
    narration: Every morning the keeper climbed the stairs.
    duration: fit
  - id: storm
    prompt: a storm over the sea
    shot: {kind: ken_burns, zoom: [1.0, 1.4], pan: [[0.3, 0.5], [0.7, 0.5]]}
    transition: cut
  - id: ship
    prompt: a ship in the waves
    shot: {kind: image_to_video, frames: 9, steps: 2, fit: loop}
    duration: 1.5
  - id: lamp
    prompt: a lamp burning in the dark
    seed: 5
    shot: {kind: animation, frames: 6, zoom: "0:(1.03)", strength: "0:(0.5)", fit: stretch, prompts: {0: a lamp}}
"""


def _scene(page: Page, number: int) -> Locator:
    return page.get_by_role("article", name=f"Scene {number}", exact=True)


def _scene_ids(page: Page) -> list[str]:
    ids: list[str] = page.locator("article.scene-card").evaluate_all("els => els.map(e => e.dataset.sceneId)")
    return ids


def _export(page: Page) -> dict[str, Any]:
    with page.expect_download() as download:
        page.get_by_role("button", name="Export YAML").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _newest_job(studio: Studio, key: str) -> dict[str, Any]:
    client = studio.client(key)
    [job] = client.get("/v1/jobs", params={"limit": 1}).json()["data"]
    full: dict[str, Any] = client.get(f"/v1/jobs/{job['id']}", params={"include": "results"}).json()
    return full


def _report(job: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    [result] = job["results"]
    assets: dict[str, dict[str, list[str]]] = result["metadata"]["assets"]
    return assets


def _counts(page: Page) -> dict[str, tuple[int, int]]:
    """The page's table of assets: kind → (made, reused)."""
    rows = page.get_by_role("table", name="Assets made and reused").locator("tbody tr")
    cells: list[list[str]] = rows.evaluate_all(
        "rows => rows.map(r => [r.dataset.kind, ...[...r.querySelectorAll('td')].map(c => c.textContent)])"
    )
    return {kind: (int(made), int(reused)) for kind, made, reused in cells}


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0, f"the page scrolls sideways by {width} px"


def _wait_for_render(page: Page, summary: str) -> None:
    from playwright.sync_api import expect

    status = page.get_by_role("region", name="Render").get_by_role("status")
    expect(status).to_have_text(summary, timeout=RENDER_TIMEOUT_MS)


def _plays(page: Page) -> float:
    """The final cut's length in seconds once the page's video element has loaded it and played a moment."""
    video = page.get_by_role("region", name="Render").locator("video")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function(
        "v => v.readyState >= 2 && v.currentTime > 0 && !v.error", arg=video.element_handle(), timeout=30_000
    )
    duration: float = video.evaluate("v => v.duration")
    return duration


def test_a_storyboard_made_in_the_editor_renders_and_an_edit_remakes_only_its_scene(
    studio: Studio, signed_in_page: PageFactory, tmp_path: Path
) -> None:
    page = signed_in_page(studio.key_a, path="/storyboard")
    page.get_by_role("heading", name="Storyboard", level=1).wait_for()
    page.get_by_label("Title", exact=True).fill("Harbour days")
    for label, value in [("Model", "tiny-sd"), ("Width", "64"), ("Height", "64"), ("Steps", "2"), ("FPS", "12"),
                         ("Resolution", "128x96"), ("Scene seconds", "0.75")]:  # fmt: skip
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Music", exact=True).set_input_files(str(write_tone(tmp_path / "theme.wav", seconds=1.0)))
    page.get_by_text("Track: theme.wav").wait_for()

    page.get_by_role("button", name="Add scene", exact=True).click()
    page.get_by_role("button", name="Add scene", exact=True).click()
    first, second, third = _scene(page, 1), _scene(page, 2), _scene(page, 3)
    first.get_by_label("Prompt").fill("a harbour at dawn")
    first.get_by_label("Narration").fill("The keeper woke.")
    first.get_by_label("Transition", exact=True).select_option("crossfade")
    first.get_by_label("Crossfade seconds").fill("0.25")
    second.get_by_label("Prompt").fill("a storm over the sea")
    second.get_by_label("Shot").select_option("ken_burns")
    second.get_by_label("Zoom to").fill("1.5")
    third.get_by_label("Prompt").fill("a lamp in the dark")
    third.get_by_label("Length").select_option("seconds")
    third.get_by_label("Seconds", exact=True).fill("1")

    page.get_by_role("button", name="Render", exact=True).click()
    _wait_for_render(page, "Made 3 images, 1 narration line and 1 final cut; reused nothing.")
    assert _counts(page) == {"image": (3, 0), "motion": (0, 0), "narration": (1, 0), "final": (1, 0)}
    progress = page.get_by_role("progressbar", name="Render progress")
    assert progress.get_attribute("aria-valuenow") == "100"
    first_job = _newest_job(studio, studio.key_a)
    assert page.url.endswith(f"/storyboard?job={first_job['id']}")
    first_report = _report(first_job)
    assert {kind: len(keys) for kind, keys in first_report["made"].items() if keys} == {
        "image": 3, "narration": 1, "final": 1
    }  # fmt: skip
    request = first_job["results"][0]["metadata"]["request"]
    assert [scene["id"] for scene in request["scenes"]] == ["scene-1", "scene-2", "scene-3"]
    assert request["scenes"][1]["shot"] == {"kind": "ken_burns", "zoom": [1.0, 1.5]}
    assert str(request["music"]).startswith("storage:")  # the upload, as the job keeps it
    length = _plays(page)
    assert length == pytest.approx(first_job["results"][0]["metadata"]["duration"], abs=0.1)
    screenshot(page, "storyboard-rendered-desktop")

    # one scene's prompt changes: its image and the cut are made again, the rest comes from the first render
    second.get_by_label("Prompt").fill("a calm sea at noon")
    page.get_by_role("button", name="Render", exact=True).click()
    _wait_for_render(page, "Made 1 image and 1 final cut; reused 2 images and 1 narration line.")
    assert _counts(page) == {"image": (1, 2), "motion": (0, 0), "narration": (0, 1), "final": (1, 0)}
    second_job = _newest_job(studio, studio.key_a)
    assert second_job["id"] != first_job["id"]
    report = _report(second_job)
    made_image = report["made"]["image"]
    assert len(made_image) == 1 and made_image[0] not in first_report["made"]["image"]
    reused = set(report["reused"]["image"])
    assert len(reused) == 2 and reused < set(first_report["made"]["image"])
    assert report["reused"]["narration"] == first_report["made"]["narration"]
    assert len(report["made"]["final"]) == 1 and report["made"]["final"] != first_report["made"]["final"]
    _plays(page)
    screenshot(page, "storyboard-rerendered-desktop")

    # a reload shows the same render (the job is in the address) and the same storyboard (the draft is kept)
    page.reload()
    _wait_for_render(page, "Made 1 image and 1 final cut; reused 2 images and 1 narration line.")
    assert (
        page.get_by_role("region", name="Render").get_by_role("link", name=re.compile("job")).get_attribute("href")
        == f"/queue/{second_job['id']}"
    )
    assert _scene(page, 2).get_by_label("Prompt").input_value() == "a calm sea at noon"
    assert page.get_by_text("Track: theme.wav").is_visible()
    phone = signed_in_page(studio.key_a, phone=True, path=f"/storyboard?job={second_job['id']}")
    _wait_for_render(phone, "Made 1 image and 1 final cut; reused 2 images and 1 narration line.")
    _plays(phone)
    _no_sideways_scroll(phone)
    phone.get_by_role("region", name="Render").scroll_into_view_if_needed()
    screenshot(phone, "storyboard-rendered-phone", full_page=False)

    # key B renders the same storyboard: nothing of A's is reused
    body = {"kind": "storyboard", "items": [{key: value for key, value in request.items() if key != "music"}]}
    created = studio.client(studio.key_b).post("/v1/jobs", json=body)
    assert created.status_code == 202, created.text

    def finished() -> bool:
        job = studio.client(studio.key_b).get(f"/v1/jobs/{created.json()['id']}").json()
        assert job["state"] not in ("failed", "canceled"), job
        return bool(job["state"] == "completed")

    wait_until(finished, timeout=RENDER_TIMEOUT_MS / 1000, interval=0.5, what="key B's render")
    theirs = _report(_newest_job(studio, studio.key_b))
    assert not any(theirs["reused"].values()) and len(theirs["made"]["image"]) == 3


def test_a_yaml_manifest_round_trips_through_the_editor_and_api_errors_land_on_their_scene(
    studio: Studio, signed_in_page: PageFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    source = tmp_path / "keeper.yaml"
    source.write_text(MANIFEST, encoding="utf-8")
    page = signed_in_page(studio.key_a, path="/storyboard", allowed_errors=[r"status of 422 .*/v1/jobs"])
    page.get_by_label("Import YAML").set_input_files(str(source))
    expect(page.get_by_role("status").filter(has_text="Imported keeper.yaml: 4 scenes")).to_be_visible()
    assert _scene_ids(page) == ["harbour", "storm", "ship", "lamp"]
    expect(_scene(page, 2).get_by_label("Shot")).to_have_value("ken_burns")
    expect(_scene(page, 2).get_by_label("Zoom to")).to_have_value("1.4")
    assert _export(page) == yaml.safe_load(MANIFEST)

    # drag the second scene onto the first (both in view: a drag that scrolls is the browser's to handle), then
    # put it back and move another down and up with the move buttons, the keyboard's way
    page.set_viewport_size({"width": 1280, "height": 2400})
    _scene(page, 2).locator(".drag-handle").drag_to(_scene(page, 1))
    assert _scene_ids(page) == ["storm", "harbour", "ship", "lamp"]
    page.set_viewport_size(DESKTOP)
    moved = _export(page)
    assert [scene["id"] for scene in moved["scenes"]] == ["storm", "harbour", "ship", "lamp"]
    page.get_by_role("button", name="Move scene 1 down").focus()
    page.keyboard.press("Enter")
    assert _scene_ids(page) == ["harbour", "storm", "ship", "lamp"]
    page.get_by_role("button", name="Move scene 4 up").click()
    assert _scene_ids(page) == ["harbour", "storm", "lamp", "ship"]
    page.get_by_role("button", name="Move scene 3 down").click()
    assert _scene_ids(page) == ["harbour", "storm", "ship", "lamp"]
    assert _export(page) == yaml.safe_load(MANIFEST)

    # duplicate and remove
    _scene(page, 4).get_by_role("button", name="Duplicate scene 4").click()
    assert _scene_ids(page) == ["harbour", "storm", "ship", "lamp", "lamp-copy"]
    _scene(page, 5).get_by_role("button", name="Remove scene 5").click()
    assert _scene_ids(page) == ["harbour", "storm", "ship", "lamp"]

    # the API refuses a zoom below 1: its message shows in the scene it names, next to the shot
    _scene(page, 2).get_by_label("Zoom from").fill("0.5")
    page.get_by_role("button", name="Render", exact=True).click()
    error = _scene(page, 2).get_by_role("alert")
    expect(error).to_contain_text(re.compile("greater than or equal to 1"))
    shot_field = _scene(page, 2).locator(".field").filter(has=page.get_by_label("Shot", exact=True))
    expect(shot_field.get_by_role("alert")).to_be_visible()
    assert _scene(page, 1).get_by_role("alert").count() == 0
    screenshot(page, "storyboard-error-desktop")

    phone = signed_in_page(studio.key_a, phone=True, path="/storyboard")
    phone.get_by_label("Import YAML").set_input_files(str(source))
    expect(_scene(phone, 4)).to_be_visible()
    _no_sideways_scroll(phone)
    screenshot(phone, "storyboard-phone", full_page=False)
    phone.get_by_role("heading", name="Settings").scroll_into_view_if_needed()
    screenshot(phone, "storyboard-phone-settings", full_page=False)


def test_the_storyboard_page_and_its_yaml_library_load_only_when_opened() -> None:
    dist = bundled_dist()
    first = b"".join(path.read_bytes() for path in first_load_scripts(dist))
    assert b"Export YAML" not in first and b"YAMLParseError" not in first
    later = [path for path in (dist / "assets").glob("*.js") if b"Export YAML" in path.read_bytes()]
    assert later, "no chunk holds the Storyboard page: cd web && npm run build"
