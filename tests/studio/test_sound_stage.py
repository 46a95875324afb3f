"""The sound stage in a browser against a real `kiln serve` (issue 10, point 3): three gallery images, put in order
by dragging and by the keyboard, a narration line (heard first where the server speaks), and an uploaded music
file → Process → an MP4 with a video and an audio stream of the expected length, playing in the page, and its
.srt. Screenshots at desktop and phone sizes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conditions import needs_espeak
from tests.studio.browser import screenshot
from tests.studio.conftest import PageFactory, Studio
from tests.studio.motion_helpers import finished_job, make_images, probe, tone_wav

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.slow, needs_espeak]

FPS = 12
SECONDS = 2.0  # per shot, cut to the next: 3 shots make 6 s (the narrated line is shorter than its shot)
PLAYABLE = "() => { const v = document.querySelector('video'); return v && v.readyState >= 1 && v.duration > 0 }"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _shot_names(page: Page) -> list[str]:
    names: list[str] = page.get_by_role("list", name="Shots").locator(":scope > li .mp-name").all_inner_texts()
    return names


def _drag(page: Page, handle: Any, target: Any, below: bool) -> None:
    """Drags `handle` with the mouse to just above or below the middle of `target`, in small steps."""
    start, end = handle.bounding_box(), target.bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    y = end["y"] + end["height"] / 2 + (10 if below else -10)
    page.mouse.move(start["x"] + start["width"] / 2, y, steps=12)
    page.mouse.up()


def test_three_images_a_line_and_music_make_a_narrated_mp4_with_its_srt(
    studio: Studio, signed_in_page: PageFactory, tmp_path: Path
) -> None:
    expect = _expect()
    tag = uuid.uuid4().hex[:6]
    prompts = [f"stage {tag} {word}" for word in ("dawn", "noon", "dusk")]
    make_images(studio, studio.key_a, prompts)
    speaks = studio.client(studio.key_a).get("/v1/audio/voices").status_code == 200
    page = signed_in_page(
        path="/sound-stage",
        allowed_errors=page_errors(speaks),
    )
    page.get_by_role("heading", name="Sound stage").wait_for()

    page.get_by_role("button", name="Choose shots from the gallery").click()
    for prompt in (prompts[2], prompts[0], prompts[1]):  # picked in this order: dusk, dawn, noon
        page.get_by_role("button", name=f"Toggle: {prompt}").click()
    page.get_by_role("button", name="Add 3 items").click()
    assert _shot_names(page) == [prompts[2], prompts[0], prompts[1]]

    shots = page.get_by_role("list", name="Shots").locator(":scope > li")
    _drag(page, page.get_by_label("Reorder shot 1"), shots.nth(2), below=True)  # dusk to the end, by pointer
    expect(shots.nth(2)).to_contain_text(prompts[2])
    assert _shot_names(page) == prompts
    page.get_by_label("Reorder shot 3").focus()  # and back up with the keyboard
    page.keyboard.press("ArrowUp")
    assert _shot_names(page) == [prompts[0], prompts[2], prompts[1]]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Reorder shot 2 (drag, or arrow keys)"
    page.get_by_role("button", name="Move shot 2 down").click()  # and with the buttons
    assert _shot_names(page) == prompts

    for n in (1, 2, 3):
        page.get_by_label(f"Seconds (shot {n})", exact=True).fill(str(SECONDS))
    for n in (1, 2):
        page.get_by_label(f"Into the next (shot {n})").select_option("cut")
    page.get_by_label("Ken Burns (shot 2)").select_option("pan-right")
    page.get_by_label("Narration (shot 1)").fill("Hello there.")
    if speaks:
        page.get_by_label("Voice", exact=True).select_option("nova")
    page.get_by_role("button", name="Hear shot 1's line").click()
    if speaks:
        page.wait_for_function(
            "() => { const a = document.querySelector('audio[aria-label=\"Voice preview\"]'); "
            "return a && a.readyState >= 1 && a.duration > 0 }"
        )
    else:
        expect(page.get_by_role("alert")).to_be_visible()  # the preview says why it cannot speak

    page.get_by_label("Upload music").set_input_files(str(tone_wav(tmp_path / "music.wav", seconds=2.5)))
    expect(page.get_by_label("Music preview")).to_be_attached()
    page.get_by_label("Size").select_option("320x180")
    page.get_by_label("Frames per second").fill(str(FPS))
    page.get_by_label("Write an .srt file").check()
    screenshot(page, "sound-stage-desktop")
    page.get_by_role("button", name="Process").click()

    page.wait_for_url("**/sound-stage?job=*")
    job_id = page.url.split("job=")[1]
    page.get_by_label("The final video").wait_for(timeout=300_000)
    page.wait_for_function(PLAYABLE)
    [result] = finished_job(studio, studio.key_a, job_id)["results"]
    if speaks:  # the voice heard is the one that narrates: its engine's name goes in the assembly
        assert result["metadata"]["request"]["narration"]["voice"] == "en-us+f3"
    video = probe(studio.client(studio.key_a).get(result["url"]).content)
    assert video["kinds"] == ["audio", "video"]
    assert abs(video["duration"] - 3 * SECONDS) <= 1 / FPS + 0.05, video
    assert video["frames"] == round(3 * SECONDS * FPS)
    assert page.get_by_role("link", name="Download the video").get_attribute("href") == result["url"]
    srt_url = page.get_by_role("link", name="Subtitles (.srt)").get_attribute("href")
    assert srt_url is not None
    srt = studio.client(studio.key_a).get(srt_url)
    assert srt.status_code == 200 and "Hello there." in srt.text and "00:00:00," in srt.text
    screenshot(page, "sound-stage-result-desktop")
    page.get_by_role("link", name="In the gallery").click()  # and back: the draft is kept while the studio is open
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sound stage").click()
    expect(page.get_by_role("list", name="Shots")).to_be_visible()
    assert _shot_names(page) == prompts

    phone = signed_in_page(phone=True, path=f"/sound-stage?job={job_id}", allowed_errors=page_errors(speaks))
    phone.get_by_label("The final video").wait_for()
    phone.get_by_role("button", name="Choose shots from the gallery").click()
    for prompt in prompts:
        phone.get_by_role("button", name=f"Toggle: {prompt}").click()
    phone.get_by_role("button", name="Add 3 items").click()
    phone.get_by_label("Narration (shot 1)").fill("Hello there.")
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")  # no horizontal scroll
    screenshot(phone, "sound-stage-phone")


def page_errors(speaks: bool) -> list[str]:
    return [] if speaks else [r"status of 404 .*/v1/audio/(voices|speech)"]
