"""Two callers never share a file (issue 8, point 1), and the ZIP says when files are gone (point 31), with the
fake worker and with the product's worker (`JobWorker` on the tiny engine) over a real `LocalStorage`."""

from __future__ import annotations

import io
import zipfile

import pytest

from kiln.jobs.records import NewArtifact, NewJob
from kiln.jobs.storage_keys import job_folder, task_key
from kiln.media.images import read_metadata
from kiln.storage.names import FOLDER_NAME_RULE
from kiln.task_item import TaskItem
from tests.api.conftest import SMALL, ApiFactory, WorkerKind, bearer


@pytest.mark.parametrize("worker", ["fake", "real"])
def test_two_keys_with_one_prefix_and_seed_keep_their_own_files(make_api: ApiFactory, worker: WorkerKind) -> None:
    api = make_api(auth="on", worker=worker)
    alice, bob = bearer(api.key("alice")), bearer(api.key("bob"))
    same = {"prefix": "campaign", "start_seed": 7, "defaults": SMALL}
    mine = api.submit(headers=alice, prompts=["a red lighthouse", "a red barn"], **same)["id"]
    theirs = api.submit(headers=bob, prompts=["a blue whale", "a blue car"], **same)["id"]
    with api.run_worker():
        assert api.wait_final(mine, alice, timeout=120)["state"] == "completed"
        assert api.wait_final(theirs, bob, timeout=120)["state"] == "completed"

    def downloads(job_id: str, headers: dict[str, str]) -> dict[str, bytes]:
        artifacts = api.client.get(f"/v1/jobs/{job_id}/artifacts", headers=headers).json()["data"]
        got = {a["id"]: api.client.get(f"/v1/artifacts/{a['id']}", headers=headers) for a in artifacts}
        assert all(response.status_code == 200 for response in got.values())
        return {artifact_id: response.content for artifact_id, response in got.items()}

    alices = downloads(mine, alice)
    for data in alices.values():  # each picture is the one its own prompt made
        assert "a red" in (read_metadata(data).infotext or "")
    for data in downloads(theirs, bob).values():
        assert "a blue" in (read_metadata(data).infotext or "")

    assert api.client.delete(f"/v1/jobs/{theirs}", headers=bob).status_code == 204
    assert downloads(mine, alice) == alices  # still there, unchanged
    response = api.client.get(f"/v1/jobs/{mine}/zip", headers=alice)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.read(name) for name in archive.namelist()) == sorted(alices.values())


@pytest.mark.parametrize("worker", ["fake", "real"])
def test_a_zip_whose_files_are_gone_is_410_naming_them(make_api: ApiFactory, worker: WorkerKind) -> None:
    api = make_api(worker=worker)
    job_id = api.submit(prompts=["a", "b", "c"], defaults=SMALL)["id"]
    with api.run_worker():
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    artifacts = api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]
    gone = artifacts[1]
    stored = api.store.get_artifact(gone["id"])
    assert stored is not None
    api.folder.path(stored.storage_key).unlink()  # removed behind kiln's back
    response = api.client.get(f"/v1/jobs/{job_id}/zip")
    assert response.status_code == 410
    error = response.json()["error"]
    assert error["type"] == "files_gone" and gone["id"] in error["message"] and "1 of the job's 3" in error["message"]
    assert error["missing"] == [{"artifact_id": gone["id"], "index": 1}]
    assert api.client.get(f"/v1/artifacts/{artifacts[0]['id']}").status_code == 200  # the others stay downloadable


@pytest.mark.parametrize(
    ("prefix", "why"),
    [
        ("ä" * 128, "256 bytes in UTF-8"),  # 128 characters, over NAME_MAX in bytes
        ("a/" + "ä" * 130, "260 bytes in UTF-8"),
        ("/".join(["b" * 50] * 6), "at most 255 characters"),  # the schema's bound keeps keys under PATH_MAX
    ],
)
def test_a_prefix_the_file_system_cannot_hold_is_422(make_api: ApiFactory, prefix: str, why: str) -> None:
    api = make_api()
    response = api.client.post("/v1/jobs", json={"prompts": ["x"], "prefix": prefix})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "prefix" and why in error["message"]


