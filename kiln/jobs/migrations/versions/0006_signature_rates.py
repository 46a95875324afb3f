"""Each signature's recent seconds per image (`signature_rates`), recorded by the workers for estimates.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14
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
    op.create_table(
        "signature_rates",
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("seconds_per_image", sa.Float(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature"),
    )


def downgrade() -> None:
    op.drop_table("signature_rates")
