"""availability, offers by message and the waiting list

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 04:24:24.582427
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.tables

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["staff_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("leave", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leave_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "work_pattern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["staff_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_pattern", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_pattern_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "waiting_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("added_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("ended_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_why", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["staff_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("waiting_list", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waiting_list_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_waiting_list_ended_at"), ["ended_at"], unique=False)

    op.create_table(
        "freed_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("starts_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("freed_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("offered_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
        ),
        sa.ForeignKeyConstraint(
            ["taken_by"],
            ["client.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["staff_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id"),
    )
    with op.batch_alter_table("freed_slot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_freed_slot_freed_at"), ["freed_at"], unique=False)

    op.create_table(
        "slot_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=True),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("starts_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("freed_slot_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.ForeignKeyConstraint(
            ["freed_slot_id"],
            ["freed_slot.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["staff_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("slot_offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slot_offer_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_slot_offer_freed_slot_id"), ["freed_slot_id"], unique=False
        )
        batch_op.create_index("ix_slot_offer_live", ["status", "expires_at"], unique=False)

    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_appointment_worker_id"), ["worker_id"], unique=False)
        batch_op.create_foreign_key("fk_appointment_worker_id", "staff_user", ["worker_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_appointment_worker_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_appointment_worker_id"))
        batch_op.drop_column("worker_id")

    with op.batch_alter_table("slot_offer", schema=None) as batch_op:
        batch_op.drop_index("ix_slot_offer_live")
        batch_op.drop_index(batch_op.f("ix_slot_offer_freed_slot_id"))
        batch_op.drop_index(batch_op.f("ix_slot_offer_client_id"))

    op.drop_table("slot_offer")
    with op.batch_alter_table("freed_slot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_freed_slot_freed_at"))

    op.drop_table("freed_slot")
    with op.batch_alter_table("waiting_list", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waiting_list_ended_at"))
        batch_op.drop_index(batch_op.f("ix_waiting_list_client_id"))

    op.drop_table("waiting_list")
    with op.batch_alter_table("work_pattern", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_pattern_worker_id"))

    op.drop_table("work_pattern")
    with op.batch_alter_table("leave", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leave_worker_id"))

    op.drop_table("leave")
