"""What kiln knows (tokens, models, styles, presets) and how it is doing (health, readiness, metrics)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Api


def test_tokens_show_counts_limits_and_overflow(api: Api) -> None:
    prompt = " ".join(f"word{i}" for i in range(120))
    body = api.client.post("/v1/tokens", json={"prompt": prompt}).json()
    assert body["model"] == "tiny-sd" and body["family"] == "tiny-sd"
    (clip,) = body["encoders"]
    assert clip["encoder"] == "clip_l" and clip["limit"] == 77
    assert clip["truncated"] is True and clip["tokens"] > 77
    assert clip["overflow_words"][-1] == "word119"
    flux = api.client.post("/v1/tokens", json={"prompt": "a cat", "model": "tiny-flux"}).json()
    assert [e["kind"] for e in flux["encoders"]] == ["clip", "t5"]
    assert not any(e["truncated"] for e in flux["encoders"])
    bad = api.client.post("/v1/tokens", json={"prompt": "a cat", "model": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "model"


def test_models_styles_presets(api: Api) -> None:
    models = {m["id"]: m for m in api.client.get("/v1/models").json()["data"]}
    assert models["tiny-sd"]["default"] is True and models["tiny-sd"]["default_size"] == [128, 128]
    assert models["stabilityai/stable-diffusion-xl-base-1.0"]["default_size"] == [1000, 1000]
    styles = [s["name"] for s in api.client.get("/v1/styles").json()["data"]]
    assert "Cinematic" in styles and "Photographic" in styles
    presets = api.client.get("/v1/presets").json()
    assert presets["families"]["sdxl"]["quality_steps"] == {"fast": 25, "balanced": 44, "high": 64, "ultra": 84}
    assert presets["families"]["flux-schnell"]["quality_steps"]["balanced"] == 4
    assert "16:9" in presets["aspect_ratios"] and "webp" in presets["formats"]
    assert "dpmpp_2m" in presets["families"]["sd15"]["schedulers"]


def test_health_and_readiness(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz").json()
    assert ready == {"status": "ok", "store": "ok", "workers": None, "default_model": "tiny-sd"}


def test_readiness_fails_when_the_store_does(api: Api) -> None:
    def broken() -> int:
        raise RuntimeError("database is gone")

    api.store.pending_count = broken  # type: ignore[method-assign]
    response = api.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_metrics_read_the_store(api: Api) -> None:
    done = api.submit(prompts=["a", "b"])["id"]
    with api.worker:
        api.wait_final(done)
    api.submit(prompts=["c", "d", "e"])
    text = api.client.get("/metrics")
    assert text.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, s.labels.get("state", "")): s.value
        for family in text_string_to_metric_families(text.text)
        for s in family.samples
    }
    assert samples[("kiln_jobs", "completed")] == 1
    assert samples[("kiln_jobs", "queued")] == 1
    assert samples[("kiln_items", "done")] == 2
    assert samples[("kiln_items", "pending")] == 3
    assert samples[("kiln_queue_depth", "")] == 3
