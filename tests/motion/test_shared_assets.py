"""The storyboard asset cache shared across one owner's jobs stays within `KILN_ASSET_CACHE_MAX_BYTES`: whole
assets of every owner go, least recently used first, and a take marks an asset used."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kiln.motion.storyboard.shared import SharedAssets, evict_least_used

RECORD = "asset.json"


def finished_asset(folder: Path, payload: bytes) -> Path:
    """A finished asset as a render leaves it: its file and the record naming it."""
    folder.mkdir(parents=True)
    (folder / "image.png").write_bytes(payload)
    (folder / RECORD).write_text(json.dumps({"kind": "image", "files": {"main": "image.png"}}))
    return folder


def used_at(shared: SharedAssets, key: str, seconds: float) -> None:
    os.utime(shared.root / key / RECORD, (seconds, seconds))


def test_the_least_recently_used_assets_of_any_owner_go_first(tmp_path: Path) -> None:
    cache, work = tmp_path / "asset-cache", tmp_path / "work"
    alice = SharedAssets(cache / "alice", RECORD, max_bytes=2_500)
    bob = SharedAssets(cache / "bob", RECORD, max_bytes=2_500)
    alice.publish("old", finished_asset(work / "a-old", b"o" * 1000))
    used_at(alice, "old", 1_000)
    bob.publish("middle", finished_asset(work / "b-middle", b"m" * 1000))
    used_at(bob, "middle", 2_000)
    assert alice.take("old", work / "taken")  # used again now: the newest of the two
    alice.publish("new", finished_asset(work / "a-new", b"n" * 1000))  # 3,000 bytes and more: one must go
    assert not (cache / "bob" / "middle").exists()
    assert (cache / "alice" / "old").is_dir() and (cache / "alice" / "new").is_dir()
    assert (work / "taken" / "image.png").read_bytes() == b"o" * 1000  # a render's own copy is never touched


def test_an_evicted_asset_is_not_taken_and_a_render_makes_it_again(tmp_path: Path) -> None:
    cache, work = tmp_path / "asset-cache", tmp_path / "work"
    shared = SharedAssets(cache / "alice", RECORD, max_bytes=0)
    shared.publish("scene", finished_asset(work / "made", b"s" * 10))
    assert evict_least_used(cache, RECORD, 0) == []  # the publish already removed it: nothing fits in 0 bytes
    assert not shared.take("scene", work / "again")
    assert not (work / "again" / RECORD).exists()
    assert sorted(p.name for p in (cache / "alice").iterdir()) == []  # no half-removed folder left behind


def test_an_unbounded_cache_keeps_everything(tmp_path: Path) -> None:
    cache, work = tmp_path / "asset-cache", tmp_path / "work"
    shared = SharedAssets(cache / "alice", RECORD)
    for index in range(3):
        shared.publish(f"scene-{index}", finished_asset(work / f"made-{index}", b"x" * 1000))
    assert sorted(p.name for p in (cache / "alice").iterdir()) == ["scene-0", "scene-1", "scene-2"]
