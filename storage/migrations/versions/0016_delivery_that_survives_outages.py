"""delivery that survives outages

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 13:49:32.558046
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "inbound_spool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("received_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbound_spool", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_spool_due", ["status", "next_at"], unique=False)

    op.create_table(
        "provider_health",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("down_until", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("changed_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("provider", sa.String(length=20), nullable=True))

    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("error", sa.String(length=200), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("attempts")

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("provider")
        batch_op.drop_column("claimed_by")

    op.drop_table("provider_health")
    with op.batch_alter_table("inbound_spool", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_spool_due")

    op.drop_table("inbound_spool")
