"""A hostile client against the real app, on both SQL stores (SQLite and PostgreSQL), with a real worker.

Each case is what an attacker or a careless client sent to `kiln serve` and got a 500 for: NUL bytes and junk in
ids, decompression-bomb images, lone surrogates, long non-ASCII prefixes, private input URLs, an upload to storage
that cannot take it. Every answer must be a 4xx naming the field (507 for the storage), no server path may show,
and afterwards the server answers `/healthz` and the worker still makes an image.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text

from kiln.api import create_app
from kiln.api.inputs import upload_key
from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.engine.init_images import open_init_image
from kiln.errors import InvalidInput
from kiln.jobs.ids import new_id
from kiln.jobs.records import NewJob
from kiln.jobs.spec import MAX_PROMPT_CHARS
from kiln.jobs.sql import SqlStore, migrate
from kiln.jobs.sql.engine import make_engine
from kiln.media.audio import write_tone
from kiln.storage.local import LocalStorage
from kiln.task_item import TaskItem
from kiln.worker.service import FailureNotRecorded, JobWorker
from kiln.worker.task_inputs import resolve_inputs
from tests.bomb import bomb_png
from tests.postgres import migrated_postgres

pytestmark = pytest.mark.timeout(180)

TINY = {"model": "tiny-sd", "width": 64, "height": 64, "steps": 2}
BAD_IDS = ["0" * 25 + "\x00", "\x00", "01ARZ3NDEKTSV4RRFFQ69G5FA\x00", "U" * 26, "1"]


def small_png(color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 40), color).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Server:
    client: TestClient
    store: SqlStore
    storage: LocalStorage
    worker: JobWorker
    root: Path
    alice: dict[str, str]
    bob: dict[str, str]
    url: str

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=headers or self.alice)
        assert response.status_code < 500, response.text
        answer: dict[str, Any] = {"status": response.status_code, **response.json()}
        return answer

    def refused(self, path: str, body: Any, field: str, headers: dict[str, str] | None = None) -> str:
        """The message of a 422 that names `field`; never with a server path in it."""
        answer = self.post(path, body, headers)
        assert answer["status"] == 422 and answer["error"]["field"] == field, answer
        message: str = answer["error"]["message"]
        assert str(self.root) not in message and "/uploads/" not in message, message
        return message

    def upload(self, name: str, data: bytes, headers: dict[str, str] | None = None) -> str:
        response = self.client.post("/v1/uploads", files={"file": (name, data)}, headers=headers or self.alice)
        assert response.status_code == 201, response.text
        ref: str = response.json()["ref"]
        return ref

    def planted(self, name: str, data: bytes) -> str:
        """An upload of alice's whose file is replaced by `data` afterwards (uploads are checked when uploaded)."""
        ref = self.upload(name, small_png())
        self.upload_file(ref).write_bytes(data)
        return ref

    def upload_file(self, ref: str) -> Path:
        """The stored file of the upload `ref` names, to change it behind the API's back."""
        [path] = self.storage.path("uploads").rglob(f"{ref.removeprefix('upload:')}.*")
        return path

    def submit(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> str:
        answer = self.post("/v1/jobs", body, headers)
        assert answer["status"] == 202, answer
        job_id: str = answer["id"]
        return job_id

    def run(self, job_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        while self.worker.run_once():
            pass
        response = self.client.get(f"/v1/jobs/{job_id}", params={"include": "results"}, headers=headers or self.alice)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        return job

    def refuse_item_errors(self, like: str) -> None:
        """Make the database itself refuse to store an item error LIKE `like`, as PostgreSQL refuses text it
        cannot hold."""
        engine = make_engine(self.url)
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"ALTER TABLE items ADD CONSTRAINT refused CHECK (error NOT LIKE '{like}')"))
            else:
                conn.execute(
                    text(
                        f"CREATE TRIGGER refused BEFORE UPDATE ON items WHEN NEW.error LIKE '{like}' "
                        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                    )
                )
        engine.dispose()

    def video_job(self, request: dict[str, Any]) -> str:
        """A video job put straight into the store (as one submitted before today's checks would be)."""
        key = self.store.authenticate(self.alice["Authorization"].removeprefix("Bearer "))
        assert key is not None
        new = NewJob(kind="video", owner=key.id, request={"items": [request]})
        return self.store.create_job(new, [TaskItem(0, "video", request, model=request["model"])]).id

    def stays_up(self) -> None:
        assert self.client.get("/healthz").status_code == 200
        job = self.run(self.submit({"prompts": ["still standing"], "defaults": TINY}))
        assert job["state"] == "completed", job


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, engine: Engine, tmp_path: Path) -> Iterator[Server]:
    settings = Settings(data_dir=tmp_path / "data", output_dir=tmp_path / "out", threads=2, status_cache_seconds=0)
    with migrated_postgres() if request.param == "postgres" else _sqlite(tmp_path) as url:
        store = SqlStore(url)
        storage = LocalStorage(settings.output_dir)
        client = TestClient(create_app(settings, store=store, keys=store, storage=storage))
        worker = JobWorker(store, engine, storage, settings, "hostile-worker")
        keys = {name: {"Authorization": f"Bearer {store.create_key(name)[1]}"} for name in ("alice", "bob")}
        try:
            yield Server(client, store, storage, worker, tmp_path, keys["alice"], keys["bob"], url)
        finally:
            client.close()
            store.close()


