"""`POST /v1/estimate` after a warm-up against the measured time of a 200-image job on the real worker: the ratio,
not a time, is asserted."""

from __future__ import annotations

import time
from typing import Any

from tests.api.conftest import SMALL, ApiFactory


def test_an_estimate_after_a_warm_up_is_within_a_quarter_of_the_measured_time(make_api: ApiFactory) -> None:
    api = make_api(worker="real", micro_batch=16)
    body: dict[str, Any] = {"defaults": {**SMALL, "model": "tiny-sd"}, "start_seed": 0}
    warm = api.submit(prompts=[f"warm-up {i}" for i in range(48)], **body)["id"]
    with api.run_worker():
        assert api.wait_final(warm, timeout=300)["state"] == "completed"
        job: dict[str, Any] = {"prompts": [f"a red house {i}" for i in range(200)], **body, "start_seed": 1000}
        answer = api.client.post("/v1/estimate", json=job).json()
        assert answer["items"] == 200 and answer["seconds"] is not None, answer
        started = time.perf_counter()
        job_id = api.submit(**job)["id"]
        assert api.wait_final(job_id, timeout=600)["state"] == "completed"
        measured = time.perf_counter() - started
    ratio = answer["seconds"] / measured
    print(f"estimate {answer['seconds']:.2f} s, measured {measured:.2f} s, ratio {ratio:.3f}")
    assert 0.75 <= ratio <= 1.25