def test_a_long_non_ascii_prefix_within_the_limits_is_taken(make_api: ApiFactory) -> None:
    api = make_api()
    created = api.submit(prompts=["x"], prefix="ä" * 127 + "/" + "ö" * 127)  # 254 bytes per folder name
    assert api.job(created["id"])["state"] == "queued"


def test_deleting_a_task_job_removes_its_files_and_folder_and_nothing_else(make_api: ApiFactory) -> None:
    api = make_api()
    jobs = [api.store.create_job(NewJob(kind="video"), [TaskItem(0, "video", {"frames": 9})]) for _ in range(2)]
    keys = {}
    for job in jobs:  # what the worker does: the files first (a video and its subtitles), then the record
        unit = api.store.claim("w", max_items=1, lease_seconds=60)
        assert unit is not None and unit.items[0].job_id == job.id
        folder = job_folder(None, job.id, "shots")
        video, subtitles = task_key(folder, 0, "clip.mp4"), task_key(folder, 0, "clip.srt")
        api.storage.write(video, b"video")
        api.storage.write(subtitles, b"1\n00:00:00,000 --> 00:00:01,000\nhello\n")
        files = [{"key": subtitles, "content_type": "application/x-subrip", "name": "clip.srt"}]
        artifact = NewArtifact(video, "video/mp4", 5, 32, 32, {"kind": "video", "files": files})
        assert api.store.complete_item(unit.id, unit.items[0].id, artifact)
        keys[job.id] = (video, subtitles)
    gone, kept = jobs
    assert api.client.delete(f"/v1/jobs/{gone.id}").status_code == 204
    assert not any(api.storage.exists(key) for key in keys[gone.id])
    assert not api.folder.path(f"anonymous/{gone.id}").exists()  # its emptied folders went with it
    assert all(api.storage.exists(key) for key in keys[kept.id])


@pytest.mark.parametrize(
    ("prefix", "name", "problem"),
    [
        ("~", "~", "starts with '~'"),
        ("~root/x", "~root", "starts with '~'"),
        (" ", " ", "has leading or trailing whitespace"),
        ("a/ b", " b", "has leading or trailing whitespace"),
        (".", ".", "starts with '.'"),
        ("a/..", "..", "starts with '.'"),
        (".hidden", ".hidden", "starts with '.'"),
        ("-rf", "-rf", "starts with '-'"),
        ("a/", "", "is empty"),
        ("/abs", "", "is empty"),
        ("a//b", "", "is empty"),
        ("a\\b", "a\\b", "holds a backslash"),
        ("ok/" + "ä" * 130, "ä" * 40 + "...", "is 260 bytes in UTF-8"),
    ],
)
def test_prefix_folder_names_keep_one_rule(make_api: ApiFactory, prefix: str, name: str, problem: str) -> None:
    """One rule for every folder name of a prefix; the 422 names the folder name, what is wrong, and the rule."""
    api = make_api()
    response = api.client.post("/v1/jobs", json={"prompts": ["x"], "prefix": prefix})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "prefix" and problem in error["message"], error
    assert f"the folder name {name!r} {problem}" in error["message"] and FOLDER_NAME_RULE in error["message"], error


@pytest.mark.parametrize("prefix", ["ä" * 100, "a b/c", "runs/2024-01/x_1", "日本/ünï.cödé"])
def test_prefixes_of_ordinary_names_are_taken(make_api: ApiFactory, prefix: str) -> None:
    api = make_api()
    created = api.submit(prompts=["x"], prefix=prefix)
    assert api.store.get_job(created["id"]).prefix == prefix  # type: ignore[union-attr]