class _sqlite:
    def __init__(self, root: Path) -> None:
        self.url = f"sqlite:///{root / 'kiln.db'}"

    def __enter__(self) -> str:
        migrate(self.url)
        return self.url

    def __exit__(self, *_: object) -> None:
        return None


def test_ids_with_nul_bytes_or_of_the_wrong_form_are_not_found(server: Server) -> None:
    job_id = server.submit({"prompts": ["a real job"], "defaults": TINY})
    for bad_id in BAD_IDS:
        bad = quote(bad_id, safe="")  # as a client sends it in a path: %00
        for method, path in [
            ("GET", f"/v1/jobs/{bad}"),
            ("GET", f"/v1/jobs/{bad}/items"),
            ("GET", f"/v1/jobs/{bad}/artifacts"),
            ("GET", f"/v1/jobs/{bad}/zip"),
            ("GET", f"/v1/jobs/{bad}/events"),
            ("POST", f"/v1/jobs/{bad}/cancel"),
            ("POST", f"/v1/jobs/{bad}/retry"),
            ("DELETE", f"/v1/jobs/{bad}"),
            ("GET", f"/v1/artifacts/{bad}"),
        ]:
            response = server.client.request(method, path, headers=server.alice)
            assert response.status_code == 404, (method, repr(path), response.text)
        response = server.client.post(f"/v1/jobs/{bad}/control", json={"action": "pause"}, headers=server.alice)
        assert response.status_code == 404, (repr(bad_id), response.text)
        response = server.client.patch(f"/v1/jobs/{bad}", json={"priority": 1}, headers=server.alice)
        assert response.status_code == 404, (repr(bad_id), response.text)
        response = server.client.get("/v1/jobs", params={"before": bad_id}, headers=server.alice)
        assert response.status_code == 422 and response.json()["error"]["field"] == "before", response.text
        why = "control character" if "\x00" in bad_id else "no artifact"  # a NUL is refused before any lookup
        video = {"model": "tiny-ltx", "frames": 9, "image": f"artifact:{bad_id}"}
        assert why in server.refused("/v1/jobs", {"kind": "video", "items": [video]}, "items.0.image")
        image = {"prompt": "x", **TINY, "init_image": f"artifact:{bad_id}"}
        assert why in server.refused("/v1/jobs", {"items": [image]}, "items.0.init_image")
    with server.client.websocket_connect("/v1/ws", headers=server.alice) as ws:
        for bad_id in BAD_IDS:
            ws.send_json({"action": "subscribe", "job_id": bad_id})
            notice = ws.receive_json()
            assert notice["type"] == "ws.error" and notice["data"]["field"] == "job_id", notice
        ws.send_json({"action": "subscribe", "job_id": job_id})  # the socket is still open and serves
        assert ws.receive_json()["type"] == "ws.subscribed"
    server.stays_up()


def test_decompression_bombs_are_refused_by_their_header(server: Server) -> None:
    response = server.client.post("/v1/uploads", files={"file": ("bomb.png", bomb_png())}, headers=server.alice)
    assert response.status_code == 422 and "KILN_MAX_INPUT_PIXELS" in response.text, response.text
    bomb = server.planted("bomb.png", bomb_png())  # a file that became a bomb after its upload
    assert len(bomb_png()) < 200_000
    limit = "64,000,000 pixels"
    message = server.refused("/v1/jobs", {"items": [{"prompt": "x", **TINY, "init_image": bomb}]}, "items.0.init_image")
    assert limit in message and "KILN_MAX_INPUT_PIXELS" in message and bomb in message
    body = {"prompts": ["x"], "defaults": {**TINY, "init_image": bomb}}
    assert limit in server.refused("/v1/jobs", body, "defaults.init_image")
    assert limit in server.refused("/v1/images", {"prompt": "x", **TINY, "init_image": bomb}, "init_image")
    video = {"model": "tiny-ltx", "frames": 9, "width": 32, "height": 32, "steps": 2, "image": bomb}
    assert limit in server.refused("/v1/jobs", {"kind": "video", "items": [video]}, "items.0.image")
    animation = {"model": "tiny-sd", "prompts": {"0": "a"}, "frames": 2, "width": 32, "height": 32, "init_image": bomb}
    assert limit in server.refused("/v1/jobs", {"kind": "animation", "items": [animation]}, "items.0.init_image")
    server.stays_up()


