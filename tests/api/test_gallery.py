"""The gallery over HTTP on both SQL stores: listing and filters, thumbnails, stars, boards, deletes and ZIPs, and
one key never seeing or touching another's."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiln.jobs.records import NewArtifact, NewJob
from kiln.jobs.storage_keys import job_folder, task_key
from kiln.media.video import encode_video
from kiln.task_item import TaskItem
from tests.api.conftest import Api, ApiFactory, bearer
from tests.helpers import make_item

pytestmark = pytest.mark.timeout(180)

SQL_STORES = ["sqlite", "postgres"]


@pytest.fixture(params=[*((store, "folder") for store in SQL_STORES), ("sqlite", "s3")], ids=lambda p: "-".join(p))
def gallery(make_api: ApiFactory, request: pytest.FixtureRequest) -> Api:
    """Auth on, the fake worker running; alice and bob hold keys. On both SQL stores with a folder, and on SQLite
    with an S3 bucket (downloads streamed through kiln: the test client reaches only the app)."""
    store, storage = request.param
    on_s3 = {"storage": "s3", "s3_downloads": "stream"} if storage == "s3" else {}
    api = make_api(auth="on", store=store, status_cache_seconds=0, **on_s3)
    api.key("alice")
    api.key("bob")
    api.worker.start()
    return api


def headers(api: Api, name: str = "alice") -> dict[str, str]:
    return bearer(api.tokens[name])


def make_images(api: Api, name: str = "alice", **body: Any) -> dict[str, Any]:
    """A job of alice's (or `name`'s), finished; its view with results."""
    defaults = {"width": 64, "height": 64, "steps": 2} | body.pop("defaults", {})
    prompts = {} if "items" in body else {"prompts": ["a red house"]}
    created = api.submit(headers(api, name), **(prompts | {"defaults": defaults} | body))
    api.wait_final(created["id"], headers(api, name))
    return api.job(created["id"], headers(api, name), include="results")


def listing(api: Api, name: str = "alice", **params: Any) -> dict[str, Any]:
    response = api.client.get("/v1/artifacts", params=params, headers=headers(api, name))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def listed(api: Api, name: str = "alice", **params: Any) -> list[str]:
    return [a["id"] for a in listing(api, name, **params)["data"]]


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()["error"]
    return found


def test_the_gallery_lists_every_job_newest_first_with_its_recipe(gallery: Api) -> None:
    first = make_images(gallery, prompts=["A Lighthouse at dusk", "a CASTLE"], defaults={"seed": 5})
    second = make_images(gallery, items=[{"prompt": "a castle on a hill", "style": "cinematic", "seed": 9,
                                          "negative_prompt": "fog"}], defaults={})  # fmt: skip
    page = listing(gallery)
    ids = [a["id"] for a in page["data"]]
    newest = second["results"][0]["artifact_id"]
    assert ids[0] == newest and sorted(ids[1:]) == sorted(r["artifact_id"] for r in first["results"])
    assert page["next_before"] is None
    card = page["data"][0]
    assert card["job_id"] == second["id"] and card["prompt"] == "a castle on a hill"
    assert (card["style"], card["seed"], card["model"], card["negative_prompt"]) == ("Cinematic", 9, "tiny-sd", "fog")
    assert card["steps"] == 2 and card["guidance"] is not None and card["sampler"]
    assert "a castle on a hill" in card["infotext"] and "Seed: 9" in card["infotext"] and "fog" in card["infotext"]
    assert card["infotext"] != card["prompt"]  # the style's words are in the infotext, not in the prompt
    assert (card["starred"], card["boards"]) == (False, [])
    assert card["thumbnail_url"].endswith(f"/v1/artifacts/{newest}/thumbnail")
    assert gallery.client.get(card["url"], headers=headers(gallery)).status_code == 200
    assert listed(gallery, q="castle") == [newest, *[r["artifact_id"] for r in first["results"] if r["index"] == 1]]
    assert listed(gallery, style="cinematic", seed=9) == [newest]
    firsts = sorted((r["artifact_id"] for r in first["results"]), reverse=True)
    assert listed(gallery, job=first["id"].lower()) == listed(gallery, seed=5) == firsts
    assert listed(gallery, width=64, height=64, media="image") == ids and listed(gallery, media="video") == []
    today = datetime.now(UTC).date().isoformat()
    assert listed(gallery, since=today, until=today) == ids and listed(gallery, until="2000-01-01") == []
    assert listed(gallery, "bob") == []


def test_dates_at_the_ends_of_the_calendar_filter_instead_of_failing(gallery: Api) -> None:
    ids = [r["artifact_id"] for r in make_images(gallery)["results"]]
    assert listed(gallery, until="9999-12-31") == ids  # the day after it is past datetime's last day
    assert listed(gallery, since="0001-01-01T00:00:00+14:00") == ids  # before datetime's first moment in UTC
    assert listed(gallery, until="0001-01-01T00:00:00+14:00") == []
    assert listed(gallery, since="9999-12-31T23:59:59-14:00") == []  # after its last moment in UTC
    assert listed(gallery, since="9999-12-31") == [] and listed(gallery, until="0001-01-01") == []


def test_pages_through_2000_artifacts(gallery: Api) -> None:
    """Made through the store (no files needed to list them), paged by `before` to the end without a repeat."""
    alice = gallery.store.authenticate(gallery.tokens["alice"])
    assert alice is not None
    job = gallery.store.create_job(NewJob(owner=alice.id), [make_item(i) for i in range(2000)])
    gallery.worker.stop()
    while (unit := gallery.store.claim("fast", max_items=500, lease_seconds=600)) is not None:
        for record in unit.items:
            new = NewArtifact(f"x/{record.index}.png", "image/png", 1, 64, 64, {})
            assert gallery.store.complete_item(unit.id, record.id, new)
    seen: list[str] = []
    before = None
    while True:
        page = listing(gallery, limit=500, **({"before": before} if before else {}))
        seen += [a["id"] for a in page["data"]]
        if (before := page["next_before"]) is None:
            break
    assert len(seen) == len(set(seen)) == 2000 and seen == sorted(seen, reverse=True)
    assert {a.id for a in gallery.store.list_artifacts(job.id)} == set(seen)
    assert len(listed(gallery, q="number 1999")) == 1
    assert error(gallery.client.get("/v1/artifacts?limit=501", headers=headers(gallery)), 422)["field"] == "limit"


def test_thumbnails_are_made_once_and_kept(gallery: Api) -> None:
    job = make_images(gallery, defaults={"width": 128, "height": 64})
    artifact_id = job["results"][0]["artifact_id"]
    url = f"/v1/artifacts/{artifact_id}/thumbnail"
    first = gallery.client.get(url, params={"size": 64}, headers=headers(gallery))
    assert first.status_code == 200 and first.headers["content-type"] == "image/webp"
    assert first.headers["cache-control"] == "private, max-age=31536000, immutable"
    with Image.open(io.BytesIO(first.content)) as image:
        assert (image.format, image.size) == ("WEBP", (64, 32))
    [stored] = [key for key in gallery.stored() if "/.thumbnails/" in key and key.endswith(".64.webp")]
    assert gallery.storage.read(stored) == first.content
    artifact = gallery.store.get_artifact(artifact_id)
    assert artifact is not None
    gallery.storage.delete(artifact.storage_key)  # from now on only the kept thumbnail can answer
    again = gallery.client.get(url, params={"size": 64}, headers=headers(gallery))
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    cached = gallery.client.get(
        url, params={"size": 64}, headers=headers(gallery) | {"If-None-Match": first.headers["etag"]}
    )
    assert cached.status_code == 304 and cached.headers["etag"] == first.headers["etag"] and not cached.content
    gone = gallery.client.get(url, params={"size": 65}, headers=headers(gallery))  # another size needs the file
    assert error(gone, 410)["type"] == "file_gone"
    for size in (63, 1025, "x"):
        assert error(gallery.client.get(url, params={"size": size}, headers=headers(gallery)), 422)["field"] == "size"


def test_first_thumbnail_requests_at_once_store_one_good_file(gallery: Api) -> None:
    artifact_id = make_images(gallery, defaults={"width": 256, "height": 256})["results"][0]["artifact_id"]
    answers: list[bytes] = []
    start = threading.Barrier(6)

    def fetch() -> None:
        start.wait()
        response = gallery.client.get(f"/v1/artifacts/{artifact_id}/thumbnail", headers=headers(gallery))
        assert response.status_code == 200, response.text
        answers.append(response.content)

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 6 and len(set(answers)) == 1
    stored = [key for key in gallery.stored() if "/.thumbnails/" in key]
    assert [key.endswith(f"{artifact_id}.256.webp") for key in stored] == [True]  # no temporary file left
    with Image.open(io.BytesIO(gallery.storage.read(stored[0]))) as image:
        image.load()
        assert image.size == (256, 256)


def video_artifact(api: Api, tmp_path: Path, owner: str | None, content_type: str = "video/mp4") -> str:
    """A finished video job's artifact, made through the store with a real MP4 in storage."""
    api.worker.stop()  # the fake makes images only
    job = api.store.create_job(NewJob(kind="video", owner=owner), [TaskItem(0, "video", {"prompt": "Waves"}, "m")])
    unit = api.store.claim("video-worker", max_items=1, lease_seconds=60)
    assert unit is not None
    path = tmp_path / "clip.mp4"
    frames = [Image.new("RGB", (96, 64), (200, 10 * n, 30)) for n in range(6)]
    encode_video(frames, path, fps=6, format="mp4")
    key = task_key(job_folder(owner, job.id, None), 0, "clip.mp4")
    api.storage.write(key, path.read_bytes())
    new = NewArtifact(key, content_type, path.stat().st_size, 96, 64, {"kind": "video", "fps": 6})
    assert api.store.complete_item(unit.id, unit.items[0].id, new)
    return api.store.list_artifacts(job.id)[0].id


