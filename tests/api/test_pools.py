"""Worker pools through the API: a job whose model no live worker serves says so in its status (`warning`),
`/readyz`, `/metrics` and `/v1/status` count and show the live workers by pool."""

from __future__ import annotations

from typing import Any

import pytest

from kiln.jobs.pools import claim_keys
from tests.api.conftest import SMALL, Api, ApiFactory, bearer
from tests.api.test_health import scrape
from tests.conditions import wait_until

NO_WORKER = "no worker is live; start one with `kiln worker` (or `kiln serve`), its items wait until then"
NO_FLUX = "no live worker serves model tiny-flux; start one with `kiln worker --models tiny-flux`"


def beat(api: Api, worker_id: str, pool: list[str] | None) -> None:
    info: dict[str, Any] = {"host": "box", "state": "idle", "loaded_models": pool[:1] if pool else ["tiny-sd"]}
    if pool is not None:
        info |= {"pool": pool, "serves": sorted(claim_keys(pool))}
    api.store.beat(worker_id, info)


def warning_becomes(api: Api, job_id: str, expected: str | None, headers: dict[str, str] | None = None) -> None:
    """Live workers are read at most once a second: wait for the status to catch up with a beat."""
    wait_until(lambda: api.job(job_id, headers)["warning"] == expected, timeout=10, what=f"warning {expected!r}")


@pytest.mark.parametrize("store", ["sqlite", "memory", "postgres"])
def test_a_job_says_which_model_no_live_worker_serves(make_api: ApiFactory, store: Any) -> None:
    api = make_api(store=store)
    flux = api.submit(prompts=["a fox", "an owl"], defaults={**SMALL, "model": "tiny-flux"})["id"]
    sd = api.submit(prompts=["a cat"], defaults=SMALL)["id"]
    assert api.job(flux)["warning"] == NO_WORKER  # nothing is live at all
    beat(api, "sd-0", ["tiny-sd"])
    warning_becomes(api, flux, NO_FLUX)
    assert api.job(sd)["warning"] is None
    assert api.client.get(f"/v1/jobs/{flux}", params={"include": "results"}).json()["warning"] == NO_FLUX
    beat(api, "flux-0", ["tiny-flux"])
    warning_becomes(api, flux, None)
    api.store.remove_worker("flux-0")
    warning_becomes(api, flux, NO_FLUX)
    beat(api, "any-0", None)  # a worker serving every model (the default) serves it
    warning_becomes(api, flux, None)


def test_only_pending_items_wait_and_a_final_job_warns_of_nothing(make_api: ApiFactory) -> None:
    api = make_api()
    beat(api, "sd-0", ["tiny-sd"])
    job = api.submit(
        items=[
            {"prompt": "a cat"},
            {"prompt": "a fox", "model": "tiny-flux"},
            {"prompt": "an owl", "model": "tiny-sd3"},
        ],
        defaults=SMALL,
    )["id"]
    warning_becomes(api, job, "no live worker serves models tiny-flux, tiny-sd3; start one with "
                    "`kiln worker --models tiny-flux,tiny-sd3`")  # fmt: skip
    with api.worker.start():  # the fake worker claims everything: nothing pending is left to wait
        api.wait_final(job)
    assert api.job(job)["warning"] is None
    canceled = api.submit(prompts=["a fox"], defaults={**SMALL, "model": "tiny-flux"})["id"]
    api.client.post(f"/v1/jobs/{canceled}/cancel")
    assert api.job(canceled)["warning"] is None


def test_the_warning_is_shown_to_the_jobs_owner_only(make_api: ApiFactory) -> None:
    api = make_api(auth="on")
    alice, bob = bearer(api.key("alice")), bearer(api.key("bob"))
    beat(api, "sd-0", ["tiny-sd"])
    job = api.submit(alice, prompts=["a fox"], defaults={**SMALL, "model": "tiny-flux"})["id"]
    warning_becomes(api, job, NO_FLUX, alice)
    assert api.client.get(f"/v1/jobs/{job}", headers=bob).status_code == 404


def test_readyz_metrics_and_status_count_workers_by_pool(make_api: ApiFactory) -> None:
    api = make_api()
    beat(api, "sd-0", ["tiny-sd"])
    beat(api, "sd-1", ["tiny-sd"])
    beat(api, "flux-0", ["tiny-flux", "tiny-sd3"])
    beat(api, "any-0", None)
    ready = api.client.get("/readyz").json()
    assert ready["checks"]["pools"] == {"*": 1, "tiny-flux,tiny-sd3": 1, "tiny-sd": 2}
    assert ready["checks"]["workers"] == 4
    samples = scrape(api)
    assert samples[("kiln_workers", "")] == 4
    assert samples[("kiln_pool_workers", "pool=tiny-sd")] == 2
    assert samples[("kiln_pool_workers", "pool=tiny-flux,tiny-sd3")] == 1
    assert samples[("kiln_pool_workers", "pool=*")] == 1
    workers = {w["worker_id"]: w for w in api.client.get("/v1/status").json()["workers"]}
    assert workers["flux-0"]["pool"] == ["tiny-flux", "tiny-sd3"] and workers["any-0"]["pool"] is None