def test_the_worker_refuses_a_bomb_that_reached_it(server: Server) -> None:
    """A file that became a bomb after submit (or came by URL) is refused by the worker, which stays up."""
    ref = server.upload("start.png", small_png())
    job_id = server.submit({"items": [{"prompt": "x", **TINY, "init_image": ref}]})
    video = {"model": "tiny-ltx", "frames": 9, "width": 32, "height": 32, "steps": 2, "image": ref}
    video_job = server.submit({"kind": "video", "items": [video]})
    server.upload_file(ref).write_bytes(bomb_png())
    for job in (server.run(job_id), server.run(video_job)):
        assert job["state"] == "failed", job
        [error] = job["errors"]
        assert "KILN_MAX_INPUT_PIXELS" in error["error"] and str(server.root) not in error["error"], error
    server.stays_up()


def test_worker_failure_reasons_show_no_server_path(server: Server) -> None:
    """An input that is unreadable by the time the worker has it: the reason names the file, not the folders."""
    ref = server.upload("start.png", small_png())
    job_id = server.submit({"items": [{"prompt": "x", **TINY, "init_image": ref}]})
    video = {"model": "tiny-ltx", "frames": 9, "width": 32, "height": 32, "steps": 2, "image": ref}
    video_job = server.submit({"kind": "video", "items": [video]})
    server.upload_file(ref).write_bytes(b"no longer a picture")
    for job in (server.run(job_id), server.run(video_job)):
        assert job["state"] == "failed", job
        [error] = job["errors"]
        assert "/" not in error["error"].replace("inputs/", ""), error  # at most a path inside the task's folder
    server.stays_up()


