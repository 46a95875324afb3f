"""The storage contract: what every storage (a folder, an S3 bucket) must do, each case run on both."""

from __future__ import annotations

import threading

import httpx
import pytest

from kiln.errors import InvalidInput
from kiln.storage.protocol import Storage


def test_a_written_file_reads_back_whole_and_streams_in_ranges(storage: Storage) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB: several chunks
    storage.write("owner/job/00000_1.png", data)
    assert storage.exists("owner/job/00000_1.png")
    assert storage.size("owner/job/00000_1.png") == len(data)
    assert storage.read("owner/job/00000_1.png") == data
    assert b"".join(storage.stream("owner/job/00000_1.png")) == data
    assert b"".join(storage.stream("owner/job/00000_1.png", start=10, end=19)) == data[10:20]
    assert b"".join(storage.stream("owner/job/00000_1.png", start=len(data) - 5)) == data[-5:]


def test_sizes_of_many_keys_leave_out_the_absent_ones(storage: Storage) -> None:
    storage.write("owner/job/a.png", b"12345")
    storage.write("owner/job/sub/b.png", b"1")
    storage.write("owner/other/c.png", b"123")
    storage.write("top.png", b"12")
    asked = ["owner/job/a.png", "owner/job/sub/b.png", "owner/job/gone.png", "owner/other/c.png", "top.png"]
    assert storage.sizes(asked) == {
        "owner/job/a.png": 5,
        "owner/job/sub/b.png": 1,
        "owner/other/c.png": 3,
        "top.png": 2,
    }
    assert storage.sizes([]) == {}


def test_an_empty_file_is_a_file(storage: Storage) -> None:
    storage.write("owner/empty.txt", b"")
    assert storage.exists("owner/empty.txt") and storage.size("owner/empty.txt") == 0
    assert storage.read("owner/empty.txt") == b"" and b"".join(storage.stream("owner/empty.txt")) == b""


def test_an_absent_key_is_absent_everywhere(storage: Storage) -> None:
    assert not storage.exists("owner/none.png")
    assert storage.size("owner/none.png") is None
    with pytest.raises(FileNotFoundError):
        storage.read("owner/none.png")
    with pytest.raises(FileNotFoundError):
        b"".join(storage.stream("owner/none.png"))
    with pytest.raises(FileNotFoundError), storage.local_copy("owner/none.png"):
        pass
    assert storage.list_names("owner/nothing") == []
    storage.delete("owner/none.png")  # deleting what is not there is no error
    storage.delete_folder("owner/nothing")


def test_a_rewrite_replaces_the_file_and_readers_see_one_whole_version(storage: Storage) -> None:
    old, new = b"a" * 300_000, b"b" * 200_000
    storage.write("k/file.bin", old)
    seen: list[bytes] = []
    stop = threading.Event()

    def read_while_writing() -> None:
        while not stop.is_set():
            seen.append(storage.read("k/file.bin"))

    reader = threading.Thread(target=read_while_writing)
    reader.start()
    try:
        for _ in range(5):
            storage.write("k/file.bin", new)
            storage.write("k/file.bin", old)
        storage.write("k/file.bin", new)
    finally:
        stop.set()
        reader.join()
    assert storage.read("k/file.bin") == new
    assert seen and all(version in (old, new) for version in seen)


def test_delete_deletes_one_file_and_delete_folder_everything_under_it(storage: Storage) -> None:
    for name in ("a.png", "b.png", ".thumbnails/a.png.1.256.webp", "sub/deep/c.png"):
        storage.write(f"owner/job1/{name}", b"x")
    storage.write("owner/job10/a.png", b"kept")  # a folder whose name starts alike is not under job1
    assert storage.list_names("owner/job1") == ["a.png", "b.png"]  # files directly in it only
    assert storage.list_names("owner/job1/.thumbnails") == ["a.png.1.256.webp"]
    storage.delete("owner/job1/a.png", prune="owner/job1")
    assert not storage.exists("owner/job1/a.png") and storage.exists("owner/job1/b.png")
    storage.delete_folder("owner/job1")
    assert storage.list_names("owner/job1") == [] and not storage.exists("owner/job1/sub/deep/c.png")
    assert storage.read("owner/job10/a.png") == b"kept"


def test_local_copy_is_a_file_with_the_key_suffix(storage: Storage) -> None:
    storage.write("owner/clip.mp4", b"not really a video")
    with storage.local_copy("owner/clip.mp4") as path:
        assert path.suffix == ".mp4"
        assert path.read_bytes() == b"not really a video"


@pytest.mark.parametrize("key", ["../escape.png", "/abs.png", "a/../../b.png", "~/x.png", ""])
def test_a_key_cannot_leave_the_storage(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidInput):
        storage.write(key, b"x")
    with pytest.raises(InvalidInput):
        storage.read(key)


def test_check_writable_leaves_nothing_behind(storage: Storage) -> None:
    storage.check_writable()
    storage.check_writable()
    assert storage.list_names("") == []


def test_a_presigned_url_serves_the_file_with_its_name_and_type_or_there_is_none(storage: Storage) -> None:
    storage.write("owner/job/00001_7.png", b"\x89PNG fake")
    key = "owner/job/00001_7.png"
    url = storage.presigned_url(key, filename="00001_7.png", content_type="image/png", expires_in=60)
    if url is None:  # a folder: kiln serves its files itself
        return
    reply = httpx.get(url)
    assert reply.status_code == 200 and reply.content == b"\x89PNG fake"
    assert reply.headers["content-type"] == "image/png"
    assert 'filename="00001_7.png"' in reply.headers["content-disposition"]
    tampered = url.replace("00001_7.png", "00001_8.png", 1)
    assert httpx.get(tampered).status_code == 403
