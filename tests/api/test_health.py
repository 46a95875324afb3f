"""How kiln is doing: `/healthz`, `/readyz` (store, live workers, the default model warm) and `/metrics`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kiln.jobs.records import NewArtifact, NewJob
from tests.api.conftest import Api, ApiFactory
from tests.helpers import make_item
from tests.store.conftest import FakeClock

HEARTBEAT = 5.0


def ready(api: Api) -> tuple[int, dict[str, Any]]:
    response = api.client.get("/readyz")
    body: dict[str, Any] = response.json()
    return response.status_code, body


def checks(store: bool, workers: int, loaded: bool | None) -> dict[str, Any]:
    return {"store": store, "workers": workers, "default_model_loaded": loaded}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_healthz(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_ready_needs_a_live_worker_holding_the_default_model(
    make_api: ApiFactory, clock: FakeClock, store: Any
) -> None:
    api = make_api(store=store, clock=clock, heartbeat_seconds=HEARTBEAT)
    assert ready(api) == (503, {"ready": False, "checks": checks(True, 0, False)})
    api.store.beat("gpu-0", {"loaded_models": [], "state": "busy"})  # still loading
    assert ready(api) == (503, {"ready": False, "checks": checks(True, 1, False)})
    api.store.beat("gpu-1", {"loaded_models": ["tiny-flux", "tiny-sd"], "state": "idle"})
    assert ready(api) == (200, {"ready": True, "checks": checks(True, 2, True)})
    clock.advance(3 * HEARTBEAT)
    assert ready(api)[0] == 200  # three heartbeats missed is still live
    clock.advance(0.5)
    assert ready(api) == (503, {"ready": False, "checks": checks(True, 0, False)})
    api.store.beat("gpu-0", {"loaded_models": ["tiny-sd"]})
    assert ready(api)[0] == 200
    api.store.remove_worker("gpu-0")
    assert ready(api)[1]["checks"]["workers"] == 0


def test_without_preloading_a_live_worker_is_enough(make_api: ApiFactory) -> None:
    api = make_api(preload_model=False)
    assert ready(api) == (503, {"ready": False, "checks": checks(True, 0, None)})
    api.store.beat("w", {"loaded_models": []})
    assert ready(api) == (200, {"ready": True, "checks": checks(True, 1, None)})


def test_a_local_default_model_is_matched_by_its_location(
    make_api: ApiFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "models" / "mine"
    folder.mkdir(parents=True)
    (folder / "model_index.json").write_text('{"_kiln_builtin": "tiny-sd"}')
    monkeypatch.chdir(tmp_path)
    api = make_api(default_model="models/mine")
    api.store.beat("w", {"loaded_models": [str(folder)]})  # what items (and so the engine) call it
    assert ready(api)[0] == 200


def test_not_ready_when_the_store_fails(api: Api) -> None:
    api.store.beat("w", {"loaded_models": ["tiny-sd"]})

    def broken() -> int:
        raise RuntimeError("database is gone")

    api.store.pending_count = broken  # type: ignore[method-assign]
    assert ready(api) == (503, {"ready": False, "checks": checks(False, 0, False)})


def scrape(api: Api) -> dict[tuple[str, str], float]:
    response = api.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def png(key: str) -> NewArtifact:
    return NewArtifact(storage_key=key, content_type="image/png", size_bytes=1, width=64, height=64, metadata={})


@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_metrics_read_the_store_and_the_workers(make_api: ApiFactory, clock: FakeClock, store: Any) -> None:
    api = make_api(store=store, clock=clock, heartbeat_seconds=HEARTBEAT)
    done = api.store.create_job(NewJob(), [make_item(i) for i in range(3)])
    api.store.create_job(NewJob(), [make_item(i, width=128) for i in range(4)])
    unit = api.store.claim("w", max_items=3, lease_seconds=600)
    assert unit is not None and [i.job_id for i in unit.items] == [done.id] * 3
    for seconds, item in zip((0.2, 3.0, 100.0), unit.items, strict=True):
        clock.advance(seconds)
        assert api.store.complete_item(unit.id, item.id, png(f"{item.index}.png"))
    api.store.beat("gpu-0", {"model_loads": 2, "gpu_memory_bytes": 1_500_000_000})
    api.store.beat("gpu-1", {"model_loads": 1, "gpu_memory_bytes": 700})
    api.store.beat("cpu-0", {"model_loads": 1, "gpu_memory_bytes": None})
    clock.advance(3 * HEARTBEAT)
    api.store.beat("cpu-1", {"model_loads": 5, "gpu_memory_bytes": None})
    clock.advance(1)  # gpu-0, gpu-1 and cpu-0 are no longer live

    samples = scrape(api)
    assert samples[("kiln_jobs", "state=completed")] == 1 and samples[("kiln_jobs", "state=queued")] == 1
    assert samples[("kiln_jobs", "state=failed")] == 0
    assert samples[("kiln_items", "state=done")] == 3 and samples[("kiln_items", "state=pending")] == 4
    assert samples[("kiln_queue_depth", "")] == 4
    assert samples[("kiln_images_generated_total", "")] == 3
    # run times from claim to done: 0.2 s, 3.2 s and 103.2 s
    assert samples[("kiln_item_seconds_bucket", "le=0.25")] == 1
    assert samples[("kiln_item_seconds_bucket", "le=5.0")] == 2
    assert samples[("kiln_item_seconds_bucket", "le=120.0")] == 3
    assert samples[("kiln_item_seconds_bucket", "le=+Inf")] == 3
    assert samples[("kiln_item_seconds_count", "")] == 3
    assert samples[("kiln_item_seconds_sum", "")] == pytest.approx(106.6)
    assert samples[("kiln_workers", "")] == 1
    assert samples[("kiln_model_loads_total", "")] == 5
    assert not any(name == "kiln_gpu_memory_bytes" for name, _ in samples)

    api.store.beat("gpu-0", {"model_loads": 2, "gpu_memory_bytes": 1_500_000_000})
    api.store.beat("gpu-1", {"model_loads": 1, "gpu_memory_bytes": 700})
    samples = scrape(api)
    assert samples[("kiln_workers", "")] == 3 and samples[("kiln_model_loads_total", "")] == 8
    assert samples[("kiln_gpu_memory_bytes", "worker=gpu-0")] == 1_500_000_000
    assert samples[("kiln_gpu_memory_bytes", "worker=gpu-1")] == 700
    clock.advance(3601)
    assert scrape(api)[("kiln_item_seconds_count", "")] == 0  # a window: the last hour's items
