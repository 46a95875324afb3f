"""Jobs over HTTP: submit, follow, list, cancel, retry, delete, items, artifacts, ZIP and ranges."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.api.conftest import SMALL, Api, ApiFactory, WorkerKind
from tests.api.fakes import FAIL_MARKER


def test_submit_answers_202_with_links(api: Api) -> None:
    created = api.submit(prompts=["a red fox", "a blue bird"], n=2)
    assert created["kind"] == "images"
    assert created["state"] == "queued"
    assert created["total"] == 4
    links = created["links"]
    assert set(links) == {"self", "events", "items", "artifacts", "zip", "cancel"}
    assert links["self"] == f"http://testserver/v1/jobs/{created['id']}"
    assert api.client.get(links["items"]).status_code == 200


# the folder, and an S3 bucket (moto) with downloads streamed through kiln: the test client reaches only the app
ON_STORAGE = {"folder": {}, "s3": {"storage": "s3", "s3_downloads": "stream"}}


@pytest.mark.parametrize("storage", ON_STORAGE)
def test_job_runs_to_completion_with_results(make_api: ApiFactory, storage: str) -> None:
    api = make_api(**ON_STORAGE[storage])
    created = api.submit(prompts=["a red fox", "a blue bird"], n=2, start_seed=100)
    with api.worker:
        job = api.wait_final(created["id"])
    assert job["state"] == "completed"
    assert job["counts"] == {"pending": 0, "running": 0, "done": 4, "failed": 0, "canceled": 0}
    assert job["progress"] == 1.0
    assert job["eta_seconds"] == 0.0
    assert job["elapsed_seconds"] is not None and job["elapsed_seconds"] >= 0
    assert job["results"] is None and job["errors"] == []

    full = api.job(created["id"], include="results")
    results = full["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert [r["seed"] for r in results] == [100, 101, 102, 103]
    assert {(r["width"], r["height"], r["content_type"]) for r in results} == {(128, 128, "image/png")}
    image = api.client.get(results[0]["url"])
    assert image.status_code == 200
    assert Image.open(io.BytesIO(image.content)).size == (128, 128)


def test_defaults_merge_under_items(api: Api) -> None:
    created = api.submit(
        items=[{"prompt": "a cat", "aspect": "16:9"}, {"prompt": "a dog", "style": "anime"}],
        defaults={"style": "cinematic", "steps": 3, "seed": 7},
    )
    items = api.client.get(f"/v1/jobs/{created['id']}/items").json()["data"]
    first, second = (i["item"] for i in items)
    assert first["style"] == "Cinematic" and first["width"] > first["height"] and first["steps"] == 3
    assert second["style"] == "Anime" and second["width"] == second["height"]
    assert first["seed"] == second["seed"] == 7


def test_list_jobs_pages_newest_first(api: Api) -> None:
    ids = [api.submit(prompts=[f"job {i}"])["id"] for i in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"before": cursor} if cursor else {})}
        page = api.client.get("/v1/jobs", params=params).json()
        seen += [job["id"] for job in page["data"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    assert pages == 3


def test_list_jobs_filters_by_state(api: Api) -> None:
    first = api.submit(prompts=["one"])["id"]
    second = api.submit(prompts=["two"])["id"]
    api.client.post(f"/v1/jobs/{first}/cancel")
    canceled = api.client.get("/v1/jobs", params={"state": "canceled"}).json()["data"]
    assert [j["id"] for j in canceled] == [first]
    both = api.client.get("/v1/jobs", params=[("state", "canceled"), ("state", "queued")]).json()["data"]
    assert [j["id"] for j in both] == [second, first]
    bad = api.client.get("/v1/jobs", params={"state": "sleeping"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "state.0"


def test_cancel_then_retry(api: Api) -> None:
    job_id = api.submit(prompts=["a", "b", "c"])["id"]
    canceled = api.client.post(f"/v1/jobs/{job_id}/cancel").json()
    assert canceled["state"] == "canceled"
    assert canceled["counts"]["canceled"] == 3
    retried = api.client.post(f"/v1/jobs/{job_id}/retry").json()
    assert retried["state"] == "queued"
    assert retried["counts"]["pending"] == 3
    with api.worker:
        assert api.wait_final(job_id)["state"] == "completed"


def test_failed_items_are_listed_and_retried(api: Api) -> None:
    job_id = api.submit(prompts=["fine", f"{FAIL_MARKER} here", "also fine"])["id"]
    with api.worker:
        job = api.wait_final(job_id)
    assert job["state"] == "completed"
    assert job["counts"]["failed"] == 1
    assert job["errors"] == [{"index": 1, "error": "the fake engine was told to fail"}]
    failed = api.client.get(f"/v1/jobs/{job_id}/items", params={"state": "failed"}).json()["data"]
    assert [i["index"] for i in failed] == [1]
    retried = api.client.post(f"/v1/jobs/{job_id}/retry").json()
    assert retried["state"] == "running"
    assert retried["counts"] == {"pending": 1, "running": 0, "done": 2, "failed": 0, "canceled": 0}


@pytest.mark.parametrize("store", ["memory", "sqlite", "postgres"])
def test_a_failed_job_says_why_in_its_status_and_in_the_listing(make_api: ApiFactory, store: str) -> None:
    api = make_api(store=store)
    job_id = api.submit(prompts=[f"{FAIL_MARKER} alone"])["id"]
    with api.worker:
        job = api.wait_final(job_id)
    reason = "no item of 1 succeeded; item 0: the fake engine was told to fail"
    assert (job["state"], job["error"]) == ("failed", reason)
    [listed] = api.client.get("/v1/jobs", params={"state": "failed"}).json()["data"]
    assert (listed["id"], listed["error"]) == (job_id, reason)


@pytest.mark.parametrize("worker", ["fake", "real"])
def test_delete_removes_job_and_files(make_api: ApiFactory, worker: WorkerKind) -> None:
    api = make_api(worker=worker)
    job_id = api.submit(prompts=["x", "y"], prefix="campaign/spring", defaults=SMALL, start_seed=5)["id"]
    with api.run_worker():
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    artifacts = api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]
    folder = api.folder.path(f"anonymous/{job_id}")
    paths = [folder / f"campaign/spring/{a['index']:05d}_{5 + a['index']}.png" for a in artifacts]
    assert all(p.is_file() for p in paths) and len(paths) == 2
    response = api.client.delete(f"/v1/jobs/{job_id}")
    assert response.status_code == 204 and response.content == b""
    assert not any(p.exists() for p in paths)
    assert not folder.exists() and api.folder.root.is_dir()  # the job's folders go, the root stays
    assert api.client.get(f"/v1/jobs/{job_id}").status_code == 404
    assert api.client.get(f"/v1/artifacts/{artifacts[0]['id']}").status_code == 404
    assert api.client.delete(f"/v1/jobs/{job_id}").status_code == 404


def test_items_offset_limit_and_state(api: Api) -> None:
    job_id = api.submit(prompts=[f"p{i}" for i in range(7)])["id"]
    page = api.client.get(f"/v1/jobs/{job_id}/items", params={"offset": 2, "limit": 3}).json()
    assert [i["index"] for i in page["data"]] == [2, 3, 4]
    assert page["next_offset"] == 5
    last = api.client.get(f"/v1/jobs/{job_id}/items", params={"offset": 5, "limit": 3}).json()
    assert [i["index"] for i in last["data"]] == [5, 6] and last["next_offset"] is None
    assert last["data"][0]["item"]["user_prompt"] == "p5"
    none_done = api.client.get(f"/v1/jobs/{job_id}/items", params={"state": "done"}).json()
    assert none_done["data"] == []


@pytest.mark.parametrize("storage", ON_STORAGE)
def test_artifact_download_and_range(make_api: ApiFactory, storage: str) -> None:
    api = make_api(**ON_STORAGE[storage])
    job_id = api.submit(prompts=["a lighthouse"])["id"]
    with api.worker:
        api.wait_final(job_id)
    artifact = api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"][0]
    full = api.client.get(artifact["url"])
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/png"
    assert len(full.content) == artifact["size_bytes"] > 100
    assert full.headers["accept-ranges"] == "bytes"
    part = api.client.get(artifact["url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert len(part.content) == 100
    assert part.content == full.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(full.content)}"
    assert api.client.get("/v1/artifacts/nope").status_code == 404


@pytest.mark.parametrize(("worker", "storage"), [("fake", "folder"), ("real", "folder"), ("real", "s3")])
def test_zip_holds_every_image(make_api: ApiFactory, worker: WorkerKind, storage: str) -> None:
    api = make_api(worker=worker, **ON_STORAGE[storage])
    job_id = api.submit(prompts=["a", "b", "c"], defaults={"format": "webp", **SMALL}, start_seed=1)["id"]
    with api.run_worker():
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    response = api.client.get(f"/v1/jobs/{job_id}/zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert f"kiln-{job_id}.zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["00000_1.webp", "00001_2.webp", "00002_3.webp"]
        for name in archive.namelist():
            assert Image.open(io.BytesIO(archive.read(name))).format == "WEBP"


def test_ten_thousand_items(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    prompts = [f"a lighthouse on a cliff at dusk, variation {i}" for i in range(10_000)]
    api.submit(prompts=["warm up"])
    started = time.perf_counter()
    response = api.client.post("/v1/jobs", json={"prompts": prompts, "defaults": {"style": "cinematic"}})
    elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert response.json()["total"] == 10_000
    job = api.job(job_id)
    assert job["counts"]["pending"] == 10_000
    tail = api.client.get(f"/v1/jobs/{job_id}/items", params={"offset": 9_995, "limit": 10}).json()["data"]
    assert [i["index"] for i in tail] == [9_995, 9_996, 9_997, 9_998, 9_999]
    assert tail[-1]["item"]["user_prompt"] == "a lighthouse on a cliff at dusk, variation 9999"
    with capsys.disabled():
        print(f"\n10,000-item submit answered in {elapsed:.3f} s (SQLite store, TestClient)")


def test_over_max_items_names_n(make_api: ApiFactory) -> None:
    api = make_api(max_items=10)
    response = api.client.post("/v1/jobs", json={"prompts": ["a", "b"], "n": 6})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "n"
    assert "limit of 10" in response.json()["error"]["message"]


@pytest.mark.parametrize("prefix", ["../x", "/abs", "a/../../b", "~root/x", "x\x00y", "..\\evil"])
def test_prefix_cannot_escape(api: Api, prefix: str) -> None:
    response = api.client.post("/v1/jobs", json={"prompts": ["a"], "prefix": prefix})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "prefix"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompts": ["a"], "items": [{"prompt": "b"}]}, "prompts"),
        ({}, "items"),
        ({"items": []}, "items"),
        ({"prompts": ["  "]}, "prompts.0"),
        ({"items": [{"prompt": "a"}, {"prompt": "b", "width": "wide"}]}, "items.1.width"),
        ({"items": [{"prompt": "a"}, {"prompt": "b", "width": 33}]}, "items.1.width"),
        ({"items": [{"prompt": "a", "model": "no-such-model"}]}, "items.0.model"),
        ({"prompts": ["a"], "defaults": {"width": 33}}, "defaults.width"),
        ({"prompts": ["a"], "defaults": {"style": "no such style"}}, "defaults.style"),
        ({"prompts": ["a"], "defaults": {"prompt": "x"}}, "defaults.prompt"),
        ({"prompts": ["a"], "defaults": {"scheduler": "warp"}}, "defaults.scheduler"),
        ({"prompts": ["a"], "priority": 11}, "priority"),
        ({"prompts": ["a"], "n": 0}, "n"),
        ({"prompts": ["a"], "bogus": 1}, "bogus"),
        ({"prompts": ["a"], "kind": "podcast"}, "kind"),
        ({"kind": "video"}, "items"),
        ({"prompts": ["a"], "webhook_url": "ftp://example.com"}, "webhook_url"),
        ({"prompts": ["a"], "start_seed": -1}, "start_seed"),
        ({"prompts": ["a"], "micro_batch": 0}, "micro_batch"),
    ],
)
def test_bad_input_names_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.client.post("/v1/jobs", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_input"
    assert error["field"] == field
    assert error["message"]


def test_malformed_json_is_422(api: Api) -> None:
    response = api.client.post("/v1/jobs", content=b'{"prompts": [', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body"


def test_unknown_routes_and_methods(api: Api) -> None:
    missing = api.client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"type": "not_found", "message": "Not Found", "field": None}}
    assert api.client.get("/v1/jobs/01NOSUCHJOB").json()["error"]["type"] == "not_found"
    wrong = api.client.put("/v1/jobs")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["type"] == "method_not_allowed"


def test_openapi_docs(api: Api) -> None:
    assert api.client.get("/docs").status_code == 200
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/images", "/v1/images/generations", "/metrics"} <= set(paths)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://api.localhost/hook",
        "https://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        # the other IPv4 forms resolvers take for 127.0.0.1 (inet_aton's): hex, decimal, short, octal
        "http://0x7f000001/hook",
        "http://2130706433/hook",
        "http://127.1/hook",
        "http://0177.0.0.1/hook",
        "http://0x7f.1:8000/hook",
        "http://012.0x1/hook",  # 10.0.0.1
    ],
)
def test_a_webhook_to_this_machine_or_a_private_network_is_refused(api: Api, url: str) -> None:
    response = api.client.post("/v1/jobs", json={"prompts": ["a"], "webhook_url": url})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "webhook_url" and "KILN_WEBHOOK_ALLOW_PRIVATE" in error["message"]
    assert api.store.list_jobs() == []


def test_webhooks_to_public_hosts_or_allowed_private_ones_are_taken(make_api: ApiFactory) -> None:
    api = make_api()
    assert api.submit(prompts=["a"], webhook_url="https://hooks.example.com/kiln")["state"] == "queued"
    private = make_api(webhook_allow_private=True)
    assert private.submit(prompts=["a"], webhook_url="http://127.0.0.1:9000/hook")["state"] == "queued"


def _model_error(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post(path, json=body)
    assert response.status_code == 422, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize(
    "model",
    ["/etc", "/srv/models/sdxl.safetensors", "../models/x", "./models", "~/models", "C:\\models\\x", "x.ckpt",
     "org/x.safetensors", "a/b/c", "org/../etc"],
)  # fmt: skip
def test_model_paths_are_not_for_api_callers(api: Api, model: str) -> None:
    error = _model_error(api, "/v1/jobs", {"items": [{"prompt": "a", "model": model}]})
    assert error["field"] == "items.0.model" and "KILN_DEFAULT_MODEL" in error["message"]
    error = _model_error(api, "/v1/jobs", {"prompts": ["a"], "defaults": {"model": model}})
    assert error["field"] == "defaults.model"
    assert _model_error(api, "/v1/images", {"prompt": "a", "model": model})["field"] == "model"
    assert _model_error(api, "/v1/tokens", {"prompt": "a", "model": model})["field"] == "model"


def test_an_api_caller_cannot_probe_the_disk(
    make_api: ApiFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "org" / "real"
    folder.mkdir(parents=True)
    (folder / "model_index.json").write_text('{"_kiln_builtin": "tiny-sd"}')  # a model the server could load
    monkeypatch.chdir(tmp_path)
    api = make_api()
    real = _model_error(api, "/v1/jobs", {"items": [{"prompt": "a", "model": "org/real"}]})
    missing = _model_error(api, "/v1/jobs", {"items": [{"prompt": "a", "model": "org/none"}]})
    assert real["message"] == missing["message"].replace("org/none", "org/real")  # both: not a hub id kiln knows
    assert api.submit(items=[{"prompt": "a", "model": "stabilityai/sdxl-turbo"}])["total"] == 1


def test_the_default_model_may_be_local(make_api: ApiFactory, tmp_path: Path) -> None:
    folder = tmp_path / "served-model"
    folder.mkdir()
    (folder / "model_index.json").write_text('{"_kiln_builtin": "tiny-sd"}')
    other = tmp_path / "other-model"
    other.mkdir()
    (other / "model_index.json").write_text('{"_kiln_builtin": "tiny-sd"}')
    api = make_api(default_model=str(folder))
    for body in ({"prompts": ["a"]}, {"items": [{"prompt": "a", "model": str(folder)}]}):
        created = api.submit(**body)
        [item] = api.client.get(f"/v1/jobs/{created['id']}/items").json()["data"]
        assert item["item"]["model"] == str(folder)
    assert _model_error(api, "/v1/jobs", {"items": [{"prompt": "a", "model": str(other)}]})["field"] == "items.0.model"
    tokens = api.client.post("/v1/tokens", json={"prompt": "a"})  # allowed: it reads the folder (no tokenizer)
    assert tokens.json()["error"]["type"] == "model_unavailable"


def test_a_polled_status_may_be_a_moment_old_unless_asked_fresh(make_api: ApiFactory) -> None:
    api = make_api(status_cache_seconds=60)  # a long lifetime, so what the cache does shows
    job = api.submit(prompts=["a lighthouse"])
    assert api.job(job["id"])["state"] == "queued"
    api.store.cancel_job(job["id"])  # changed behind the API's back (as a worker would)
    assert api.job(job["id"])["state"] == "queued"  # the cached record
    fresh = api.job(job["id"], headers={"Cache-Control": "no-cache"})
    assert fresh["state"] == "canceled"  # read anew, and kept for the next pollers
    assert api.job(job["id"])["state"] == "canceled"
    # the API's own changes are seen at once
    assert api.client.post(f"/v1/jobs/{job['id']}/retry").status_code == 200
    assert api.job(job["id"])["state"] in ("queued", "running")