def test_videos_get_a_poster_frame(gallery: Api, tmp_path: Path) -> None:
    alice = gallery.store.authenticate(gallery.tokens["alice"])
    assert alice is not None
    video = video_artifact(gallery, tmp_path, alice.id)
    assert listed(gallery, media="video") == [video] and listed(gallery, q="WAVES") == [video]
    response = gallery.client.get(f"/v1/artifacts/{video}/thumbnail", params={"size": 48 * 2}, headers=headers(gallery))
    assert response.status_code == 200, response.text
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (96, 64)  # never enlarged
        red, _, _ = image.convert("RGB").getpixel((48, 32))  # type: ignore[misc]
        assert red > 150  # the first frame's colour


def test_a_source_too_large_or_unreadable_is_a_clear_4xx(make_api: ApiFactory) -> None:
    api = make_api(max_input_pixels=100 * 100 - 1)
    api.worker.start()
    created = api.submit(prompts=["open"], defaults={"width": 64, "height": 64, "steps": 2})
    api.wait_final(created["id"])
    artifact_id = api.job(created["id"], include="results")["results"][0]["artifact_id"]
    artifact = api.store.get_artifact(artifact_id)
    assert artifact is not None
    source = api.folder.path(artifact.storage_key)
    Image.new("RGB", (100, 100)).save(source, format="PNG")  # as if the file had grown
    too_large = error(api.client.get(f"/v1/artifacts/{artifact_id}/thumbnail"), 422)
    assert too_large["type"] == "source_too_large" and "100x100" in too_large["message"]
    source.write_bytes(b"not an image at all")
    unreadable = error(api.client.get(f"/v1/artifacts/{artifact_id}/thumbnail"), 422)
    assert unreadable["type"] == "unreadable_source" and str(api.folder.root) not in unreadable["message"]
    assert list(api.folder.root.rglob("*.webp")) == []


