"""Request building and response parsing: what each method sends, and what it makes of the answer."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx
import pytest

from kiln.sdk import Artifact, Client, JobStatus, Result
from kiln.sdk.calls import SYNC_TIMEOUT, generate
from tests.sdk.fakes import BASE, KEY, Recorder, async_client, client, job_body


def created(job_id: str = "job_1") -> httpx.Response:
    return httpx.Response(202, json={"id": job_id, "kind": "images", "state": "queued", "total": 4, "links": {}})


def test_auth_header_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=job_body()))
    with client(recorder) as kiln:
        kiln.get_job("job_1")
    request = recorder.last
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["user-agent"].startswith("kiln-sdk")
    assert str(request.url) == f"{BASE}/v1/jobs/job_1"


def test_defaults_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILN_URL", "http://from-env:9000/prefix/")
    monkeypatch.setenv("KILN_API_KEY", "kiln_env")
    recorder = Recorder(lambda request: httpx.Response(200, json={"status": "ok"}))
    with Client(transport=httpx.MockTransport(recorder)) as kiln:
        assert kiln.base_url == "http://from-env:9000/prefix"
        kiln.health()
    assert str(recorder.last.url) == "http://from-env:9000/prefix/healthz"
    assert recorder.last.headers["authorization"] == "Bearer kiln_env"


def test_no_key_no_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KILN_API_KEY", raising=False)
    recorder = Recorder(lambda request: httpx.Response(200, json={"status": "ok"}))
    with Client(BASE, transport=httpx.MockTransport(recorder)) as kiln:
        kiln.health()
    assert "authorization" not in recorder.last.headers


def test_submit_with_prompts_sends_only_what_was_given() -> None:
    recorder = Recorder([created()])
    with client(recorder) as kiln:
        job = kiln.submit_job(["a fox", "a heron"], defaults={"style": "photo", "steps": 4}, n=2, priority=3)
    assert recorder.last.method == "POST" and recorder.last.url.path == "/v1/jobs"
    assert recorder.json() == {
        "kind": "images",
        "prompts": ["a fox", "a heron"],
        "defaults": {"style": "photo", "steps": 4},
        "n": 2,
        "priority": 3,
    }
    assert job.id == "job_1"
    assert job.status.state == "queued" and job.status.total == 4 and not job.status.is_final


def test_submit_with_items() -> None:
    recorder = Recorder([created()])
    with client(recorder) as kiln:
        kiln.submit_job(items=[{"prompt": "a", "seed": 1, "name": "scene-1"}, {"prompt": "b"}], save=False)
    assert recorder.json() == {
        "kind": "images",
        "items": [{"prompt": "a", "seed": 1, "name": "scene-1"}, {"prompt": "b"}],
        "n": 1,
        "save": False,
    }


def test_one_string_is_not_a_list_of_prompts() -> None:
    with client(Recorder([])) as kiln, pytest.raises(TypeError, match="list of strings"):
        kiln.submit_job("a fox")  # a str is a Sequence[str] to a type checker


def test_job_status_parses_the_full_view() -> None:
    body = job_body(
        state="failed",
        counts={"pending": 0, "running": 0, "done": 0, "failed": 2, "canceled": 0},
        progress=1.0,
        started_at="2026-01-01T00:00:01Z",
        finished_at="2026-01-01T00:00:05Z",
        elapsed_seconds=4.0,
        error="no item of 2 succeeded",
        errors=[{"index": 0, "error": "boom"}, {"index": 1, "error": None}],
        something_new="ignored",
    )
    status = JobStatus.model_validate(body)
    assert status.is_final and status.counts.failed == 2 and status.error == "no item of 2 succeeded"
    assert [e.index for e in status.errors] == [0, 1]
    assert status.finished_at is not None and status.finished_at.second == 5
    assert status.results is None


def test_get_job_with_results_and_ids_are_quoted() -> None:
    result = {
        "index": 0,
        "artifact_id": "art_1",
        "url": f"{BASE}/v1/artifacts/art_1",
        "content_type": "image/png",
        "width": 64,
        "height": 64,
        "seed": 5,
        "metadata": {"prompt": "a fox"},
    }
    recorder = Recorder(lambda request: httpx.Response(200, json=job_body("a/b", "completed", results=[result])))
    with client(recorder) as kiln:
        job = kiln.get_job("a/b")
        results = job.results()
    assert recorder.requests[0].url.raw_path == b"/v1/jobs/a%2Fb"
    assert recorder.last.url.params["include"] == "results"
    assert results == [Result.model_validate(result)]
    assert job.status.state == "completed"


def test_list_jobs_paginates() -> None:
    pages = {
        None: {"data": [job_body("j3"), job_body("j2")], "next": "j2"},
        "j2": {"data": [job_body("j1")], "next": None},
    }
    recorder = Recorder(lambda request: httpx.Response(200, json=pages[request.url.params.get("before")]))
    with client(recorder) as kiln:
        page = kiln.list_jobs(state=["queued", "running"], limit=2)
        assert [job.id for job in page] == ["j3", "j2"] and page.next == "j2"
        assert recorder.last.url.params.get_list("state") == ["queued", "running"]
        assert [job.id for job in kiln.iter_jobs(page_size=2)] == ["j3", "j2", "j1"]
    assert recorder.last.url.params["limit"] == "2"


def test_set_priority_patches_the_job() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=job_body(state="queued") | {"priority": 4}))
    with client(recorder) as kiln:
        assert kiln.set_priority("job_1", 4).priority == 4
        assert kiln.get_job("job_1").set_priority(4).priority == 4

    async def main() -> None:
        async with async_client(recorder) as akiln:
            assert (await akiln.set_priority("job_1", 4)).priority == 4
            assert (await (await akiln.get_job("job_1")).set_priority(4)).priority == 4

    asyncio.run(main())
    patches = [n for n, r in enumerate(recorder.requests) if r.method == "PATCH"]
    assert {recorder.requests[n].url.path for n in patches} == {"/v1/jobs/job_1"}
    assert [recorder.json(n) for n in patches] == [{"priority": 4}] * 4


def test_cancel_retry_delete() -> None:
    answers = [
        httpx.Response(200, json=job_body(state="canceled")),
        httpx.Response(200, json=job_body(state="queued")),
        httpx.Response(204),
    ]
    recorder = Recorder(answers)
    with client(recorder) as kiln:
        assert kiln.cancel("job_1").state == "canceled"
        assert kiln.retry("job_1").state == "queued"
        kiln.delete("job_1")
    assert [(r.method, r.url.path) for r in recorder.requests] == [
        ("POST", "/v1/jobs/job_1/cancel"),
        ("POST", "/v1/jobs/job_1/retry"),
        ("DELETE", "/v1/jobs/job_1"),
    ]


def test_items_and_artifacts() -> None:
    item = {
        "id": 1,
        "index": 0,
        "state": "done",
        "attempts": 1,
        "error": None,
        "started_at": None,
        "finished_at": None,
        "item": {"prompt": "a fox", "seed": 5},
    }
    artifact = {
        "id": "art_1",
        "index": 0,
        "item_id": 1,
        "url": f"{BASE}/v1/artifacts/art_1",
        "content_type": "image/png",
        "size_bytes": 10,
        "width": 64,
        "height": 64,
        "metadata": {},
        "created_at": "2026-01-01T00:00:00Z",
    }
    answers = [
        httpx.Response(200, json={"data": [item], "offset": 0, "limit": 1, "next_offset": 1}),
        httpx.Response(200, json={"data": [artifact]}),
    ]
    recorder = Recorder(answers)
    with client(recorder) as kiln:
        page = kiln.items("job_1", state="done", limit=1)
        artifacts = kiln.artifacts("job_1")
    assert page.next_offset == 1 and page.data[0].item["seed"] == 5
    assert recorder.requests[0].url.params.get_list("state") == ["done"]
    assert artifacts == [Artifact.model_validate(artifact)]


def test_generate_decodes_inline_images_and_fetches_urls(tmp_path: Path) -> None:
    png = b"\x89PNG fake"

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/images":
            data = [
                {"b64_json": base64.b64encode(png).decode(), "seed": 1, "width": 64, "height": 64, "metadata": {}},
                {
                    "url": f"{BASE}/v1/artifacts/a2?expires=1&signature=s",
                    "seed": 2,
                    "width": 64,
                    "height": 64,
                    "metadata": {"prompt": "a fox"},
                },
            ]
            return httpx.Response(200, json={"created": 1, "job_id": "job_9", "data": data})
        return httpx.Response(200, content=b"from url", headers={"content-type": "image/png"})

    recorder = Recorder(answer)
    with client(recorder) as kiln:
        images = kiln.generate("a fox", n=2, seed=1, steps=4, timeout=30)
    assert recorder.json(0) == {"prompt": "a fox", "n": 2, "seed": 1, "steps": 4, "timeout": 30}
    assert recorder.requests[0].extensions["timeout"]["read"] == 40.0  # the server's wait, and a margin
    assert [image.data for image in images] == [png, b"from url"]
    assert images[1].seed == 2 and images[1].metadata == {"prompt": "a fox"}
    assert recorder.requests[1].url.params["signature"] == "s"
    assert images[0].save(tmp_path / "one.png").read_bytes() == png


def test_generate_waits_as_long_as_the_server_by_default() -> None:
    assert generate("a fox", {}).timeout == SYNC_TIMEOUT + 10.0


def test_download_to_bytes_file_and_folder(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        headers = {"content-type": "image/webp", "content-disposition": f'inline; filename="../{name}-00001.webp"'}
        return httpx.Response(200, content=b"bytes of " + name.encode(), headers=headers)

    result = Result(index=3, artifact_id="art_3", content_type="image/png", metadata={"item": {"name": "scene-3"}})
    with client(Recorder(answer)) as kiln:
        assert kiln.download("art_1") == b"bytes of art_1"
        assert kiln.download("art_1", tmp_path / "x.bin").read_bytes() == b"bytes of art_1"
        assert kiln.download("art_2", tmp_path) == tmp_path / "art_2-00001.webp"  # the server's name, no folders
        assert kiln.download(result, tmp_path) == tmp_path / "scene-3.png"
        assert kiln.download_zip("job_1", tmp_path) == tmp_path / "job_1.zip"
    assert not list(tmp_path.glob(".kiln-*"))  # no temporary files left


def test_download_all_names_files_after_items(tmp_path: Path) -> None:
    results = [
        {"index": 0, "artifact_id": "a0", "content_type": "image/png", "seed": 7, "metadata": {}},
        {"index": 1, "artifact_id": "a1", "content_type": "image/jpeg", "metadata": {"item": {"name": "intro"}}},
        {"index": 2, "artifact_id": "a2", "content_type": "image/jpeg", "metadata": {"item": {"name": "../intro"}}},
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1/jobs/"):
            return httpx.Response(200, json=job_body(state="completed", results=results))
        return httpx.Response(200, content=request.url.path.encode())

    with client(Recorder(answer)) as kiln:
        paths = kiln.get_job("job_1").download_all(tmp_path / "out")
    assert [p.name for p in paths] == ["00000_7.png", "intro.jpg", "intro-00002.jpg"]
    assert paths[2].read_bytes() == b"/v1/artifacts/a2"


def test_info_endpoints() -> None:
    bodies = {
        "/v1/tokens": {
            "model": "tiny-sd",
            "family": "sd15",
            "encoders": [
                {
                    "encoder": "text_encoder",
                    "kind": "clip",
                    "tokens": 80,
                    "limit": 77,
                    "truncated": True,
                    "overflow_words": ["late"],
                }
            ],
        },
        "/v1/models": {"data": [{"id": "tiny-sd", "family": "sd15", "default": True}]},
        "/v1/styles": {"data": [{"name": "photo", "prompt": "{prompt}, photo", "negative": "drawing"}]},
        "/v1/usage": {
            "owner": "key_1",
            "key_name": "ci",
            "images_last_24h": 3,
            "quota": 10,
            "remaining": 7,
            "window_hours": 24,
            "rule": "images per rolling 24 hours",
        },
        "/v1/presets": {"qualities": ["fast"]},
        "/readyz": {"status": "ready"},
    }
    recorder = Recorder(lambda request: httpx.Response(200, json=bodies[request.url.path]))
    with client(recorder) as kiln:
        report = kiln.tokens("a long prompt", model="tiny-sd")
        assert recorder.json() == {"prompt": "a long prompt", "model": "tiny-sd"}
        assert report.encoders[0].truncated and report.encoders[0].overflow_words == ("late",)
        assert kiln.models()[0].default
        assert kiln.styles()[0].negative == "drawing"
        usage = kiln.usage()
        assert (usage.quota, usage.remaining, usage.window_hours, usage.rule) == (
            10,
            7,
            24,
            "images per rolling 24 hours",
        )
        assert kiln.presets() == {"qualities": ["fast"]}
        assert kiln.ready() == {"status": "ready"}
