"""Remote backends: the remote work an item started (`items.remote_id`, stored before the worker waits on it, so a
resumed worker polls it instead of paying again) and what it cost (`items.remote_cost_usd`); and the idempotency
key a job was submitted with (`jobs.idempotency_key`, unique per owner: a repeated key returns the first job).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("items", sa.Column("remote_id", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("remote_cost_usd", sa.Float(), nullable=True))
    op.add_column("jobs", sa.Column("idempotency_key", sa.String(255), nullable=True))
    op.create_index("ux_jobs_owner_idempotency", "jobs", ["owner", "idempotency_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_jobs_owner_idempotency", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:  # SQLite rebuilds the table to drop a column
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("remote_cost_usd")
        batch.drop_column("remote_id")