def test_stars_and_boards(gallery: Api) -> None:
    ids = [r["artifact_id"] for r in make_images(gallery, prompts=["a", "b", "c"])["results"]]
    h = headers(gallery)
    for _ in range(2):  # idempotent
        assert gallery.client.put(f"/v1/artifacts/{ids[0]}/star", headers=h).status_code == 204
    assert listed(gallery, starred=True) == [ids[0]]
    assert gallery.client.delete(f"/v1/artifacts/{ids[0]}/star", headers=h).status_code == 204
    assert gallery.client.delete(f"/v1/artifacts/{ids[0]}/star", headers=h).status_code == 204
    assert listed(gallery, starred=True) == []
    made = gallery.client.post("/v1/boards", json={"name": "  Keepers  "}, headers=h)
    assert made.status_code == 201, made.text
    board = made.json()
    assert (board["name"], board["count"], board["cover_artifact_id"]) == ("Keepers", 0, None)
    assert error(gallery.client.post("/v1/boards", json={"name": "Keepers"}, headers=h), 409)["field"] == "name"
    # a bidirectional control makes one name look like another: "\u202eevil" shows as "live"
    for bad in ("", " ", "x" * 101, "two\nlines", 5, "\u202eevil", "a\u2066b"):
        assert error(gallery.client.post("/v1/boards", json={"name": bad}, headers=h), 422)["field"] == "name"
    changed = gallery.client.post(f"/v1/boards/{board['id']}/artifacts", json={"add": ids[:2]}, headers=h)
    assert changed.status_code == 200 and changed.json()["count"] == 2
    assert changed.json()["cover_artifact_id"] == max(ids[:2])
    assert sorted(listed(gallery, board=board["id"])) == sorted(ids[:2])
    assert {a["id"]: a["boards"] for a in listing(gallery)["data"]}[ids[0]] == [board["id"]]
    renamed = gallery.client.patch(f"/v1/boards/{board['id']}", json={"name": "Best"}, headers=h)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Best"
    assert [b["name"] for b in gallery.client.get("/v1/boards", headers=h).json()["data"]] == ["Best"]
    too_many = {"add": ids * 300, "remove": ids * 34}  # 1002 together
    assert error(gallery.client.post(f"/v1/boards/{board['id']}/artifacts", json=too_many, headers=h), 422)["field"]
    assert gallery.client.delete(f"/v1/boards/{board['id']}", headers=h).status_code == 204
    assert gallery.client.get("/v1/boards", headers=h).json()["data"] == [] and len(listed(gallery)) == 3
    assert error(gallery.client.get("/v1/artifacts", params={"board": board["id"]}, headers=h), 404)


