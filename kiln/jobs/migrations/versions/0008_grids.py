"""Grid jobs: a job's grid axes and the grid image it owes (`jobs.grid`, `grid_due`, `grid_artifact_id`), and
artifacts that belong to a job rather than an item (`artifacts.item_id` may be null: the grid image).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("grid", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("jobs", sa.Column("grid_due", sa.DateTime(timezone=True), nullable=True))
    op.add_column("jobs", sa.Column("grid_artifact_id", sa.String(length=26), nullable=True))
    op.create_index("ix_jobs_grid_due", "jobs", ["grid_due"])
    with op.batch_alter_table("artifacts") as batch:  # SQLite rebuilds the table to drop NOT NULL
        batch.alter_column("item_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM artifacts WHERE item_id IS NULL")
    with op.batch_alter_table("artifacts") as batch:
        batch.alter_column(
            "item_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        )
    op.drop_index("ix_jobs_grid_due", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("grid_artifact_id")
        batch.drop_column("grid_due")
        batch.drop_column("grid")
