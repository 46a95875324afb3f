"""The Video page's talking modes in a browser against a real `kiln serve` (issue 13, point 3): a talking avatar
from an uploaded portrait (scikit-image's astronaut, a face the Haar detector finds) and a typed line spoken with a
voice from GET /v1/audio/voices → an `avatar` job → the video plays in the page, and the MP4 has video and sound.
The Lip-sync mode's controls, the clip mode's model list (tiny-ltx2, the model with sound, when /v1/models calls it
a video model), and an API error shown beside its field. Screenshots at desktop and phone sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conditions import needs_espeak
from tests.motion.lipsync_helpers import portrait
from tests.studio.browser import screenshot
from tests.studio.conftest import PageFactory, Studio
from tests.studio.motion_helpers import finished_job, probe

pytestmark = [pytest.mark.slow, needs_espeak]

PLAYABLE = "v => v.readyState >= 1 && v.duration > 0 && !v.error"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_an_uploaded_portrait_speaks_a_typed_line_and_plays_with_sound(
    studio: Studio, signed_in_page: PageFactory, tmp_path: Path
) -> None:
    expect = _expect()
    face = portrait(tmp_path / "astronaut.png")
    page = signed_in_page(path="/video", allowed_errors=[r"status of 422 .*/v1/jobs"])  # the refusal it provokes
    page.get_by_role("heading", name="Video").wait_for()

    # the clip mode offers the sound model when the server lists it as a video model
    models = studio.client(studio.key_a).get("/v1/models").json()["data"]
    if any(m["id"] == "tiny-ltx2" and m["video"] for m in models):
        expect(page.get_by_label("Model").locator('option[value="tiny-ltx2"]')).to_have_count(1)

    page.get_by_role("radio", name="Lip-sync").check()
    expect(page.get_by_role("button", name="Choose a clip from the gallery")).to_be_visible()
    expect(page.get_by_label("Upload the speech")).to_have_count(1)
    page.get_by_text("Face padding").click()
    expect(page.get_by_label("Padding bottom")).to_have_value("10")
    screenshot(page, "video-lipsync-desktop")

    page.get_by_role("radio", name="Talking avatar").check()
    # no portrait: the API's error shows beside the portrait's controls
    page.get_by_label("Line to speak").fill("Hello from the moon.")
    page.get_by_role("button", name="Make avatar").click()
    expect(page.locator(".motion-group", has_text="Portrait").get_by_role("alert")).to_contain_text("required")

    page.get_by_label("Upload a portrait").set_input_files(str(face))
    expect(page.get_by_role("button", name="Remove the portrait")).to_be_visible()
    voices = studio.client(studio.key_a).get("/v1/audio/voices").json()["data"]
    assert voices, "the server offers voices"
    page.get_by_label("Voice").select_option(voices[0]["engine_voice"])
    page.get_by_text("More settings").click()
    page.get_by_label("Steps").fill("2")
    page.get_by_label("Frames per second").fill("8")
    screenshot(page, "video-avatar-form-desktop")
    page.get_by_role("button", name="Make avatar").click()

    page.wait_for_url("**/video?job=*")
    job_id = page.url.split("job=")[1]
    video = page.get_by_label("The video")
    video.wait_for(timeout=300_000)
    page.wait_for_function(f"() => {{ const v = document.querySelector('video'); return v && ({PLAYABLE})(v); }}")
    assert video.evaluate("v => v.muted") is False  # its sound is heard
    job = finished_job(studio, studio.key_a, job_id)
    assert job["kind"] == "avatar"
    [result] = job["results"]
    assert result["content_type"] == "video/mp4"
    clip = probe(studio.client(studio.key_a).get(result["url"]).content)
    assert clip["kinds"] == ["audio", "video"] and clip["frames"] > 1
    screenshot(page, "video-avatar-desktop")

    phone = signed_in_page(phone=True, path=f"/video?job={job_id}")
    phone.get_by_label("The video").wait_for()
    phone.wait_for_function(f"() => {{ const v = document.querySelector('video'); return v && ({PLAYABLE})(v); }}")
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")  # no horizontal scroll
    screenshot(phone, "video-avatar-phone")
    phone.get_by_role("radio", name="Lip-sync").check()
    phone.get_by_text("Face padding").click()
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(phone, "video-lipsync-phone")
