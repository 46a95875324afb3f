"""How kiln is doing: `/healthz`, `/readyz` (store, storage, live workers, the default model warm) and `/metrics`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from kiln.api import create_app
from kiln.config import Settings
from kiln.jobs.records import NewArtifact, NewJob
from kiln.jobs.sql import SqlStore
from kiln.storage.local import LocalStorage
from tests.api.conftest import SMALL, Api, ApiFactory
from tests.conditions import wait_until
from tests.helpers import make_item
from tests.store.conftest import FakeClock

HEARTBEAT = 5.0


def ready(api: Api) -> tuple[int, dict[str, Any]]:
    response = api.client.get("/readyz")
    body: dict[str, Any] = response.json()
    return response.status_code, body


def checks(store: bool, workers: int, loaded: bool | None, **causes: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"store": store, "workers": workers, "default_model_loaded": loaded, "storage": True}
    found["pools"] = {"*": workers} if workers else {}  # beats without a pool: workers serving every model
    return found | {"store_error": None, "storage_error": None} | causes


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
    cause = "RuntimeError: database is gone"
    assert ready(api) == (503, {"ready": False, "checks": checks(False, 0, False, store_error=cause)})


def test_not_ready_when_the_database_is_unreachable_says_why_without_the_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://kiln:s3cret-pw@127.0.0.1:1/kiln?connect_timeout=3"  # nothing listens on port 1
    settings = Settings(data_dir=tmp_path, output_dir=tmp_path / "out", database_url=url, auth="off")
    store = SqlStore(url)
    try:
        app = create_app(settings, store=store, keys=store, storage=LocalStorage(settings.output_dir))
        with TestClient(app) as client:
            response = client.get("/readyz")
    finally:
        store.close()
    assert response.status_code == 503
    found = response.json()["checks"]
    assert found["store"] is False and found["storage"] is True
    assert found["store_error"].startswith("OperationalError: ") and "127.0.0.1" in found["store_error"]
    assert "s3cret" not in response.text and "SQL:" not in response.text


def test_not_ready_when_storage_cannot_be_written_says_why_without_a_path(make_api: ApiFactory, tmp_path: Path) -> None:
    """The output folder's parent is a regular file: writes fail with ENOTDIR, for root as for anyone else (a
    chmod-ed folder would not stop root)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    api = make_api(output_dir=blocker / "out")
    api.store.beat("w", {"loaded_models": ["tiny-sd"]})
    cause = "storage error: Not a directory (errno 20)"
    assert ready(api) == (503, {"ready": False, "checks": checks(True, 1, True, storage=False, storage_error=cause)})
    blocker.unlink()
    assert ready(api) == (200, {"ready": True, "checks": checks(True, 1, True)})
    assert not any((blocker / "out").iterdir())  # the probe file is gone


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


def test_a_failing_storage_shows_on_the_job_in_metrics_and_in_readyz(make_api: ApiFactory, tmp_path: Path) -> None:
    """With the real worker: the job tells the reason while it retries, then fails with it after max_attempts."""
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    api = make_api(worker="real", output_dir=blocker / "out", max_attempts=2, storage_retry_seconds=1.0)
    job_id = api.submit(prompts=["a lighthouse"], defaults=SMALL)["id"]
    reason = "storage error: Not a directory (errno 20)"
    with api.run_worker():
        running = wait_until(lambda: (job := api.job(job_id))["error"] and job, timeout=60, what="the job's error")
        assert running["state"] == "running" and reason in running["error"] and "attempt 1 of 2" in running["error"]
        assert scrape(api)[("kiln_storage_errors_total", "")] == 1
        final = api.wait_final(job_id, timeout=60)
    assert final["state"] == "failed" and reason in final["error"]
    assert final["errors"] == [{"index": 0, "error": reason}]
    assert scrape(api)[("kiln_storage_errors_total", "")] == 2
    status, body = ready(api)
    assert status == 503 and body["checks"]["storage_error"] == reason
