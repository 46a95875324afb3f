"""One answer shape everywhere: job links on POST and GET, Range errors as JSON, limits naming the right field,
signed URLs that outlive the process that signed them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiln.api import create_app
from kiln.config import Settings
from kiln.jobs.sql import SqlStore, migrate
from kiln.storage.local import LocalStorage
from tests.api.conftest import Api, ApiFactory
from tests.api.fakes import FakeWorker

LINK_NAMES = {"self", "events", "items", "artifacts", "zip", "cancel"}


def test_job_links_have_one_shape_on_post_and_get(api: Api) -> None:
    created = api.submit(prompts=["a red fox"])
    job_id = created["id"]
    expected = f"http://testserver/v1/jobs/{job_id}"
    assert set(created["links"]) == LINK_NAMES and created["links"]["self"] == expected
    polled = api.job(job_id)  # the cached, pre-rendered path
    assert polled["links"] == created["links"]
    with_results = api.job(job_id, include="results")  # the path through the response model
    assert with_results["links"] == created["links"]
    listed = api.client.get("/v1/jobs").json()["data"][0]
    assert listed["links"] == created["links"]
    canceled = api.client.post(f"/v1/jobs/{job_id}/cancel").json()
    assert canceled["links"] == created["links"]


def _artifact_url(api: Api) -> tuple[str, int]:
    job_id = api.submit(prompts=["a lighthouse"])["id"]
    with api.worker:
        api.wait_final(job_id)
    artifact = api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"][0]
    return artifact["url"], artifact["size_bytes"]


@pytest.mark.parametrize("header", ["bytes", "items=0-10", "bytes=abc", "bytes=50-10"])
def test_a_malformed_range_is_a_json_400(api: Api, header: str) -> None:
    url, _ = _artifact_url(api)
    response = api.client.get(url, headers={"Range": header})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] == "invalid_range" and error["field"] == "Range" and "bytes=0-1023" in error["message"]


def test_a_range_past_the_end_is_a_json_416_with_the_size(api: Api) -> None:
    url, size = _artifact_url(api)
    response = api.client.get(url, headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-range"] == f"bytes */{size}"
    error = response.json()["error"]
    assert error["type"] == "range_not_satisfiable" and str(size) in error["message"]
    assert api.client.get(url, headers={"Range": "bytes=0-9"}).status_code == 206  # a good range still works


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompts": ["p"] * 11}, "prompts"),
        ({"items": [{"prompt": "p"}] * 11}, "items"),
        ({"prompts": ["p"] * 11, "n": 2}, "prompts"),
        ({"prompts": ["a", "b"], "n": 6}, "n"),
    ],
)
def test_too_many_items_names_the_list_or_n(make_api: ApiFactory, body: dict[str, Any], field: str) -> None:
    api = make_api(max_items=10)
    response = api.client.post("/v1/jobs", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field
    assert "limit of 10 items per job" in error["message"]


def test_ten_thousand_and_one_prompts_blame_prompts(api: Api) -> None:
    response = api.client.post("/v1/jobs", json={"prompts": ["a fox"] * 10_001})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "prompts"
    assert "10001 prompts" in error["message"] and "limit of 10000 items" in error["message"]


def _app(root: Path, **overrides: Any) -> tuple[TestClient, SqlStore, LocalStorage]:
    overrides = {"data_dir": root / "data", **overrides}
    settings = Settings(output_dir=root / "outputs", auth="on", **overrides)
    url = f"sqlite:///{root / 'kiln.db'}"
    migrate(url)
    store = SqlStore(url)
    storage = LocalStorage(settings.output_dir)
    return TestClient(create_app(settings, store=store, keys=store, storage=storage)), store, storage


def _signed_url(client: TestClient, store: SqlStore, storage: LocalStorage) -> str:
    """A signed URL of a fresh image, as `POST /v1/images` hands it out."""
    _, token = store.create_key("signer")
    with FakeWorker(store, storage):
        body = {"prompt": "a kiln", "response_format": "url"}
        response = client.post("/v1/images", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    url: str = response.json()["data"][0]["url"]
    assert "signature=" in url
    return url


@pytest.mark.parametrize("overrides", [{}, {"url_secret": "a-secret-set-by-the-operator"}])
def test_a_signed_url_outlives_the_process_that_signed_it(tmp_path: Path, overrides: dict[str, Any]) -> None:
    first, store, storage = _app(tmp_path, **overrides)
    url = _signed_url(first, store, storage)
    assert first.get(url).status_code == 200
    first.close()
    store.close()
    restarted, store, _ = _app(tmp_path, **overrides)  # a new app (a restart, or a second API process)
    try:
        response = restarted.get(url)
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
        tampered = url.replace("signature=", "signature=0")
        assert restarted.get(tampered).status_code == 401  # still checked, not open
    finally:
        restarted.close()
        store.close()
    if not overrides:
        secret = tmp_path / "data" / "url_secret"
        assert secret.stat().st_mode & 0o777 == 0o600


def test_the_operators_secret_is_used_when_set(tmp_path: Path) -> None:
    one, store_one, storage = _app(tmp_path / "one", url_secret="shared-by-every-api-process")
    url = _signed_url(one, store_one, storage)
    # another data folder with the same secret verifies it; one with its own does not
    same, store_same, _ = _app(tmp_path / "one", data_dir=tmp_path / "two", url_secret="shared-by-every-api-process")
    other, store_other, _ = _app(tmp_path / "one", data_dir=tmp_path / "elsewhere")
    try:
        assert same.get(url).status_code == 200
        assert other.get(url).status_code == 401
        assert not (tmp_path / "one" / "data" / "url_secret").exists()
    finally:
        for client, store in ((one, store_one), (same, store_same), (other, store_other)):
            client.close()
            store.close()