def test_deleting_artifacts_removes_their_files_and_keeps_the_job_sane(gallery: Api) -> None:
    job = make_images(gallery, prompts=["a", "b", "c", "d"])
    ids = [r["artifact_id"] for r in job["results"]]
    h = headers(gallery)
    keys = {i: gallery.store.get_artifact(i).storage_key for i in ids}  # type: ignore[union-attr]
    assert gallery.client.get(f"/v1/artifacts/{ids[0]}/thumbnail", headers=h).status_code == 200
    board = gallery.client.post("/v1/boards", json={"name": "B"}, headers=h).json()
    gallery.client.post(f"/v1/boards/{board['id']}/artifacts", json={"add": ids}, headers=h)
    assert gallery.client.delete(f"/v1/artifacts/{ids[0]}", headers=h).status_code == 204
    assert error(gallery.client.delete(f"/v1/artifacts/{ids[0]}", headers=h), 404)
    assert not gallery.storage.exists(keys[ids[0]]) and gallery.storage.exists(keys[ids[1]])
    assert [key for key in gallery.stored() if key.endswith(".webp")] == []  # its thumbnail went with it
    deleted = gallery.client.post("/v1/artifacts/delete", json={"ids": [ids[1], ids[1], "nonsense", ids[0]]}, headers=h)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": 1}
    view = gallery.job(job["id"], h, include="results")
    assert view["counts"]["done"] == 4 and [r["artifact_id"] for r in view["results"]] == ids[2:]
    archive = gallery.client.get(f"/v1/jobs/{job['id']}/zip", headers=h)
    assert archive.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == 2  # the deleted ones are skipped
    assert gallery.client.get(f"/v1/boards/{board['id']}", headers=h).json()["count"] == 2
    assert sorted(listed(gallery)) == sorted(ids[2:])
    assert gallery.client.delete(f"/v1/jobs/{job['id']}", headers=h).status_code == 204
    assert gallery.stored() == []  # nothing left behind