def test_worker_failure_reasons_name_the_input_as_the_caller_sent_it(server: Server, tmp_path: Path) -> None:
    """Inputs that broke after submit (a truncated PNG with a valid header, a sound track that is noise) fail in
    the worker; each reason names `upload:<id>` or `artifact:<id>`, never a stored key or a file in the task folder."""
    whole = small_png()
    image_ref = server.upload("start.png", whole)
    made = server.run(server.submit({"prompts": ["a lighthouse"], "defaults": TINY}))
    artifact_ref = f"artifact:{made['results'][0]['artifact_id']}"
    tone = server.upload("tone.wav", write_tone(tmp_path / "tone.wav", seconds=1.0).read_bytes())
    video = {"model": "tiny-ltx", "frames": 9, "width": 32, "height": 32, "steps": 2, "image": image_ref}
    animation = {"model": "tiny-sd", "prompts": {"0": "a"}, "frames": 2, "width": 32, "height": 32, "audio": tone}
    shots = {"shots": [{"image": image_ref, "duration": 0.5}], "width": 32, "height": 32}
    jobs = {
        image_ref: server.submit({"items": [{"prompt": "x", **TINY, "init_image": image_ref}]}),
        artifact_ref: server.submit({"items": [{"prompt": "x", **TINY, "init_image": artifact_ref}]}),
    }
    motion = [
        (image_ref, server.submit({"kind": "video", "items": [video]})),
        (tone, server.submit({"kind": "animation", "items": [animation]})),
        (image_ref, server.submit({"kind": "assembly", "items": [shots]})),
    ]
    for ref in (image_ref, tone):
        path = server.upload_file(ref)
        path.write_bytes(path.read_bytes()[: len(whole) // 2] if ref == image_ref else bytes(range(256)) * 40)
    [made_file] = server.storage.path("").rglob("00000_*.png")
    made_file.write_bytes(made_file.read_bytes()[:200])
    for ref, job_id in [*jobs.items(), *motion]:
        job = server.run(job_id)
        assert job["state"] == "failed", job
        [error] = job["errors"]
        reason: str = error["error"]
        assert ref in reason and "inputs/" not in reason and "storage:" not in reason, (ref, reason)
        assert "uploads/" not in reason and str(server.root) not in reason, reason
    server.stays_up()


def test_the_worker_side_checks_read_only_the_header(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png())
    with pytest.raises(InvalidInput, match="KILN_MAX_INPUT_PIXELS") as raised:
        open_init_image(path)
    assert raised.value.field == "init_image" and str(tmp_path) not in raised.value.message
    storage = LocalStorage(tmp_path / "out")
    storage.write("uploads/k/bomb.png", bomb_png())
    settings = Settings(data_dir=tmp_path / "data", output_dir=tmp_path / "out", max_input_pixels=1000)
    request = {"shots": [{"image": "storage:uploads/k/bomb.png"}]}
    with pytest.raises(InvalidInput, match="1,000 pixels") as raised:
        resolve_inputs(request, storage=storage, work_dir=tmp_path / "work", settings=settings)
    assert raised.value.field == "shots.0.image"


def test_lone_surrogates_are_refused_naming_the_field(server: Server) -> None:
    cases: list[tuple[str, str, str]] = [
        ("/v1/jobs", '{"prompts": ["a\\ud800b"]}', "prompts.0"),
        ("/v1/jobs", '{"items": [{"prompt": "ok", "negative_prompt": "\\udfff"}]}', "items.0.negative_prompt"),
        ("/v1/jobs", '{"prompts": ["ok"], "prefix": "p\\ud800"}', "prefix"),
        (
            "/v1/jobs",
            '{"kind": "video", "items": [{"prompt": "waves \\ud800", "model": "tiny-ltx"}]}',
            "items.0.prompt",
        ),
        ("/v1/images", '{"prompt": "\\ud800"}', "prompt"),
        ("/v1/tokens", '{"prompt": "\\ud800"}', "prompt"),
    ]
    for path, body, field in cases:
        response = server.client.post(path, content=body, headers={**server.alice, "content-type": "application/json"})
        assert response.status_code == 422 and response.json()["error"]["field"] == field, (body, response.text)
        assert "surrogate" in response.json()["error"]["message"]
    # a pair is one real character, and fine
    assert server.post("/v1/jobs", {"prompts": ["a \U0001f600"], "defaults": TINY})["status"] == 202
    server.stays_up()


def test_long_non_ascii_prefixes_are_refused(server: Server) -> None:
    """260 bytes in 130 characters: more than a file name may hold (the byte check lands with issue 8, point 5)."""
    server.refused("/v1/jobs", {"prompts": ["x"], "prefix": "ä" * 130}, "prefix")
    server.stays_up()


def test_prompts_over_the_length_limit_are_refused_naming_the_field(server: Server) -> None:
    """A prompt is stored with each item, so one long prompt times `n` would fill the store: at most
    `MAX_PROMPT_CHARS` each, on every route that takes one."""
    long = "a" * (MAX_PROMPT_CHARS + 1)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/v1/jobs", {"prompts": [long], "n": 1000}, "prompts.0"),
        ("/v1/jobs", {"items": [{"prompt": long}]}, "items.0.prompt"),
        ("/v1/jobs", {"prompts": ["ok"], "defaults": {"negative_prompt": long}}, "defaults.negative_prompt"),
        ("/v1/images", {"prompt": long}, "prompt"),
        ("/v1/estimate", {"prompts": [long]}, "prompts.0"),
    ]
    for path, body, field in cases:
        assert "10000 characters" in server.refused(path, body, field), body
    openai = server.client.post("/v1/images/generations", json={"prompt": long}, headers=server.alice)
    assert openai.status_code == 400 and openai.json()["error"]["param"] == "prompt", openai.text
    assert server.post("/v1/jobs", {"prompts": ["a" * MAX_PROMPT_CHARS], "defaults": TINY})["status"] == 202
    server.stays_up()


def test_input_url_refusals_name_the_input_field_and_its_setting(server: Server) -> None:
    video = {"model": "tiny-ltx", "frames": 9, "image": "http://127.0.0.1/still.png"}
    message = server.refused("/v1/jobs", {"kind": "video", "items": [video]}, "items.0.image")
    assert "KILN_INPUT_ALLOW_PRIVATE" in message and "WEBHOOK" not in message
    hook = server.refused("/v1/jobs", {"prompts": ["x"], "webhook_url": "http://10.0.0.1/hook"}, "webhook_url")
    assert "KILN_WEBHOOK_ALLOW_PRIVATE" in hook


def test_errors_about_inputs_name_the_reference_never_a_server_path(server: Server) -> None:
    junk = server.planted("junk.png", b"not a picture at all")
    message = server.refused("/v1/jobs", {"items": [{"prompt": "x", **TINY, "init_image": junk}]}, "items.0.init_image")
    assert junk in message
    video = {"model": "tiny-ltx", "frames": 9, "width": 32, "height": 32, "steps": 2, "image": junk}
    server.refused("/v1/jobs", {"kind": "video", "items": [video]}, "items.0.image")


def test_uploads_never_share_a_file_and_stay_with_their_key(server: Server) -> None:
    same = small_png()
    refs = [server.upload("a.png", same), server.upload("a.png", same), server.upload("a.png", same, server.bob)]
    assert len(set(refs)) == 3
    files = sorted(server.storage.path("uploads").rglob("*.png"))
    assert len(files) == 3 and len({file.parent for file in files}) == 2  # one folder per key
    image = {"prompt": "x", **TINY}
    for ref, owner, stranger in [(refs[0], server.alice, server.bob), (refs[2], server.bob, server.alice)]:
        assert server.post("/v1/jobs", {"items": [{**image, "init_image": ref}]}, owner)["status"] == 202
        assert "no upload" in server.refused(
            "/v1/jobs", {"items": [{**image, "init_image": ref}]}, "items.0.init_image", stranger
        )
    # an unknown id reads the same as another key's upload: nothing tells that it exists
    unknown = "upload:" + "0" * 26
    theirs = server.refused("/v1/jobs", {"items": [{**image, "init_image": refs[2]}]}, "items.0.init_image")
    nothing = server.refused("/v1/jobs", {"items": [{**image, "init_image": unknown}]}, "items.0.init_image")
    assert theirs.replace(refs[2].removeprefix("upload:"), "ID") == nothing.replace("0" * 26, "ID")


def test_an_upload_the_storage_cannot_keep_is_507(server: Server, tmp_path: Path) -> None:
    """Real refusals that hold for root too: a root below a regular file, and /sys (no files can be made there)."""
    (tmp_path / "a-file").write_text("not a folder")
    for root in (tmp_path / "a-file" / "out", Path("/sys/kiln-test-out")):
        settings = Settings(data_dir=tmp_path / "data", output_dir=root)
        app = create_app(settings, store=server.store, keys=server.store, storage=LocalStorage(root))
        with TestClient(app) as client:
            response = client.post("/v1/uploads", files={"file": ("a.png", small_png())}, headers=server.alice)
            assert client.get("/healthz").status_code == 200
        assert response.status_code == 507, response.text
        error = response.json()["error"]
        assert error["type"] == "insufficient_storage" and "storage" in error["message"]
        assert str(root) not in error["message"]


def test_artifact_references_are_the_callers_own(server: Server) -> None:
    """alice starts an img2img job from her own artifact; bob naming it is told only that he has no such artifact."""
    made = server.run(server.submit({"prompts": ["a lighthouse"], "defaults": TINY}))
    assert made["state"] == "completed", made
    artifact = made["results"][0]["artifact_id"]
    ref = f"artifact:{artifact}"
    job = server.run(server.submit({"items": [{"prompt": "at night", **TINY, "init_image": ref, "strength": 0.5}]}))
    assert job["state"] == "completed", job
    video = {"model": "tiny-ltx", "frames": 9, "fps": 8, "width": 32, "height": 32, "steps": 2, "image": ref}
    assert server.post("/v1/jobs", {"kind": "video", "items": [video]})["status"] == 202
    theirs = server.refused("/v1/jobs", {"kind": "video", "items": [video]}, "items.0.image", server.bob)
    unknown = "0" * 26
    nothing = server.refused(
        "/v1/jobs", {"kind": "video", "items": [{**video, "image": f"artifact:{unknown}"}]}, "items.0.image", server.bob
    )
    assert theirs.replace(artifact, "ID") == nothing.replace(unknown, "ID")
    body = {"items": [{"prompt": "x", **TINY, "init_image": ref}]}
    assert "no artifact" in server.refused("/v1/jobs", body, "items.0.init_image", server.bob)


def test_img2img_from_an_upload_over_http(server: Server) -> None:
    ref = server.upload("start.png", small_png("orange"))
    job = server.run(server.submit({"items": [{"prompt": "a sunset", **TINY, "init_image": ref, "strength": 0.6}]}))
    assert job["state"] == "completed", job
    [result] = job["results"]
    response = server.client.get(result["url"], headers=server.alice)
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (64, 64)
        assert "Denoising strength: 0.6" in image.info["parameters"]  # the recipe says it started from the image


def test_another_keys_control_command_is_not_found(server: Server) -> None:
    animation = {"model": "tiny-sd", "prompts": {"0": "a forest"}, "frames": 2, "width": 32, "height": 32, "steps": 2}
    job_id = server.submit({"kind": "animation", "items": [animation]})
    response = server.client.post(f"/v1/jobs/{job_id}/control", json={"action": "pause"}, headers=server.bob)
    assert response.status_code == 404, response.text
    response = server.client.post(f"/v1/jobs/{job_id}/control", json={"action": "pause"}, headers=server.alice)
    assert response.status_code == 202, response.text


def test_hostile_priorities_are_refused_naming_the_field(server: Server) -> None:
    job_id = server.submit({"prompts": ["queued"], "defaults": TINY})
    for value in (10**100, -(10**100), 2**63, "9" * 5000, "1\x00", None, True, {"$gt": 0}, float("nan")):
        body = {"priority": value} if not isinstance(value, float) else '{"priority": NaN}'
        if isinstance(body, str):
            response = server.client.patch(
                f"/v1/jobs/{job_id}", content=body, headers=server.alice | {"content-type": "application/json"}
            )
        else:
            response = server.client.patch(f"/v1/jobs/{job_id}", json=body, headers=server.alice)
        assert response.status_code == 422, (value if not isinstance(value, str) else value[:20], response.text)
        assert response.json()["error"]["field"] == "priority", response.text
    response = server.client.patch(f"/v1/jobs/{job_id}", json={"priority": 1}, headers=server.bob)
    assert response.status_code == 404, response.text
    response = server.client.patch(f"/v1/jobs/{job_id}", json={"priority": 1, "owner": "bob"}, headers=server.alice)
    assert response.status_code == 422 and response.json()["error"]["field"] == "owner", response.text
    assert server.client.get(f"/v1/jobs/{job_id}", headers=server.alice).json()["priority"] == 0
    server.stays_up()


def test_control_characters_are_refused_naming_the_field(server: Server) -> None:
    """A NUL (PostgreSQL text cannot hold one) or another control character in any string of a body is a 422 that
    names the field; free text may hold tab, newline and carriage return, names and references nothing."""
    nul_image = {"image": "https://example.com/a\x00b.png", "model": "tiny-svd", "width": 64, "height": 64, "frames": 4}
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/v1/jobs", {"kind": "video", "items": [nul_image]}, "items.0.image"),
        ("/v1/jobs", {"prompts": ["x"], "webhook_url": "https://example.com/h\x00ook"}, "webhook_url"),
        ("/v1/jobs", {"prompts": ["a\x00b"]}, "prompts.0"),
        ("/v1/jobs", {"prompts": ["a\x1bb"]}, "prompts.0"),
        ("/v1/jobs", {"prompts": ["x"], "prefix": "a\x01b"}, "prefix"),
        ("/v1/jobs", {"items": [{"prompt": "x", "model": "tiny-sd\n"}]}, "items.0.model"),
        ("/v1/jobs", {"kind": "video", "items": [{"model": "tiny-ltx", "image": "upload:x\ny"}]}, "items.0.image"),
        ("/v1/jobs", {"kind": "storyboard", "items": [{"music": "https://a.example/x\t.mp3"}]}, "items.0.music"),
        ("/v1/jobs", {"kind": "video", "items": [{"model": "tiny-ltx", "k\x00": 1}]}, "items.0.k\x00"),
        ("/v1/jobs", {"kind": "assembly", "items": [{"shots": [{"narration": "a\x00"}]}]}, "items.0.shots.0.narration"),
        ("/v1/images", {"prompt": "x\x00"}, "prompt"),
        ("/v1/tokens", {"prompt": "x\x07"}, "prompt"),
    ]
    for path, body, field in cases:
        message = server.refused(path, body, field)
        assert "control character" in message, (body, message)
    animation = {"model": "tiny-sd", "prompts": {"0": "a forest"}, "frames": 2, "width": 32, "height": 32, "steps": 2}
    job_id = server.submit({"kind": "animation", "items": [animation]})
    server.refused(f"/v1/jobs/{job_id}/control", {"action": "teleport", "image": "upload:\x00"}, "image")
    # free text keeps its lines, even where it starts like a reference
    for prompt in ("a harbour,\n\tat dawn\r\n", "Artifact: a sword\nglowing"):
        assert server.post("/v1/jobs", {"prompts": [prompt], "defaults": TINY})["status"] == 202
    server.stays_up()


