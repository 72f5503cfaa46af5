"""The quick_vote and quick_ballot tables: votes taken during a meeting (issue 15).

Frozen, as the baseline: SQLAlchemy's types, not models.py's (an instant is DATETIME).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quick_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("opener_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "number"),
    )
    with op.batch_alter_table("quick_vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quick_vote_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quick_vote_message_id"), ["message_id"], unique=False)
    op.create_table(
        "quick_ballot",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("by_reaction", sa.Boolean(), nullable=False),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["quick_vote.id"]),
        sa.PrimaryKeyConstraint("vote_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("quick_ballot")
    with op.batch_alter_table("quick_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quick_vote_message_id"))
        batch_op.drop_index(batch_op.f("ix_quick_vote_meeting_id"))
    op.drop_table("quick_vote")
