"""The gallery: searchable columns on `artifacts` (owner, folded prompt, model, style, seed, media, starred), filled
for the artifacts already recorded from their items and jobs, and the `boards` and `board_artifacts` tables.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000
_MOTION = ("video", "animation", "assembly", "storyboard")
_INDEXES = {
    "ix_artifacts_owner_id": ["owner", "id"],
    "ix_artifacts_owner_created": ["owner", "created_at"],
    "ix_artifacts_owner_model": ["owner", "model", "id"],
    "ix_artifacts_owner_style": ["owner", "style", "id"],
    "ix_artifacts_owner_seed": ["owner", "seed"],
    "ix_artifacts_owner_starred": ["owner", "starred", "id"],
    "ix_artifacts_owner_media": ["owner", "media", "id"],
}


def _fields(spec: Any, metadata: Any, content_type: str) -> dict[str, Any]:
    """`kiln.jobs.gallery.gallery_fields` as it was when this migration was written, on the stored JSON (a
    migration does not follow later changes of the code)."""
    spec = spec if isinstance(spec, dict) else {}
    metadata = metadata if isinstance(metadata, dict) else {}
    task = spec.get("task") is True
    request = spec.get("request") if isinstance(spec.get("request"), dict) else {}
    source = request if task else spec
    prompt = source.get("prompt" if task else "user_prompt")
    seed = source.get("seed")
    style = None if task else spec.get("style")
    model = spec.get("model")
    video = content_type.startswith("video/") or task or metadata.get("kind") in _MOTION
    return {
        "prompt": prompt.casefold() if isinstance(prompt, str) else "",
        "model": model if isinstance(model, str) else "",
        "style": style if isinstance(style, str) else None,
        "seed": seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        "media": "video" if video else "image",
    }


def upgrade() -> None:
    for column in (
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("prompt", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("style", sa.Text(), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("media", sa.String(length=8), server_default="image", nullable=False),
        sa.Column("starred", sa.Boolean(), server_default=sa.false(), nullable=False),
    ):
        op.add_column("artifacts", column)
    _backfill()
    for name, columns in _INDEXES.items():
        op.create_index(name, "artifacts", columns)
    op.create_table(
        "boards",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_boards_owner_name", "boards", ["owner", "name"], unique=True)
    op.create_table(
        "board_artifacts",
        sa.Column("board_id", sa.String(length=26), nullable=False),
        sa.Column("artifact_id", sa.String(length=26), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["artifact_id"], ["artifacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("board_id", "artifact_id"),
    )
    op.create_index("ix_board_artifacts_artifact", "board_artifacts", ["artifact_id"])


def _backfill() -> None:
    """The new columns of every artifact already recorded, from its item's spec and its job's owner."""
    meta = sa.MetaData()
    artifacts = sa.Table(
        "artifacts",
        meta,
        sa.Column("id", sa.String(26)),
        sa.Column("job_id", sa.String(26)),
        sa.Column("item_id", sa.BigInteger()),
        sa.Column("content_type", sa.String(100)),
        sa.Column("metadata", sa.JSON()),
        sa.Column("owner", sa.String(64)),
        sa.Column("prompt", sa.Text()),
        sa.Column("model", sa.Text()),
        sa.Column("style", sa.Text()),
        sa.Column("seed", sa.BigInteger()),
        sa.Column("media", sa.String(8)),
    )
    items = sa.Table("items", meta, sa.Column("id", sa.BigInteger()), sa.Column("spec", sa.JSON()))
    jobs = sa.Table("jobs", meta, sa.Column("id", sa.String(26)), sa.Column("owner", sa.String(64)))
    conn = op.get_bind()
    conn.execute(
        sa.update(artifacts).values(
            owner=sa.select(jobs.c.owner).where(jobs.c.id == artifacts.c.job_id).scalar_subquery()
        )
    )
    query = (
        sa.select(artifacts.c.id, artifacts.c.content_type, artifacts.c.metadata, items.c.spec)
        .select_from(artifacts.outerjoin(items, items.c.id == artifacts.c.item_id))
        .order_by(artifacts.c.id)
    )
    change = (
        sa.update(artifacts)
        .where(artifacts.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(name) for name in ("prompt", "model", "style", "seed", "media")})
    )
    after = ""
    while rows := conn.execute(query.where(artifacts.c.id > after).limit(_BATCH)).all():
        updates = [_fields(row.spec, row.metadata, row.content_type) | {"b_id": row.id} for row in rows]
        conn.execute(change, updates)
        after = rows[-1].id


def downgrade() -> None:
    op.drop_table("board_artifacts")
    op.drop_table("boards")
    for name in _INDEXES:
        op.drop_index(name, table_name="artifacts")
    with op.batch_alter_table("artifacts") as batch:  # SQLite rebuilds the table to drop columns
        for column in ("owner", "prompt", "model", "style", "seed", "media", "starred"):
            batch.drop_column(column)
