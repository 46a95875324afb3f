"""What kiln knows: tokens, models, styles, presets (health, readiness and metrics: `test_health.py`)."""

from __future__ import annotations

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
    assert models["tiny-sd"]["video"] is False and models["tiny-svd"]["video"] is True
    styles = [s["name"] for s in api.client.get("/v1/styles").json()["data"]]
    assert "Cinematic" in styles and "Photographic" in styles
    presets = api.client.get("/v1/presets").json()
    assert presets["families"]["sdxl"]["quality_steps"] == {"fast": 25, "balanced": 44, "high": 64, "ultra": 84}
    assert presets["families"]["flux-schnell"]["quality_steps"]["balanced"] == 4
    assert "16:9" in presets["aspect_ratios"] and "webp" in presets["formats"]
    assert "dpmpp_2m" in presets["families"]["sd15"]["schedulers"]
