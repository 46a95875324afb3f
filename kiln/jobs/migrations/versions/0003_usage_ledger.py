"""The usage ledger (`usage_ledger`): each job's charge against its owner's quota, kept when the job is deleted.

Existing jobs with an owner are charged their item count as they were counted before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_ledger",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.String(length=26), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usage_ledger_owner_created", "usage_ledger", ["owner", "created_at"])
    op.execute(
        "INSERT INTO usage_ledger (owner, job_id, images, created_at) "
        "SELECT owner, id, total, created_at FROM jobs WHERE owner IS NOT NULL ORDER BY created_at"
    )


def downgrade() -> None:
    op.drop_table("usage_ledger")  # drops its index too
