"""`POST /v1/estimate` after a warm-up against the measured time of a 200-image job on the real worker: the ratio,
not a time, is asserted.

The machine running the suite may be shared (CI's two cores run browsers and servers beside it), so one trial can
be slowed by something else; three trials are made, each estimated just before it runs, and their median ratio is
held to the issue's 25%."""

from __future__ import annotations

import statistics
import time
from typing import Any

from tests.api.conftest import SMALL, ApiFactory

TRIALS = 3


def test_an_estimate_after_a_warm_up_is_within_a_quarter_of_the_measured_time(make_api: ApiFactory) -> None:
    api = make_api(worker="real", micro_batch=16)
    body: dict[str, Any] = {"defaults": {**SMALL, "model": "tiny-sd"}}
    warm = api.submit(prompts=[f"warm-up {i}" for i in range(64)], **body, start_seed=0)["id"]
    ratios: list[float] = []
    with api.run_worker():
        assert api.wait_final(warm, timeout=300)["state"] == "completed"
        for trial in range(TRIALS):
            prompts = [f"a red house {trial} {i}" for i in range(200)]
            job: dict[str, Any] = {"prompts": prompts, **body, "start_seed": 1000 * (trial + 1)}
            answer = api.client.post("/v1/estimate", json=job).json()
            assert answer["items"] == 200 and answer["seconds"] is not None, answer
            started = time.perf_counter()
            job_id = api.submit(**job)["id"]
            assert api.wait_final(job_id, timeout=600)["state"] == "completed"
            measured = time.perf_counter() - started
            ratios.append(answer["seconds"] / measured)
            print(f"trial {trial}: estimate {answer['seconds']:.2f} s, measured {measured:.2f} s")
    print("ratios", [round(r, 3) for r in ratios])
    assert 0.75 <= statistics.median(ratios) <= 1.25, ratios
