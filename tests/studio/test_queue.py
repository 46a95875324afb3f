"""The queue and job pages in Chromium against a real `kiln serve` (issue 9, point 4): a bulk job's progress rises to
100% live and its ZIP holds every image; a cancel from the queue stops the running unit within a step and a retry
finishes it; fair share lets key B's small job through while key A's big one runs; key B sees none of key A's jobs.
The API is the judge of what happened; the pages are what a user sees."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from kiln.sdk import Client, Event
from tests.conditions import wait_until
from tests.studio.browser import screenshot
from tests.studio.conftest import TINY, PageFactory, Studio

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.slow

FINAL = ("completed", "failed", "canceled")
CPU_BATCH = 16  # the engine's micro-batch on a CPU (kiln.engine.device): items of one unit

# Records every value each job's progress bar shows (attribute changes and cards added), so a test can read back
# how the bar moved rather than sample it.
RECORD_PROGRESS = """() => {
  window.__progress = {};
  window.__loadedOnce = true;
  const record = (bar) => {
    const card = bar.closest("[data-job-id]");
    if (card === null) return;
    (window.__progress[card.dataset.jobId] ??= []).push(Number(bar.getAttribute("aria-valuenow")));
  };
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === "attributes") record(mutation.target);
      else for (const node of mutation.addedNodes)
        if (node.nodeType === 1) node.querySelectorAll('[role="progressbar"]').forEach(record);
    }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow"] });
}"""


@pytest.fixture
def sdk(studio: Studio) -> Iterator[dict[str, Client]]:
    """A Python client per key, the API's view of what the pages did."""
    clients = {"A": Client(studio.base_url, api_key=studio.key_a), "B": Client(studio.base_url, api_key=studio.key_b)}
    yield clients
    for client in clients.values():
        client.close()


def card(page: Page, job_id: str) -> Locator:
    return page.locator(f'li.job-card[data-job-id="{job_id}"]')


def progress_of(page: Page, job_id: str) -> int:
    return int(card(page, job_id).get_by_role("progressbar").get_attribute("aria-valuenow") or "-1")


def download_zip(page: Page, link: Locator, path: Path) -> Path:
    """Clicks the link and saves what the browser downloads."""
    with page.expect_download() as download:
        link.click()
    download.value.save_as(path)
    return path


def first_images_loaded(page: Page, count: int) -> None:
    """Waits until the first `count` result thumbnails have loaded (for a screenshot worth looking at)."""
    loaded = f"() => [...document.querySelectorAll('.item-media img')].slice(0, {count})"
    page.wait_for_function(loaded + ".every((img) => img.complete && img.naturalWidth > 0)")


def submit(client: Client, prompts: int, **options: Any) -> str:
    defaults = {**TINY, **options.pop("defaults", {})}
    job = client.submit_job([f"a lighthouse at dusk, take {i}" for i in range(prompts)], defaults=defaults, **options)
    return job.id


def stop(client: Client, job_id: str) -> None:
    """Cancels a job left running, so the next test has the one worker to itself."""
    if client.get_job(job_id).status.state not in FINAL:
        client.cancel(job_id)