def test_a_nul_that_reached_the_store_fails_its_item_once(server: Server) -> None:
    """A job stored before submit refused control characters: its failure (quoting the URL) is recorded, the
    NUL as U+FFFD, and the worker goes on to other jobs instead of claiming the item for ever."""
    request = {"image": "https://kiln.invalid/a\x00b.png", "model": "tiny-svd", "width": 64, "height": 64, "frames": 4}
    job_id = server.video_job(request)
    done = server.run(job_id)
    assert done["state"] == "failed", done
    [error] = done["errors"]
    assert "a\ufffdb.png" in error["error"], error  # the URL as it was, its NUL shown as U+FFFD
    [item] = server.store.list_items(job_id)
    assert item.state == "failed" and item.attempts <= 1, item
    event = server.store.append_event(job_id, "note", {"said": "a\x00b", "k\x00": ["\x00"]})
    [stored] = server.store.events_after(job_id, event.id - 1)
    assert stored.data == {"said": "a\ufffdb", "k\ufffd": ["\ufffd"]}, stored
    server.stays_up()


VIDEO = {"model": "tiny-svd", "width": 64, "height": 64, "frames": 4}


def test_a_failure_reason_the_database_refuses_is_recorded_plainly(server: Server) -> None:
    """Recording the reason fails (the database refuses it): the item still fails, with a plain reason, once."""
    server.refuse_item_errors("%refuse-me%")
    job_id = server.video_job({**VIDEO, "image": "https://refuse-me.invalid/a.png"})
    done = server.run(job_id)
    assert done["state"] == "failed", done
    [error] = done["errors"]
    assert "could not be recorded" in error["error"], error
    [item] = server.store.list_items(job_id)
    assert item.state == "failed", item
    server.stays_up()


