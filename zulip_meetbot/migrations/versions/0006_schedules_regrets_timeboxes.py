"""Issue 16's record: why a meeting was cancelled, items' timeboxes and discussion time, a
reminder's edit, regrets, personal reminders.

Frozen, as the baseline: SQLAlchemy's types, not models.py's (an instant is DATETIME).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=20), nullable=True))
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planned_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("discussed_seconds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("discussing_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("nudges", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("sent_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(), nullable=True))
    op.create_table(
        "regret",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("said_by", sa.Integer(), nullable=False),
        sa.Column("by_reaction", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("meeting_id", "user_id"),
    )
    op.create_table(
        "personal_reminder",
        sa.Column("series_slug", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("offset_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("series_slug", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("personal_reminder")
    op.drop_table("regret")
    with op.batch_alter_table("sent_action", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("nudges")
        batch_op.drop_column("discussing_since")
        batch_op.drop_column("discussed_seconds")
        batch_op.drop_column("planned_seconds")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
