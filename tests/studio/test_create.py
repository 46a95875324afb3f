"""The Create page in a real browser against a real `kiln serve` (issue 9's done-when): a prompt, the Cinematic
style, 16:9 and four images make four 16:9 images; the lightbox shows the infotext with the style's words; Use
these settings fills the form with the recipe. Bulk: 50 pasted prompts make one job of 50 items; a file's bad
lines are named. Grid: 3 seeds x 2 styles make 6 images and a labelled grid image. Sizes stay tiny (2 steps)."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tests.conditions import wait_until
from tests.studio.browser import screenshot
from tests.studio.conftest import PageFactory, Studio

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Locator, Page

pytestmark = pytest.mark.slow


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _tiny_steps(page: Page) -> None:
    page.get_by_text("Steps, CFG, sampler").click()
    page.get_by_label("Steps", exact=True).fill("2")


def _custom_size(page: Page, width: int, height: int) -> None:
    page.get_by_label("Aspect ratio").select_option("custom")
    page.get_by_label("Width").fill(str(width))
    page.get_by_label("Height").fill(str(height))


def _images_of(page: Page, prompt: str) -> Locator:
    return page.get_by_role("list", name="Results").get_by_role("img", name=prompt, exact=True)


def _natural_sizes(images: Locator) -> list[tuple[int, int]]:
    sizes: list[list[int]] = images.evaluate_all("els => els.map(e => [e.naturalWidth, e.naturalHeight])")
    return [(width, height) for width, height in sizes]


def _field(page: Page, label: str) -> Locator:
    return page.locator(".field").filter(has=page.get_by_label(label, exact=True))


def _newest_job(studio: Studio, key: str) -> dict[str, Any]:
    jobs: list[dict[str, Any]] = studio.client(key).get("/v1/jobs", params={"limit": 1}).json()["data"]
    return jobs[0]


def test_four_cinematic_16_9_images_then_the_lightbox_and_use_these_settings(
    studio: Studio, signed_in_page: PageFactory
) -> None:
    expect = _expect()
    page = signed_in_page()
    prompt = f"a lighthouse on a cliff at dusk {uuid.uuid4().hex[:8]}"
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Style", exact=True).select_option("Cinematic")
    expect(_field(page, "Style")).to_contain_text("cinematic film still of {prompt}")  # the style's template
    page.get_by_label("Aspect ratio").select_option("16:9")
    page.get_by_label("Megapixels").fill("0.01")
    expect(_field(page, "Aspect ratio")).to_contain_text("128 \u00d7 72")
    page.get_by_label("Number of images").fill("4")
    _tiny_steps(page)
    expect(page.locator(".token-counts")).to_contain_text(re.compile(r"\d+/77 CLIP-L"))  # the style's words counted

    page.get_by_role("button", name="Generate", exact=True).click()
    images = _images_of(page, prompt)
    expect(images).to_have_count(4, timeout=60_000)
    page.wait_for_function(
        "prompt => [...document.querySelectorAll('.results-grid img')].filter(i => i.alt === prompt)"
        ".every(i => i.complete && i.naturalWidth > 0)",
        arg=prompt,
    )
    for width, height in _natural_sizes(images):
        assert width * 9 == height * 16, (width, height)
    screenshot(page, "create-desktop")

    images.first.click()
    lightbox = page.get_by_role("dialog")
    infotext = lightbox.get_by_label("Infotext")
    expect(infotext).to_contain_text(f"cinematic film still of {prompt}, shallow depth of field")
    expect(infotext).to_contain_text("Style: Cinematic")
    expect(infotext).to_contain_text("Size: 128x72")
    full = lightbox.locator("img.lightbox-image")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=full.element_handle())
    assert _natural_sizes(full) == [(128, 72)]
    screenshot(page, "create-lightbox-desktop", full_page=False)
    page.keyboard.press("ArrowRight")
    expect(lightbox).to_contain_text("2 / 4")
    page.keyboard.press("ArrowLeft")
    expect(lightbox).to_contain_text("1 / 4")
    seed = re.search(r"Seed: (\d+)", infotext.inner_text())
    assert seed is not None

    lightbox.get_by_role("button", name="Use these settings").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(prompt)
    expect(page.get_by_label("Style", exact=True)).to_have_value("Cinematic")
    expect(page.get_by_label("Aspect ratio")).to_have_value("custom")
    expect(page.get_by_label("Width")).to_have_value("128")
    expect(page.get_by_label("Height")).to_have_value("72")
    expect(page.get_by_label("Seed", exact=True)).to_have_value("fixed")
    expect(page.get_by_label("Seed value")).to_have_value(seed.group(1))
    expect(page.get_by_label("Steps", exact=True)).to_have_value("2")

    images.nth(1).click()  # Esc closes the lightbox and gives focus back
    expect(page.get_by_role("dialog")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_ctrl_enter_generates_and_api_errors_show_next_to_their_field(
    studio: Studio, signed_in_page: PageFactory
) -> None:
    expect = _expect()
    page = signed_in_page(allowed_errors=[r"status of 422"])
    prompt = f"a fox in the snow {uuid.uuid4().hex[:8]}"
    prompt_box = page.get_by_label("Prompt", exact=True)
    expect(prompt_box).to_be_focused()  # keyboard first: typing starts in the prompt, not the settings
    page.keyboard.type(prompt)
    expect(prompt_box).to_have_value(prompt)
    _custom_size(page, 32, 32)
    page.get_by_label("Number of images").fill("1")
    page.get_by_text("Steps, CFG, sampler").click()
    page.get_by_label("Steps", exact=True).fill("999")  # over the API's limit: its message goes under Steps
    prompt_box.press("Control+Enter")
    expect(_field(page, "Steps").get_by_role("alert")).to_contain_text("500")

    page.get_by_label("Steps", exact=True).fill("2")
    prompt_box.press("Control+Enter")
    expect(_images_of(page, prompt)).to_have_count(1, timeout=60_000)


def test_the_words_past_a_limit_are_marked_on_a_phone(studio: Studio, signed_in_page: PageFactory) -> None:
    expect = _expect()
    page = signed_in_page(phone=True)
    words = " ".join(f"word{i}" for i in range(100))
    page.get_by_label("Prompt", exact=True).fill(words)
    expect(page.locator(".token-count.over")).to_contain_text("/77 CLIP-L")
    expect(page.locator(".token-cut")).to_contain_text(re.compile(r"never sees: word\d+ .* and \d+ more"))
    marked = page.locator(".prompt-mirror mark")
    expect(marked).to_have_count(1)
    assert marked.inner_text().strip().endswith("word99") and not marked.inner_text().startswith("word0 ")
    screenshot(page, "create-phone")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "create-phone-dark")


def test_fifty_pasted_prompts_make_one_job(studio: Studio, signed_in_page: PageFactory) -> None:
    expect = _expect()
    estimates = "/v1/estimate" in studio.client(studio.key_a).get("/openapi.json").json()["paths"]
    page = signed_in_page(allowed_errors=[] if estimates else [r"404 .*/v1/estimate"])  # until `estimate` merges
    _custom_size(page, 32, 32)
    page.get_by_label("Number of images").fill("1")
    _tiny_steps(page)
    tag = uuid.uuid4().hex[:8]
    prompts = [f"bulk {tag} scene {i}" for i in range(50)]
    page.get_by_role("button", name="Bulk…").click()
    dialog = page.get_by_role("dialog", name="Bulk")
    dialog.get_by_label("Prompts, one a line").fill("# a comment line\n\n" + "\n".join(prompts))
    expect(dialog).to_contain_text("50 prompts \u00d7 1 = 50 images")
    if estimates:
        expect(dialog).to_contain_text(re.compile(r"Estimate: 50 images in \d+ batch"))
    else:
        expect(dialog).to_contain_text("This server gives no estimate")
    screenshot(page, "create-bulk-desktop", full_page=False)
    dialog.get_by_role("button", name="Generate 50 images").click()
    expect(dialog).to_have_count(0)

    job = _newest_job(studio, studio.key_a)
    assert job["total"] == 50
    items = studio.client(studio.key_a).get(f"/v1/jobs/{job['id']}/items", params={"limit": 50}).json()["data"]
    assert [item["item"]["user_prompt"] for item in items] == prompts
    assert {(item["item"]["width"], item["item"]["height"], item["item"]["steps"]) for item in items} == {(32, 32, 2)}


def test_a_bulk_file_names_its_bad_lines(studio: Studio, signed_in_page: PageFactory) -> None:
    expect = _expect()
    page = signed_in_page(allowed_errors=[r"status of 422"])
    page.get_by_role("button", name="Bulk…").click()
    dialog = page.get_by_role("dialog", name="Bulk")
    csv: FilePayload = {
        "name": "scenes.csv",
        "mimeType": "text/csv",
        "buffer": b"prompt,width,colour\na fox,32,\na cat,wide,\na dog,,red\n",
    }
    dialog.get_by_label(re.compile("Or a file")).set_input_files(files=[csv])
    errors = dialog.get_by_role("alert")
    expect(errors).to_contain_text("scenes.csv row 3: width:")
    expect(errors).to_contain_text("scenes.csv row 4: colour: unknown field 'colour'")
    expect(dialog.get_by_role("button", name=re.compile("^Generate"))).to_be_disabled()


def _has_grid(studio: Studio) -> bool:
    schema = studio.client(studio.key_a).get("/openapi.json").json()
    return "grid" in schema["components"]["schemas"]["ImagesJobRequest"]["properties"]


def test_a_grid_of_3_seeds_by_2_styles_makes_6_images_and_a_grid_image(
    studio: Studio, signed_in_page: PageFactory
) -> None:
    if not _has_grid(studio):
        pytest.skip("the job body has no `grid` yet (branch variations)")
    expect = _expect()
    page = signed_in_page()
    prompt = f"a windmill {uuid.uuid4().hex[:8]}"
    page.get_by_label("Prompt", exact=True).fill(prompt)
    _custom_size(page, 32, 32)
    page.get_by_label("Number of images").fill("1")
    _tiny_steps(page)
    page.get_by_role("button", name="Grid…").click()
    dialog = page.get_by_role("dialog", name="Grid")
    dialog.get_by_label("Axis 1", exact=True).select_option("seed")
    dialog.get_by_label("Axis 1 values").fill("1, 2, 3")
    dialog.get_by_role("button", name="Add axis").click()
    dialog.get_by_label("Axis 2", exact=True).select_option("style")
    dialog.get_by_label("Axis 2 values").fill("Cinematic, Photographic")
    expect(dialog.locator(".grid-count")).to_have_text("6 images")
    screenshot(page, "create-grid-desktop", full_page=False)
    dialog.get_by_role("button", name="Generate grid").click()
    expect(dialog).to_have_count(0)

    client = studio.client(studio.key_a)
    job = _newest_job(studio, studio.key_a)
    assert job["total"] == 6

    def grid_image() -> str | None:
        view = client.get(f"/v1/jobs/{job['id']}").json()
        return (view.get("grid") or {}).get("artifact_id") if view["state"] == "completed" else None

    wait_until(grid_image, timeout=120, interval=0.5, what="the grid job to complete with its grid image")
    expect(_images_of(page, prompt)).to_have_count(6, timeout=30_000)