def test_a_zip_of_chosen_artifacts(gallery: Api) -> None:
    ids = [r["artifact_id"] for r in make_images(gallery, prompts=["a", "b", "c"])["results"]]
    other = make_images(gallery, prompts=["d"])["results"][0]["artifact_id"]
    h = headers(gallery)
    response = gallery.client.post("/v1/artifacts/zip", json={"ids": [other, ids[0], ids[0].lower()]}, headers=h)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == 2 and len(set(names)) == 2  # two jobs' 00000_<seed>.png: named apart
    theirs = make_images(gallery, "bob")["results"][0]["artifact_id"]
    refused = error(gallery.client.post("/v1/artifacts/zip", json={"ids": [ids[1], theirs]}, headers=h), 404)
    assert refused["field"] == "ids.1" and theirs in refused["message"]
    artifact = gallery.store.get_artifact(ids[2])
    assert artifact is not None
    gallery.storage.delete(artifact.storage_key)
    gone = error(gallery.client.post("/v1/artifacts/zip", json={"ids": ids}, headers=h), 410)
    assert [m["artifact_id"] for m in gone["missing"]] == [ids[2]]
    assert error(gallery.client.post("/v1/artifacts/zip", json={"ids": []}, headers=h), 422)["field"] == "ids"
    assert error(gallery.client.post("/v1/artifacts/zip", json={"ids": ["a"] * 1001}, headers=h), 422)["field"] == "ids"


def test_one_key_never_sees_or_touches_anothers_gallery(gallery: Api) -> None:
    mine = make_images(gallery)["results"][0]["artifact_id"]
    h, bob = headers(gallery), headers(gallery, "bob")
    board = gallery.client.post("/v1/boards", json={"name": "Mine"}, headers=h).json()
    gallery.client.post(f"/v1/boards/{board['id']}/artifacts", json={"add": [mine]}, headers=h)
    gallery.client.put(f"/v1/artifacts/{mine}/star", headers=h)
    theirs = make_images(gallery, "bob")["results"][0]["artifact_id"]
    assert listed(gallery, "bob") == [theirs] and listed(gallery) == [mine]
    assert gallery.client.get("/v1/boards", headers=bob).json()["data"] == []
    assert gallery.client.post("/v1/boards", json={"name": "Mine"}, headers=bob).status_code == 201  # their own
    for method, path, body in [
        ("GET", f"/v1/artifacts/{mine}/thumbnail", None),
        ("PUT", f"/v1/artifacts/{mine}/star", None),
        ("DELETE", f"/v1/artifacts/{mine}/star", None),
        ("DELETE", f"/v1/artifacts/{mine}", None),
        ("POST", "/v1/artifacts/zip", {"ids": [mine]}),
        ("GET", f"/v1/boards/{board['id']}", None),
        ("PATCH", f"/v1/boards/{board['id']}", {"name": "Stolen"}),
        ("DELETE", f"/v1/boards/{board['id']}", None),
        ("POST", f"/v1/boards/{board['id']}/artifacts", {"add": [theirs]}),
        ("GET", f"/v1/artifacts?board={board['id']}", None),
    ]:
        response = gallery.client.request(method, path, json=body, headers=bob)
        assert response.status_code == 404, (method, path, response.text)
    bobs_board = gallery.client.post("/v1/boards", json={"name": "Theirs"}, headers=bob).json()
    refused = gallery.client.post(f"/v1/boards/{bobs_board['id']}/artifacts", json={"add": [theirs, mine]}, headers=bob)
    assert error(refused, 404)["field"] == "add.1" and mine in refused.json()["error"]["message"]
    assert gallery.client.post("/v1/artifacts/delete", json={"ids": [mine]}, headers=bob).json() == {"deleted": 0}
    assert listed(gallery, "bob", starred=True) == [] and listed(gallery, "bob", q="red house") == [theirs]
    assert listed(gallery, "bob", job=gallery.store.get_artifact(mine).job_id) == []  # type: ignore[union-attr]
    assert listed(gallery, starred=True) == [mine] and listed(gallery, board=board["id"]) == [mine]
    assert gallery.client.get(f"/v1/artifacts/{mine}", headers=h).status_code == 200  # all still there
    assert all(
        gallery.client.request(m, p, headers={}).status_code == 401
        for m, p in [("GET", "/v1/artifacts"), ("GET", "/v1/boards"), ("GET", f"/v1/artifacts/{mine}/thumbnail")]
    )
