"""The animation studio (/studio) in a browser (issue 10, point 2), against a real `kiln serve` with tiny-sd:

- beat sync: a 120 BPM click track (tests/media/click_track.py) puts zoom keyframes on its beats (within one frame
  at the video's fps), and the track becomes the video's audio;
- a 24-frame production started from the page shows at least 5 different live frames; Pause holds the frame
  counter still for 3 s; a teleported image is what the next frame starts from; a keyframe edit made while it
  runs changes the HUD from the next frame; Resume finishes it; the video plays in the page and has 24 frames.

The production is held (paused) for everything that needs a moment; frames are 128 px and 8 steps so a run lasts
long enough to pause it mid-way on any machine, and every wait is a condition with a generous timeout.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from PIL import Image

from tests.conditions import wait_until
from tests.media.click_track import click_samples, click_times, write_audio
from tests.studio.browser import screenshot
from tests.studio.conftest import PageFactory, Studio

if TYPE_CHECKING:
    from playwright.sync_api import Page

FPS = 12
FRAMES = 24
SIZE = 128
STEPS = 8
SEED = 5
CFG = 7.0


def set_field(page: Page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).fill(value)


def configure(page: Page, *, frames: int, prompt: str = "a lighthouse in a storm") -> None:
    page.get_by_label("Model", exact=True).select_option("tiny-sd")
    set_field(page, "Prompt", prompt)
    set_field(page, "Denoise", "0.5")
    set_field(page, "Steps", str(STEPS))
    set_field(page, "CFG", str(CFG))
    page.get_by_label("Seed behaviour").select_option("fixed")
    set_field(page, "Seed", str(SEED))
    set_field(page, "Width", str(SIZE))
    set_field(page, "Height", str(SIZE))
    set_field(page, "FPS", str(FPS))
    set_field(page, "Frames", str(frames))


def job_of(page: Page) -> str:
    page.wait_for_url(re.compile(r"/studio\?job="))
    match = re.search(r"job=([^&]+)", page.url)
    assert match is not None
    return match.group(1)


def counter(page: Page) -> int:
    text = page.get_by_role("status", name="Frame counter").inner_text()
    match = re.match(r"Frame (\d+) of (\d+)", text)
    assert match is not None, text
    return int(match.group(1))


def finished_job(studio: Studio, job_id: str) -> dict[str, Any]:
    client = studio.client(studio.key_a)

    def final() -> dict[str, Any] | None:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", params={"include": "results"}).json()
        return job if job["state"] in ("completed", "failed", "canceled") else None

    job = wait_until(final, timeout=600, interval=0.5, what="the production to finish")
    assert job["state"] == "completed", job
    return job


def video_frames(data: bytes) -> tuple[list[np.ndarray[Any, Any]], set[str]]:
    import av

    with av.open(io.BytesIO(data), "r") as container:
        kinds = {str(stream.type) for stream in container.streams}
        frames: list[np.ndarray[Any, Any]] = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    return frames, kinds


def test_beat_sync_puts_keyframes_on_a_click_tracks_beats(
    studio: Studio, signed_in_page: PageFactory, tmp_path: Path
) -> None:
    track = write_audio(tmp_path / "click-120.wav", click_samples(bpm=120, seconds=4))
    beats = click_times(bpm=120, seconds=4)  # every 0.5 s from 0.25 s
    frames = 48  # 4 s at 12 fps: the track's 8 beats
    page = signed_in_page(path="/studio")
    configure(page, frames=frames)
    page.get_by_label("Upload music track").set_input_files(str(track))
    # the first analysis of a server process imports librosa (and numba compiles): minutes on a busy machine
    page.get_by_text(re.compile(r"\d+ BPM · \d+ beats")).wait_for(timeout=300_000)
    page.get_by_label("Pulse peak").fill("1.05")
    page.get_by_role("button", name="Keyframes on beats").click()

    peaks = []
    rows = page.locator(".anim-table tbody tr")
    for i in range(rows.count()):
        if page.get_by_label(f"Keyframe {i + 1} Zoom", exact=True).input_value() == "1.05":
            peaks.append(int(page.get_by_label(f"Keyframe {i + 1} time", exact=True).input_value()))
    expected = [round(t * FPS) for t in beats if round(t * FPS) < frames]
    assert peaks, "no keyframes on beats"
    for frame in peaks:  # every pulse is on a beat …
        assert min(abs(frame - beat) for beat in expected) <= 1, (peaks, expected)
    for beat in expected:  # … and every beat has its pulse
        assert min(abs(frame - beat) for frame in peaks) <= 1, (peaks, expected)
    screenshot(page, "animation-studio-beats-desktop")

    # the track is the video's audio: a short production of the same settings has an audio stream
    set_field(page, "Frames", "6")
    set_field(page, "Width", "32")
    set_field(page, "Height", "32")
    set_field(page, "Steps", "2")
    page.get_by_role("button", name="New production").click()
    job = finished_job(studio, job_of(page))
    [result] = job["results"]
    frames_made, kinds = video_frames(studio.client(studio.key_a).get(result["url"]).content)
    assert kinds == {"video", "audio"} and len(frames_made) == 6

    # another browser opening the production reads its request back into the form, keyframes included
    elsewhere = signed_in_page(path=f"/studio?job={job['id']}")
    elsewhere.get_by_label("The finished video").wait_for()
    # the form shows its defaults until the production's request has been read: wait for that, then compare
    frames_field = elsewhere.get_by_label("Frames", exact=True)
    wait_until(lambda: frames_field.input_value() == "6", timeout=60, interval=0.2, what="the request read back")
    restored = [
        int(elsewhere.get_by_label(f"Keyframe {i + 1} time", exact=True).input_value())
        for i in range(elsewhere.locator(".anim-table tbody tr").count())
        if elsewhere.get_by_label(f"Keyframe {i + 1} Zoom", exact=True).input_value() == "1.05"
    ]
    assert restored == peaks
    elsewhere.get_by_text("the audio track is kept by the production").wait_for()


def hud_score(frame: np.ndarray, *, new: Image.Image, old: Image.Image) -> float:
    """How much more the frame's HUD looks like `new`'s than `old`'s: the mean brightness of the frame where only
    `new` has text minus where only `old` has (both drawn on black; the rest of the two is the same)."""
    a = np.asarray(new.convert("L"), dtype=np.int16)
    b = np.asarray(old.convert("L"), dtype=np.int16)
    only_new, only_old = a - b > 60, b - a > 60  # small frames draw small, antialiased text: no pure white
    assert only_new.any() and only_old.any(), "the two HUDs do not differ"
    grey = np.asarray(Image.fromarray(frame.astype(np.uint8)).convert("L"), dtype=np.float64)
    return float(grey[only_new].mean() - grey[only_old].mean())


def test_a_production_runs_live_pauses_teleports_takes_an_edit_and_plays(
    studio: Studio, signed_in_page: PageFactory, engine: Any, tmp_path: Path
) -> None:
    page = signed_in_page(path="/studio")
    configure(page, frames=FRAMES)
    page.get_by_role("button", name="New production").click()
    job_id = job_of(page)

    # live: the counter moves and the strip fills with different frames
    wait_until(lambda: counter(page) >= 5, timeout=300, interval=0.2, what="5 live frames")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Unpause").wait_for(timeout=60_000)
    held = counter(page)
    assert held < FRAMES, "the production ended before it could be paused"
    shown = page.locator("ol[aria-label='Recent frames'] img").evaluate_all("(imgs) => imgs.map((img) => img.src)")
    assert len(set(shown)) >= 5, shown
    end = time.monotonic() + 3
    while time.monotonic() < end:  # Pause holds the counter for 3 s: watched, not slept through
        assert counter(page) == held
        page.wait_for_timeout(250)
    screenshot(page, "animation-studio-paused-desktop")

    # while paused: a teleport and a keyframe edit (denoise 0.5 → 0.3), both for frame `held` (0-based)
    teleport = tmp_path / "teleport.png"
    pixels = np.zeros((SIZE, SIZE, 3), np.uint8)
    pixels[: SIZE // 2, : SIZE // 2] = (255, 40, 40)
    pixels[SIZE // 2 :, SIZE // 2 :] = (40, 40, 255)
    Image.fromarray(pixels).save(teleport)
    page.get_by_label("Upload teleport image").set_input_files(str(teleport))
    page.get_by_role("button", name="Teleport now").click()
    page.get_by_text("Teleport sent").wait_for()
    set_field(page, "Denoise", "0.3")
    page.get_by_role("button", name=re.compile(r"Apply edits \(1\)")).click()
    page.get_by_text("Sent strength").wait_for()

    client = studio.client(studio.key_a)
    before = frame_png(client, job_id, held - 1)  # the last frame before the edit and the teleport
    assert before is not None
    page.get_by_role("button", name="Resume").click()
    # the server keeps the newest 16 full frames: frame `held` is fetched as soon as it is made
    [after] = wait_until(
        lambda: [made] if (made := frame_png(client, job_id, held)) is not None else None,
        timeout=300,
        interval=0.1,
        what=f"frame {held}",
    )
    page.get_by_label("The finished video").wait_for(timeout=600_000)
    assert (
        page.get_by_label("The finished video")
        .evaluate("(video) => video.src")
        .endswith(finished_job(studio, job_id)["results"][0]["url"])
    )
    screenshot(page, "animation-studio-done-desktop")

    job = finished_job(studio, job_id)
    [result] = job["results"]
    frames, _ = video_frames(client.get(result["url"]).content)
    assert len(frames) == FRAMES

    check_hud_edit(before, after, held)
    check_teleport(after, held, teleport, engine)


def frame_png(client: Any, job_id: str, n: int) -> np.ndarray[Any, Any] | None:
    """Full frame `n` of the production's item 0 (`GET /v1/jobs/{id}/items/0/frame?n=`), None until it is made."""
    response = client.get(f"/v1/jobs/{job_id}/items/0/frame", params={"n": n})
    if response.status_code == 404:
        return None
    assert response.status_code == 200 and response.headers["X-Kiln-Frame"] == str(n), response.text
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=np.int16)


