"""The governance_vote, governance_ballot and vote_reminder tables: votes of a roster by a
policy's rules, over days (issue 15).

Frozen, as the baseline: SQLAlchemy's types, not models.py's (an instant is DATETIME).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "governance_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("series_slug", sa.String(length=100), nullable=False),
        sa.Column("policy", sa.String(length=100), nullable=False),
        sa.Column("policy_spec", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("roster_name", sa.String(length=100), nullable=False),
        sa.Column("roster", sa.Text(), nullable=False),
        sa.Column("opener_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("verdict", sa.String(length=40), nullable=True),
        sa.Column("timed_out", sa.Boolean(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("governance_vote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_vote_series_slug"), ["series_slug"], unique=False
        )
    op.create_table(
        "governance_ballot",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["governance_vote.id"]),
        sa.PrimaryKeyConstraint("vote_id", "user_id"),
    )
    op.create_table(
        "vote_reminder",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["vote_id"], ["governance_vote.id"]),
        sa.PrimaryKeyConstraint("vote_id", "ordinal"),
    )


def downgrade() -> None:
    op.drop_table("vote_reminder")
    op.drop_table("governance_ballot")
    with op.batch_alter_table("governance_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_vote_series_slug"))
    op.drop_table("governance_vote")
