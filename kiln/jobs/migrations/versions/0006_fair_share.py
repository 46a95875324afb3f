"""Fair share between owners: each item knows its job's owner (`items.owner`), each job the unit that last
claimed one of its items (`jobs.last_unit`), and both are indexed for the claim's per-owner seeks; a unit's
batch-mates of one signature are found in claim order by an index (`ix_items_batch`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("items", sa.Column("owner", sa.String(length=64), nullable=True))
    op.add_column("jobs", sa.Column("last_unit", sa.String(length=26), nullable=True))
    op.execute("UPDATE items SET owner = (SELECT jobs.owner FROM jobs WHERE jobs.id = items.job_id)")
    op.create_index(
        "ix_items_owner_claim",
        "items",
        ["state", sa.text("priority DESC"), "owner", "job_created", "job_id", "item_index"],
    )
    op.create_index("ix_jobs_owner_last_unit", "jobs", ["owner", "last_unit"])
    # batch-mates in claim order by a seek, not a walk past other signatures' items (which fair share makes common)
    op.drop_index("ix_items_state_signature", table_name="items")
    op.create_index(
        "ix_items_batch",
        "items",
        ["state", "signature", sa.text("priority DESC"), "job_created", "job_id", "item_index"],
    )


def downgrade() -> None:
    op.drop_index("ix_items_batch", table_name="items")
    op.create_index("ix_items_state_signature", "items", ["state", "signature"])
    op.drop_index("ix_jobs_owner_last_unit", table_name="jobs")
    op.drop_index("ix_items_owner_claim", table_name="items")
    with op.batch_alter_table("jobs") as batch:  # SQLite rebuilds the table to drop a column
        batch.drop_column("last_unit")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("owner")
