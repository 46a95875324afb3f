"""Migration 0006 fills the gallery's columns of the artifacts recorded before it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import insert, select

from kiln.jobs.gallery import GalleryQuery
from kiln.jobs.records import NewJob
from kiln.jobs.sql import SqlStore, migrate
from kiln.jobs.sql.migrate import alembic_config
from kiln.jobs.sql.tables import ARTIFACTS, ITEMS
from kiln.task_item import TaskItem
from tests.helpers import make_item


def test_artifacts_recorded_before_the_gallery_are_found_by_it(empty_sql_url: str) -> None:
    command.upgrade(alembic_config(empty_sql_url), "0005")
    old = SqlStore(empty_sql_url)
    try:
        # the 0005 schema has none of the new columns: the rows are written as 0005's store wrote them
        image = old.create_job(NewJob(owner="alice"), [make_item(0, user_prompt="Old CASTLE", seed=42)])
        video = old.create_job(
            NewJob(owner="bob"), [TaskItem(index=0, kind="video", request={"prompt": "sea"}, model="tiny-ltx")]
        )
        columns = ("id", "job_id", "item_id", "item_index", "storage_key", "content_type", "size_bytes", "width",
                   "height", "metadata", "created_at")  # fmt: skip
        with old.engine.begin() as conn:
            for n, (created, content_type) in enumerate(((image, "image/png"), (video, "video/mp4"))):
                item_id = conn.execute(select(ITEMS.c.id).where(ITEMS.c.job_id == created.id)).scalar_one()
                values: tuple[object, ...] = (
                    f"01ARTEFACT{n:016d}", created.id, item_id, 0, f"k/{n}", content_type, 1, 64, 64, {},
                    created.created_at,
                )  # fmt: skip
                conn.execute(insert(ARTIFACTS).values(dict(zip(columns, values, strict=True))))
    finally:
        old.close()
    migrate(empty_sql_url)
    store = SqlStore(empty_sql_url)
    try:
        found = store.list_gallery(GalleryQuery(owner="alice", q="old castle", seed=42, model="tiny-sd"))
        assert [e.artifact.id for e in found] == ["01ARTEFACT0000000000000000"]
        videos = store.list_gallery(GalleryQuery(owner="bob", media="video", q="SEA"))
        assert [e.artifact.id for e in videos] == ["01ARTEFACT0000000000000001"]
        assert store.set_star(found[0].artifact.id, owner="alice", starred=True)
    finally:
        store.close()