def test_a_failure_that_cannot_be_recorded_is_not_claimed_again_at_once(server: Server) -> None:
    """Not even a plain reason can be stored: the unit is kept, not released, so its lease expires and counts
    the attempt (a released item would be claimed again, uncounted, for ever)."""
    server.refuse_item_errors("%")
    job_id = server.video_job({**VIDEO, "image": "https://kiln.invalid/a.png"})
    with pytest.raises(FailureNotRecorded):
        server.worker.run_once()
    assert server.worker.run_once() is False  # nothing to claim: the item waits for its lease to expire
    [item] = server.store.list_items(job_id)
    assert item.state == "running" and item.attempts == 0, item


def test_control_command_errors_name_the_field_as_sent(server: Server) -> None:
    animation = {"model": "tiny-sd", "prompts": {"0": "a forest"}, "frames": 2, "width": 32, "height": 32, "steps": 2}
    control = f"/v1/jobs/{server.submit({'kind': 'animation', 'items': [animation]})}/control"
    assert "not an input reference" in server.refused(control, {"action": "teleport", "image": "nope.png"}, "image")
    assert "no upload" in server.refused(control, {"action": "teleport", "image": f"upload:{'0' * 26}"}, "image")
    assert "teleport needs an image" in server.refused(control, {"action": "teleport"}, "image")
    assert "edit needs changes" in server.refused(control, {"action": "edit"}, "changes")
    server.refused(control, {"action": "jump"}, "action")


