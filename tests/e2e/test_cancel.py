"""Cancel through the SDK against a real `kiln serve`: the running unit stops within a denoising step, its items
end canceled with no file, and a retry brings them back until the job completes.

(`tests/worker/test_service.py` checks the same at the worker, counting every step; here it is seen as a user
sees it: the job's events over SSE, where progress comes at most once per `PROGRESS_INTERVAL`.)"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from kiln.sdk import Client, Event
from tests.conditions import wait_until
from tests.e2e.server import create_key, serve_env, serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches process groups in /proc (Linux)"),
]

STEPS = 150  # the most tiny-sd takes: a cancel that waited for the end of the unit would show progress to 150
ITEMS = 3
PROGRESS_INTERVAL = 0.25  # JobWorker's default: at most one `item.progress` event per this many seconds


def _progress(events: list[Event]) -> list[Event]:
    return [e for e in events if e.type == "item.progress"]


def test_cancel_stops_the_unit_within_a_step_and_retry_completes(tmp_path: Path) -> None:
    env = serve_env(tmp_path, KILN_DEFAULT_MODEL="tiny-sd")
    key = create_key(env)
    defaults = {"model": "tiny-sd", "width": 256, "height": 256, "steps": STEPS}
    with serving(env, tmp_path / "serve.log") as server, Client(server.url, api_key=key, timeout=30) as kiln:
        job = kiln.submit_job([f"a windmill at dusk, take {i}" for i in range(ITEMS)], defaults=defaults)
        seen_step: int | None = None
        for event in job.events():  # one SSE stream: progress, the cancel, until the server closes it
            if event.type == "item.progress" and seen_step is None:
                assert event.data["items"] == list(range(ITEMS))  # one unit holds the whole job
                seen_step = event.data["step"]
                assert job.cancel().state == "canceled"
        assert seen_step is not None, "no progress before the job ended"

        def all_canceled() -> bool:
            return all(item.state == "canceled" for item in kiln.items(job.id).data)

        wait_until(all_canceled, timeout=60, interval=0.05, what="the running items to be canceled")
        assert kiln.artifacts(job.id) == []
        assert not list((tmp_path / "out").glob(f"*/{job.id}"))  # no file of a canceled item (<owner>/<job id>/)
        canceled_run = list(job.events())

        assert job.retry().state in ("queued", "running")
        final = job.wait(timeout=240)
        assert final.state == "completed" and final.counts.done == ITEMS, final
        assert sorted(a.index for a in kiln.artifacts(job.id)) == list(range(ITEMS))
        assert all(item.state == "done" for item in kiln.items(job.id).data)
        retried_run = list(job.events(after=canceled_run[-1].id))

    # the step reached when the cancel was committed: the last progress written before the `canceled` event
    # (events are numbered in commit order); at most `unreported` steps pass between two progress events
    cancel = next(e for e in canceled_run if e.type == "job.state" and e.data["state"] == "canceled")
    at_cancel = max(e.data["step"] for e in _progress(canceled_run) if e.id < cancel.id)
    last_step = max(e.data["step"] for e in _progress(canceled_run))
    released = [e for e in canceled_run if e.type == "item.state" and e.data["state"] == "canceled"]
    assert sorted(e.data["index"] for e in released) == list(range(ITEMS)) and min(e.id for e in released) > cancel.id

    # how long a step takes here, from the retried run (which went through all of them)
    progress = _progress(retried_run)
    first, last = progress[0], progress[-1]
    assert first.created_at is not None and last.created_at is not None and last.data["step"] > first.data["step"]
    step_seconds = (last.created_at - first.created_at).total_seconds() / (last.data["step"] - first.data["step"])
    unreported = math.ceil(PROGRESS_INTERVAL / step_seconds)

    assert seen_step <= at_cancel
    # the step in flight finishes, the next check sees the cancel: nothing past it (a cancel noticed only at the
    # end of the unit would show progress up to the last step)
    took = (released[0].created_at - cancel.created_at) if released[0].created_at and cancel.created_at else None
    why = f"seen {seen_step}, at cancel {at_cancel}, last {last_step}; {step_seconds:.3f} s/step; stopped after {took}"
    assert last_step <= at_cancel + unreported + 1, why
    assert last_step < STEPS