def hud_values(frame: int, strength: float) -> Any:
    from kiln.motion.animation.hud import HudValues
    from kiln.motion.animation.request import AnimationRequest
    from kiln.motion.animation.timeline import Timeline

    request = AnimationRequest.model_validate(
        {"model": "tiny-sd", "frames": FRAMES, "fps": FPS, "width": SIZE, "height": SIZE, "steps": STEPS,
         "prompts": {"0": "a lighthouse in a storm"}, "strength": f"0:({strength})", "guidance": f"0:({CFG})",
         "seed": SEED, "seed_behaviour": "fixed", "zoom": f"0:({1.05 ** (1 / (FRAMES - 1))})"}
    )  # fmt: skip
    settings = Timeline(request, seed=SEED, default_guidance=CFG).at(frame)
    return HudValues(
        frame=frame, frames=FRAMES, seed=settings.seed, steps=STEPS, guidance=settings.guidance, strength=strength,
        zoom=settings.zoom, translation_x=settings.translation_x, translation_y=settings.translation_y,
        angle=settings.angle, prompt=settings.prompt,
    )  # fmt: skip


def check_hud_edit(before: np.ndarray[Any, Any], after: np.ndarray[Any, Any], held: int) -> None:
    """Frame `held` (the first after the edit) shows denoise 0.30, the one before it 0.50."""
    from kiln.motion.animation.hud import draw_hud

    black = Image.new("RGB", (SIZE, SIZE))
    for pixels, frame, expected, other in ((before, held - 1, 0.5, 0.3), (after, held, 0.3, 0.5)):
        new = draw_hud(black, hud_values(frame, expected), "top-left")
        old = draw_hud(black, hud_values(frame, other), "top-left")
        assert hud_score(pixels, new=new, old=old) > 40, (frame, expected)


