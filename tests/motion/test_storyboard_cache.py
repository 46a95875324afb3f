"""The asset cache: an asset is done exactly when its record is written, after its files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiln.motion.storyboard.cache import RECORD_NAME, AssetCache


def test_an_asset_is_done_only_once_its_record_is_written_after_its_files(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    folder = cache.folder("image-abc")
    (folder / "image.png").write_bytes(b"half an image")  # a render stopped here
    assert cache.get("image-abc") is None

    done = cache.commit("image-abc", "image", {"main": "image.png"}, {"seed": 3})
    again = cache.get("image-abc")
    assert again is not None and again == done
    assert again.file() == folder / "image.png" and again.metadata == {"seed": 3}
    assert sorted(p.name for p in folder.iterdir()) == [RECORD_NAME, "image.png"]  # no temporary file left


def test_a_commit_without_its_files_is_refused_and_a_lost_file_undoes_the_asset(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"lacks clip\.mp4"):
        cache.commit("motion-x", "motion", {"main": "clip.mp4"})
    assert not (cache.folder("motion-x") / RECORD_NAME).exists()
    (cache.folder("motion-x") / "clip.mp4").write_bytes(b"clip")
    cache.commit("motion-x", "motion", {"main": "clip.mp4"})
    (cache.folder("motion-x") / "clip.mp4").unlink()
    assert cache.get("motion-x") is None


def test_scratch_work_is_kept_until_the_asset_is_done(tmp_path: Path) -> None:
    cache = AssetCache(tmp_path)
    scratch = cache.scratch("final-y")
    (scratch / "checkpoint.json").write_text("{}")
    assert cache.scratch("final-y") == scratch and (scratch / "checkpoint.json").exists()
    (cache.folder("final-y") / "video.mp4").write_bytes(b"mp4")
    cache.commit("final-y", "final", {"main": "video.mp4"})
    assert not scratch.exists()


def test_an_asset_committed_in_one_work_folder_is_taken_by_another_of_the_same_shared_cache(tmp_path: Path) -> None:
    shared = tmp_path / "owner"
    first = AssetCache(tmp_path / "job-1", shared)
    (first.folder("image-abc") / "image.png").write_bytes(b"png")
    first.commit("image-abc", "image", {"main": "image.png"}, {"seed": 3})
    assert sorted(p.name for p in shared.iterdir()) == ["image-abc"]  # published whole, nothing half-made left

    second = AssetCache(tmp_path / "job-2", shared)
    taken = second.get("image-abc")
    assert taken is not None and taken.file() == tmp_path / "job-2" / "assets" / "image-abc" / "image.png"
    assert taken.file().read_bytes() == b"png" and taken.metadata == {"seed": 3}
    assert AssetCache(tmp_path / "job-3", tmp_path / "another-owner").get("image-abc") is None
    assert AssetCache(tmp_path / "job-4").get("image-abc") is None  # no shared cache: the work folder's only


def test_a_shared_asset_is_kept_when_its_work_folder_goes_and_never_overwritten(tmp_path: Path) -> None:
    shared = tmp_path / "owner"
    first = AssetCache(tmp_path / "job-1", shared)
    (first.folder("final-y") / "video.mp4").write_bytes(b"first")
    first.commit("final-y", "final", {"main": "video.mp4"})
    shutil.rmtree(tmp_path / "job-1")
    late = AssetCache(tmp_path / "job-2", shared)
    (late.folder("final-y") / "video.mp4").write_bytes(b"second")  # a render that made it meanwhile
    late.commit("final-y", "final", {"main": "video.mp4"})
    kept = AssetCache(tmp_path / "job-3", shared).get("final-y")
    assert kept is not None and kept.file().read_bytes() == b"first"