def test_ids_are_case_insensitive_everywhere(server: Server) -> None:
    """Ids are Crockford base32, which is case-insensitive: every lookup takes either case. Uploads get ids in
    the case of every other id; an upload named in lower case (as older versions did) still resolves."""
    older = server.submit({"prompts": ["an older job"], "defaults": TINY})
    job_id = server.submit({"prompts": ["a lighthouse"], "defaults": TINY})
    assert server.run(job_id)["state"] == "completed"
    lower = job_id.lower()
    for path in (
        f"/v1/jobs/{lower}",
        f"/v1/jobs/{lower}/items",
        f"/v1/jobs/{lower}/artifacts",
        f"/v1/jobs/{lower}/zip",
    ):
        assert server.client.get(path, headers=server.alice).status_code == 200, path
    assert server.client.get(f"/v1/jobs/{lower}", headers=server.alice).json()["id"] == job_id
    page = server.client.get("/v1/jobs", params={"before": lower}, headers=server.alice).json()
    assert [j["id"] for j in page["data"]] == [older]
    [artifact] = server.client.get(f"/v1/jobs/{lower}/artifacts", headers=server.alice).json()["data"]
    assert server.client.get(f"/v1/artifacts/{artifact['id'].lower()}", headers=server.alice).status_code == 200
    body = {"items": [{"prompt": "at night", **TINY, "init_image": f"artifact:{artifact['id'].lower()}"}]}
    assert server.post("/v1/jobs", body)["status"] == 202
    with server.client.websocket_connect("/v1/ws", headers=server.alice) as ws:
        ws.send_json({"action": "subscribe", "job_id": lower})
        assert ws.receive_json()["type"] == "ws.subscribed"
    ref = server.upload("start.png", small_png())
    upload_id = ref.removeprefix("upload:")
    assert upload_id == upload_id.upper() and len(upload_id) == 26, ref
    key = server.store.authenticate(server.alice["Authorization"].removeprefix("Bearer "))
    assert key is not None
    old_id = new_id().lower()  # an upload kept by an older version, named in lower case
    server.storage.write(upload_key(key.id, old_id, ".png"), small_png("orange"))
    for named in (ref, f"upload:{upload_id.lower()}", f"upload:{old_id}", f"upload:{old_id.upper()}"):
        assert server.post("/v1/jobs", {"items": [{"prompt": "x", **TINY, "init_image": named}]})["status"] == 202
    assert server.client.post(f"/v1/jobs/{older.lower()}/cancel", headers=server.alice).json()["id"] == older
    assert server.client.delete(f"/v1/jobs/{lower}", headers=server.alice).status_code == 204