def test_a_bulk_job_rises_to_100_live_and_its_zip_holds_every_image(
    studio: Studio, signed_in_page: PageFactory, sdk: dict[str, Client], tmp_path: Path
) -> None:
    page = signed_in_page(studio.key_a, path="/queue")
    page.get_by_role("heading", name="Queue").wait_for()
    page.evaluate(RECORD_PROGRESS)
    # The tiny model makes these 50 in a few seconds: a job of A's ahead of it keeps it queued (at 0%) until the
    # page lists it, so the test sees the whole climb however fast or busy the machine is.
    slower = {"steps": 10, "width": 64, "height": 64}
    ahead = submit(sdk["A"], 48, micro_batch=4, defaults=slower)
    job_id = submit(sdk["A"], 50, micro_batch=2, defaults=slower)
    try:
        row = card(page, job_id)
        row.wait_for()  # the list's own refetch finds a job submitted elsewhere
        wait_until(lambda: progress_of(page, job_id) == 100, timeout=300, interval=0.1, what="the bar to reach 100")
        row.get_by_text("Completed").wait_for()
        seen: list[int] = page.evaluate(f"window.__progress[{job_id!r}]")
        assert page.evaluate("window.__loadedOnce") is True  # the same document throughout: no reload
        assert seen == sorted(seen), seen  # it only ever rose
        assert seen[-1] == 100 and seen[0] < 100, seen
        assert len({value for value in seen if 0 < value < 100}) >= 2, f"no live steps between 0 and 100: {seen}"
        assert row.get_by_text("50 of 50 done").is_visible()
        screenshot(page, "queue-desktop")

        archive = download_zip(page, row.get_by_role("link", name="Download ZIP"), tmp_path / "job.zip")
        with zipfile.ZipFile(archive) as opened:
            images = [name for name in opened.namelist() if name.endswith((".png", ".jpg", ".jpeg", ".webp"))]
        assert len(images) == 50
        assert sdk["A"].get_job(job_id).status.counts.done == 50

        row.get_by_role("link", name="50 images").click()
        page.get_by_role("heading", name="50 images").wait_for()
        page.get_by_role("img", name="Item 0: a lighthouse at dusk, take 0").wait_for()
        assert page.evaluate("window.__loadedOnce") is True  # a client-side route
        assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
        first_images_loaded(page, 6)
        screenshot(page, "job-desktop", full_page=False)
    finally:
        stop(sdk["A"], ahead)
        stop(sdk["A"], job_id)


def _finished_times(studio: Studio, key: str, job_id: str) -> list[datetime]:
    """When each finished item of the job finished, by the server's clock."""
    client, times, offset = studio.client(key), [], 0
    while offset is not None:
        page = client.get(f"/v1/jobs/{job_id}/items", params={"offset": offset, "limit": 500}).json()
        times += [datetime.fromisoformat(item["finished_at"]) for item in page["data"] if item["finished_at"]]
        offset = page["next_offset"]
    return times


def _events_until_final(client: Client, job_id: str, after: int = 0) -> list[Event]:
    return list(client.get_job(job_id).events(after=after))


def test_cancel_from_the_queue_stops_the_running_unit_within_a_step_and_retry_finishes_it(
    studio: Studio, signed_in_page: PageFactory, sdk: dict[str, Client]
) -> None:
    steps, items = 150, 3  # one unit of three items at 64 px: long enough to outlast the priority change
    client = sdk["A"]
    job_id = submit(client, items, defaults={"steps": steps, "width": 64, "height": 64})
    try:
        page = signed_in_page(studio.key_a, path="/queue")
        row = card(page, job_id)
        row.wait_for()
        wait_until(lambda: 0 < progress_of(page, job_id) < 100, timeout=120, interval=0.05, what="the job to run")
        priority = row.get_by_label("Priority")
        priority.fill("5")
        priority.press("Enter")
        wait_until(lambda: client.get_job(job_id).status.priority == 5, timeout=30, what="the new priority")
        cancel = row.get_by_role("button", name="Cancel")
        assert cancel.is_visible()  # always there on running work
        screenshot(page, "queue-running-desktop")
        cancel.click()
        row.get_by_text("Canceled", exact=True).wait_for()
        page.get_by_role("status").get_by_text("Job canceled.").wait_for()

        def all_canceled() -> bool:
            return all(item.state == "canceled" for item in client.items(job_id).data)

        wait_until(all_canceled, timeout=60, interval=0.05, what="the running items to be canceled")
        assert client.get_job(job_id).status.state == "canceled"
        assert client.artifacts(job_id) == []
        canceled_run = _events_until_final(client, job_id)
        _assert_stopped_within_a_step(canceled_run, steps)

        row.get_by_role("button", name="Retry").click()
        wait_until(lambda: progress_of(page, job_id) == 100, timeout=240, interval=0.1, what="the retried job to end")
        row.get_by_text("Completed").wait_for()
        final = client.get_job(job_id).status
        assert final.state == "completed" and final.counts.done == items
    finally:
        stop(client, job_id)


