"""leavers, sign-in throttling by address, and what a referral gave beside the client held

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:23:25.387955
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("address", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("window_started_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("address"),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_of_birth", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("mismatch", sa.String(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "referrer_unreachable", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("disabled_at", storage.tables.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("referrer_unreachable")
        batch_op.drop_column("mismatch")
        batch_op.drop_column("date_of_birth")
    op.drop_table("login_throttle")