def check_teleport(made: np.ndarray[Any, Any], held: int, teleport: Path, engine: Any) -> None:
    """Frame `held` is img2img of the teleport image (with that frame's prompt, seed and the edited strength), the
    HUD drawn on it: reproduced here with the same tiny model; from another start image it would differ."""
    from kiln.motion.animation.hud import draw_hud
    from kiln.types import ImageItem

    values = hud_values(held, 0.3)
    item = ImageItem(
        index=held, prompt=values.prompt, negative_prompt="", user_prompt=values.prompt, model="tiny-sd",
        width=SIZE, height=SIZE, steps=STEPS, guidance=CFG, seed=SEED, kind="img2img", strength=0.3,
    )  # fmt: skip
    with Image.open(teleport) as image:
        starts = [image.convert("RGB"), Image.new("RGB", (SIZE, SIZE), "grey")]
    expected, other = (
        np.asarray(draw_hud(result.image, values, "top-left"), dtype=np.int16)
        for result in engine.run([item, replace(item, index=held + 1)], init_images=starts)
    )
    # within the float noise of another process (a uint8 value or two), and the start image matters more than that
    assert np.abs(made - expected).max() <= 2, np.abs(made - expected).max()
    assert np.abs(made - other).max() > 2


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_studio_fits_its_screen_and_draws_the_keyframes_curve(
    studio: Studio, signed_in_page: PageFactory, phone: bool
) -> None:
    page = signed_in_page(path="/studio", phone=phone)
    page.get_by_role("link", name="Studio").wait_for()
    set_field(page, "Frames", "48")
    for frame, zoom in ((0, "1"), (12, "1.06"), (30, "0.98")):
        page.get_by_role("button", name="Add keyframe").click()
        row = page.locator(".anim-table tbody tr").count()
        set_field(page, f"Keyframe {row} time", str(frame))
        set_field(page, f"Keyframe {row} Zoom", zoom)
    page.get_by_label("Zoom interpolation").select_option("smooth")
    assert page.locator(".anim-curve-svg circle").count() == 3
    curve = page.get_by_role("img", name=re.compile("Zoom over 48 frames"))
    assert (curve.get_attribute("aria-label") or "").endswith("smooth")
    if not phone:  # a point dragged up and right moves its keyframe in the table
        box = page.locator(".anim-curve-svg circle").nth(1).bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y - 10, steps=5)
        page.mouse.up()
        assert int(page.get_by_label("Keyframe 2 time", exact=True).input_value()) > 12
        assert float(page.get_by_label("Keyframe 2 Zoom", exact=True).input_value()) > 1.06
    screenshot(page, f"animation-studio-{'phone' if phone else 'desktop'}")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((e) => !e.closest('.anim-table-wrap'))
            .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 8).map((e) => e.tagName + '.' + e.className)"""
    )
    assert overflow <= 0, f"{overflow} px of horizontal scroll: {wide}"