def _assert_stopped_within_a_step(events: list[Event], steps: int) -> None:
    """The unit saw the cancel at its next step: no progress past the step reached when the cancel was committed,
    give or take the steps that pass between two progress events (they come at most every 0.25 s)."""
    canceled = next(e for e in events if e.type == "job.state" and e.data["state"] == "canceled")
    progress = [e for e in events if e.type == "item.progress"]
    before = [e for e in progress if e.id < canceled.id]
    assert before, "no progress before the cancel"
    at_cancel = max(e.data["step"] for e in before)
    last_step = max(e.data["step"] for e in progress)
    first, last = before[0], before[-1]
    step_seconds = 0.05
    if first.created_at and last.created_at and last.data["step"] > first.data["step"]:
        step_seconds = (last.created_at - first.created_at).total_seconds() / (last.data["step"] - first.data["step"])
    unreported = math.ceil(0.25 / max(step_seconds, 1e-3))
    assert last_step < steps, "the unit ran to its end"
    assert last_step <= at_cancel + unreported + 1, (
        f"at cancel {at_cancel}, last {last_step}, {step_seconds:.3f} s/step"
    )


def test_fair_share_lets_a_small_job_through_while_a_big_one_runs(
    studio: Studio, signed_in_page: PageFactory, sdk: dict[str, Client]
) -> None:
    a, b = sdk["A"], sdk["B"]
    big = submit(a, 500)
    try:
        wait_until(lambda: a.get_job(big).status.counts.done > 0, timeout=120, interval=0.05, what="A's job to run")
        page = signed_in_page(studio.key_b, path="/queue")
        small = submit(b, 4)
        final = b.get_job(small).wait(timeout=240, poll_interval=0.1)
        assert final.state == "completed" and final.counts.done == 4
        # B's job went in A's turns, not after A's 500 items: A finished only a few batches in the meantime. Read
        # from the items' own times, so a test process that the busy machine starves cannot blur the count.
        submitted = b.get_job(small).status.created_at
        assert submitted is not None
        b_done = max(_finished_times(studio, studio.key_b, small))
        a_between = [t for t in _finished_times(studio, studio.key_a, big) if submitted < t <= b_done]
        assert a.get_job(big).status.counts.pending > 0, "A's job finished before B's: no fair share"
        assert len(a_between) <= 3 * CPU_BATCH, (len(a_between), submitted, b_done)
        # B's queue shows its job finished, and not A's
        card(page, small).get_by_text("Completed").wait_for()
        assert card(page, big).count() == 0
        screenshot(page, "queue-fair-share-b")
    finally:
        stop(a, big)


def test_the_second_key_sees_none_of_the_first_keys_jobs(
    studio: Studio, signed_in_page: PageFactory, sdk: dict[str, Client]
) -> None:
    a_job = submit(sdk["A"], 2)
    b_job = submit(sdk["B"], 1)
    try:
        page = signed_in_page(studio.key_b, path="/queue", allowed_errors=[r"status of 404"])
        card(page, b_job).wait_for()
        assert card(page, a_job).count() == 0
        assert a_job not in {job.id for job in sdk["B"].iter_jobs()}
        page.goto(studio.url(f"/queue/{a_job}"))
        page.get_by_role("heading", name="Job not found").wait_for()
        assert page.locator(f'[data-job-id="{a_job}"]').count() == 0
    finally:
        stop(sdk["A"], a_job)
        stop(sdk["B"], b_job)


def test_queue_and_job_pages_on_a_phone(studio: Studio, signed_in_page: PageFactory, sdk: dict[str, Client]) -> None:
    client = sdk["A"]
    job_id = submit(client, 6)
    client.get_job(job_id).wait(timeout=120)
    page = signed_in_page(studio.key_a, phone=True, path="/queue")
    row = card(page, job_id)
    row.get_by_text("Completed").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    for name in ("Delete", "Download ZIP"):
        box = row.get_by_role("button" if name == "Delete" else "link", name=name).bounding_box()
        assert box is not None and box["height"] >= 40  # a thumb can hit it
    screenshot(page, "queue-phone")
    row.get_by_role("link", name="6 images").click()
    page.get_by_role("img", name="Item 5: a lighthouse at dusk, take 5").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first_images_loaded(page, 2)
    screenshot(page, "job-phone", full_page=False)
