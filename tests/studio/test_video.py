"""The Video page in a browser against a real `kiln serve` (issue 10, point 1): a still from the gallery becomes a
clip with tiny LTX; the clip plays in the page (its <video> loads with a duration) and is in the gallery. A model
that needs a still, given none, shows the API's error beside the still's controls. Screenshots at desktop and
phone sizes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.studio.browser import screenshot
from tests.studio.conftest import PageFactory, Studio
from tests.studio.motion_helpers import finished_job, make_images, probe

pytestmark = pytest.mark.slow

PLAYABLE = "v => v.readyState >= 1 && v.duration > 0 && !v.error"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_a_gallery_still_becomes_a_clip_that_plays_and_lands_in_the_gallery(
    studio: Studio, signed_in_page: PageFactory
) -> None:
    expect = _expect()
    prompt = f"a harbour at dawn {uuid.uuid4().hex[:8]}"
    [still] = make_images(studio, studio.key_a, [prompt])
    page = signed_in_page(path="/video", allowed_errors=[r"status of 422 .*/v1/jobs"])  # the refusal it provokes
    page.get_by_role("heading", name="Video").wait_for()

    # a model that animates a still, with none: the API's error shows beside the still's controls
    page.get_by_label("Model").select_option("tiny-svd")
    page.get_by_label("Motion bucket").fill("40")  # SVD's own settings appear for it
    page.get_by_role("button", name="Make video").click()
    expect(page.get_by_role("alert")).to_contain_text("image-to-video")

    page.get_by_role("button", name="Choose a still from the gallery").click()
    pick = page.locator(f'.mp-item[data-artifact-id="{still}"]')  # the gallery's image, by its thumbnail
    assert pick.get_attribute("aria-label") == f"Pick: {prompt}"
    pick.click()
    expect(page.get_by_role("button", name="Text only")).to_be_visible()
    page.get_by_label("Model").select_option("tiny-ltx")
    expect(page.get_by_label("Motion bucket")).to_have_count(0)
    page.get_by_label("Length in").select_option("frames")
    page.get_by_label("Length (frames)").fill("9")
    page.get_by_label("Frames per second").fill("8")
    page.get_by_text("More settings").click()
    page.get_by_label("Width").fill("32")
    page.get_by_label("Height").fill("32")
    page.get_by_label("Steps").fill("2")
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name="Make video").click()

    page.wait_for_url("**/video?job=*")
    job_id = page.url.split("job=")[1]
    expect(page.get_by_role("progressbar", name="Video progress")).to_be_visible()
    video = page.get_by_label("The video")
    video.wait_for(timeout=300_000)
    page.wait_for_function(f"() => {{ const v = document.querySelector('video'); return v && ({PLAYABLE})(v); }}")
    assert video.evaluate("v => v.duration") > 0
    job = finished_job(studio, studio.key_a, job_id)
    [result] = job["results"]
    assert result["content_type"] == "video/mp4" and result["metadata"]["request"]["image"].startswith("storage:")
    clip = probe(studio.client(studio.key_a).get(result["url"]).content)
    assert clip["kinds"] == ["video"] and clip["frames"] == 9
    expect(page.get_by_role("progressbar", name="Video progress")).to_have_attribute("aria-valuenow", "100")
    screenshot(page, "video-desktop")

    page.get_by_role("link", name="In the gallery").click()
    page.locator(f'[data-artifact-id="{result["artifact_id"]}"] .g-thumb img.loaded').wait_for()

    phone = signed_in_page(phone=True, path=f"/video?job={job_id}")
    phone.get_by_label("The video").wait_for()
    phone.wait_for_function(f"() => {{ const v = document.querySelector('video'); return v && ({PLAYABLE})(v); }}")
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")  # no horizontal scroll
    screenshot(phone, "video-phone")