def test_the_gallery_refuses_junk_and_finds_nothing_in_bad_ids(server: Server) -> None:
    job = server.run(server.submit({"prompts": ["a gallery image"], "defaults": TINY}))
    mine = job["results"][0]["artifact_id"]
    board = server.post("/v1/boards", {"name": "B"})
    assert board["status"] == 201, board
    for bad_id in BAD_IDS:
        bad = quote(bad_id, safe="")
        for method, path in [
            ("GET", f"/v1/artifacts/{bad}/thumbnail"),
            ("PUT", f"/v1/artifacts/{bad}/star"),
            ("DELETE", f"/v1/artifacts/{bad}/star"),
            ("DELETE", f"/v1/artifacts/{bad}"),
            ("GET", f"/v1/boards/{bad}"),
            ("DELETE", f"/v1/boards/{bad}"),
        ]:
            response = server.client.request(method, path, headers=server.alice)
            assert response.status_code == 404, (method, repr(path), response.text)
        response = server.client.get("/v1/artifacts", params={"before": bad_id}, headers=server.alice)
        assert response.status_code == 422 and response.json()["error"]["field"] == "before", response.text
        listed = server.client.get("/v1/artifacts", params={"job": bad_id}, headers=server.alice)
        assert listed.status_code == 422 if "\x00" in bad_id else listed.json()["data"] == [], listed.text
        answer = server.post(f"/v1/boards/{board['id']}/artifacts", {"add": [mine, bad_id]})
        assert answer["status"] in (404, 422), answer
        assert server.post("/v1/artifacts/delete", {"ids": [bad_id]}).get("deleted", 0) == 0
    for field, value in [("q", "a\x00b"), ("model", "m\x00"), ("style", "s\x01"), ("job", "\x00"), ("since", "\x00")]:
        response = server.client.get("/v1/artifacts", params={field: value}, headers=server.alice)
        assert response.status_code == 422 and response.json()["error"]["field"] == field, (field, response.text)
    bad_params: list[dict[str, str | int]] = [
        {"limit": 0}, {"limit": 10**12}, {"seed": -1}, {"seed": 2**64}, {"width": "x"}, {"media": "gif"},
        {"since": "yesterday"}, {"until": "2026-13-45"}, {"q": "x" * 501}, {"starred": "maybe"},
    ]  # fmt: skip
    for params in bad_params:
        response = server.client.get("/v1/artifacts", params=params, headers=server.alice)
        assert response.status_code == 422 and response.json()["error"]["field"] == next(iter(params)), response.text
    for body, field in [
        ({"name": "x\x00"}, "name"), ({"name": ["B"]}, "name"), ({}, "name"),
        ({"name": "B", "extra": 1}, "extra"),
    ]:  # fmt: skip
        assert server.post("/v1/boards", body)["error"]["field"] == field, body
    surrogate = server.client.post(
        "/v1/boards", content=b'{"name": "a\\ud800"}', headers=server.alice | {"Content-Type": "application/json"}
    )
    assert surrogate.status_code == 422 and surrogate.json()["error"]["field"] == "name", surrogate.text
    assert server.post("/v1/boards", {"name": "B"})["status"] == 409
    assert server.refused("/v1/artifacts/zip", {"ids": "not a list"}, "ids")
    assert server.refused("/v1/artifacts/delete", {"ids": [mine] * 1001}, "ids")
    assert server.refused(f"/v1/boards/{board['id']}/artifacts", {"add": ["x" * 65]}, "add.0")
    found = server.client.get("/v1/artifacts", params={"q": "%_%' OR 1=1 --"}, headers=server.alice)
    assert found.status_code == 200 and found.json()["data"] == []
    assert server.client.get("/v1/artifacts", params={"q": "GALLERY"}, headers=server.alice).json()["data"]
    server.stays_up()
