"""The gallery's contract (`kiln.jobs.gallery`): memory, SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kiln.jobs.gallery import BoardNameTaken, GalleryQuery, UnknownArtifact
from kiln.jobs.records import NewArtifact, NewJob
from kiln.task_item import TaskItem
from kiln.types import ImageItem
from tests.helpers import make_item
from tests.store.conftest import FakeClock, Store, claim, job


def finish(store: Store, owner: str | None, planned: list[Any], **fields: Any) -> list[str]:
    """A job of `planned` items, every one done; its artifact ids by index."""
    created = store.create_job(NewJob(owner=owner), planned)
    unit = claim(store, max_items=len(planned))
    for record in unit.items:
        values: dict[str, Any] = {"storage_key": f"{created.id}/{record.index}.png", "content_type": "image/png",
                                  "size_bytes": 10, "width": 64, "height": 64, "metadata": {}}  # fmt: skip
        new = NewArtifact(**(values | fields))
        assert store.complete_item(unit.id, record.id, new)
    return [a.id for a in store.list_artifacts(created.id)]


def ids(store: Store, **query: Any) -> list[str]:
    return [e.artifact.id for e in store.list_gallery(GalleryQuery(**query))]


def test_an_owners_artifacts_newest_first_across_jobs_with_their_items(store: Store, clock: FakeClock) -> None:
    first = finish(store, "alice", [make_item(0), make_item(1)])
    clock.advance(1)
    finish(store, "bob", [make_item(0)])
    clock.advance(1)
    second = finish(store, "alice", [make_item(0, user_prompt="A Lighthouse", style="cinematic")])
    assert ids(store, owner="alice") == [*second, *first[::-1]]
    assert len(ids(store)) == 4  # no owner: every owner's (authentication off)
    entry = store.list_gallery(GalleryQuery(owner="alice", limit=1))[0]
    assert isinstance(entry.item, ImageItem) and entry.item.style == "cinematic"
    assert (entry.starred, entry.boards) == (False, ())
    page = ids(store, owner="alice", limit=2)
    assert ids(store, owner="alice", before=page[-1]) == [first[0]]


def test_filters_apply_together(store: Store, clock: FakeClock) -> None:
    a = finish(store, "alice", [make_item(0, user_prompt="Ünïcode CASTLE at night", seed=7, style="anime")])
    clock.advance(10)
    b = finish(store, "alice", [make_item(0, user_prompt="a castle by day", seed=8, model="tiny-sdxl")])
    clock.advance(10)
    c = finish(store, "alice", [make_item(0, user_prompt="100% cotton_shirt", seed=7)], width=128)
    assert ids(store, owner="alice", q="castle") == [*b, *a]
    assert ids(store, owner="alice", q="üNÏCODE castle") == a  # Unicode case folding on every store
    assert ids(store, owner="alice", q="100%") == c and ids(store, owner="alice", q="0%_") == []  # no wildcards
    assert ids(store, owner="alice", seed=7) == [*c, *a]
    assert ids(store, owner="alice", seed=7, style="anime") == a
    assert ids(store, owner="alice", model="tiny-sdxl") == b
    assert ids(store, owner="alice", width=128) == c and ids(store, owner="alice", height=64, width=64) == [*b, *a]
    start = job(store, store.get_artifact(b[0]).job_id).created_at  # type: ignore[union-attr]
    assert ids(store, owner="alice", since=start) == [*c, *b]
    assert ids(store, owner="alice", since=start, until=start + timedelta(seconds=5)) == b
    assert ids(store, owner="alice", job_id=store.get_artifact(a[0]).job_id.lower()) == a  # type: ignore[union-attr]
    assert ids(store, owner="alice", media="video") == [] and len(ids(store, owner="alice", media="image")) == 3
    assert ids(store, owner="bob", q="castle") == []


def test_motion_outputs_are_videos(store: Store) -> None:
    task = TaskItem(index=0, kind="video", request={"prompt": "Waves", "seed": 5}, model="tiny-ltx")
    video = finish(store, "alice", [task], content_type="video/mp4", metadata={"kind": "video"})
    finish(store, "alice", [make_item(0)])
    assert ids(store, owner="alice", media="video") == video
    assert ids(store, owner="alice", q="waves", seed=5, model="tiny-ltx") == video


def test_stars_are_the_owners_and_idempotent(store: Store) -> None:
    mine = finish(store, "alice", [make_item(0), make_item(1)])
    assert store.set_star(mine[0], owner="alice", starred=True)
    assert store.set_star(mine[0].lower(), owner="alice", starred=True)
    assert not store.set_star(mine[1], owner="bob", starred=True)
    assert not store.set_star("nonsense\x00", owner="alice", starred=True)
    assert ids(store, owner="alice", starred=True) == [mine[0]]
    assert ids(store, owner="alice", starred=False) == [mine[1]]
    assert store.set_star(mine[0], owner="alice", starred=False)
    assert ids(store, owner="alice", starred=True) == []


def test_boards_collect_an_owners_artifacts(store: Store, clock: FakeClock) -> None:
    mine = finish(store, "alice", [make_item(i) for i in range(3)])
    theirs = finish(store, "bob", [make_item(0)])
    board = store.create_board("Favourites", owner="alice")
    assert (board.name, board.count, board.cover_artifact_id) == ("Favourites", 0, None)
    with pytest.raises(BoardNameTaken):
        store.create_board("Favourites", owner="alice")
    store.create_board("Favourites", owner="bob")  # names are unique per owner
    changed = store.change_board(board.id, owner="alice", add=[mine[0], mine[1], mine[1].lower()])
    assert changed is not None and (changed.count, changed.cover_artifact_id) == (2, mine[1])
    with pytest.raises(UnknownArtifact) as refused:
        store.change_board(board.id, owner="alice", add=[mine[2], theirs[0]])
    assert refused.value.artifact_id == theirs[0]
    assert store.get_board(board.id, owner="alice").count == 2  # type: ignore[union-attr]  # nothing changed
    assert store.change_board(board.id, owner="bob", add=[theirs[0]]) is None  # another owner's board
    assert ids(store, owner="alice", board_id=board.id) == [mine[1], mine[0]]
    assert store.list_gallery(GalleryQuery(owner="alice", limit=3))[1].boards == (board.id,)
    store.change_board(board.id, owner="alice", remove=[mine[1]], add=[mine[2]])
    assert ids(store, owner="alice", board_id=board.id) == [mine[2], mine[0]]
    other = store.create_board("Later", owner="alice")
    with pytest.raises(BoardNameTaken):
        store.rename_board(other.id, "Favourites", owner="alice")
    renamed = store.rename_board(other.id, "Soon", owner="alice")
    assert renamed is not None and renamed.name == "Soon"
    assert store.rename_board(other.id, "Mine", owner="bob") is None
    assert [b.name for b in store.list_boards(owner="alice")] == ["Favourites", "Soon"]
    assert len(store.list_boards(owner=None)) == 3


def test_deleting_keeps_what_it_should(store: Store) -> None:
    mine = finish(store, "alice", [make_item(i) for i in range(3)])
    theirs = finish(store, "bob", [make_item(0)])
    board = store.create_board("B", owner="alice")
    store.change_board(board.id, owner="alice", add=mine)
    deleted = store.delete_artifacts([mine[0], theirs[0], "junk"], owner="alice")
    assert [a.id for a in deleted] == [mine[0]] and deleted[0].storage_key.endswith("/0.png")
    assert store.delete_artifacts([mine[0]], owner="alice") == []  # already gone
    assert store.get_artifact(mine[0]) is None and store.get_artifact(theirs[0]) is not None
    assert store.get_board(board.id, owner="alice").count == 2  # type: ignore[union-attr]
    job_id = store.get_artifact(mine[1]).job_id  # type: ignore[union-attr]
    assert job(store, job_id).counts["done"] == 3  # the job keeps its history
    assert [a.id for a in store.list_artifacts(job_id)] == mine[1:]
    assert store.delete_board(board.id, owner="alice") and not store.delete_board(board.id, owner="alice")
    assert ids(store, owner="alice") == mine[:0:-1]  # a board's artifacts stay
    again = store.create_board("B", owner="alice")
    store.change_board(again.id, owner="alice", add=mine[1:])
    assert store.delete_job(job_id) is not None
    assert store.get_board(again.id, owner="alice").count == 0  # type: ignore[union-attr]
    assert ids(store, owner="alice") == []
