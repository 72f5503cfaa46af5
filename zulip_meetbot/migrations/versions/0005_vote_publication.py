"""A publication may be of a governance vote's results file: ``publication.meeting_id`` may be
empty, and ``vote_number`` (unique) names the vote (issue 15).

Frozen, as the baseline: SQLAlchemy's types, not models.py's.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("vote_number", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_publication_vote_number", ["vote_number"])


def downgrade() -> None:
    op.execute("DELETE FROM publication WHERE meeting_id IS NULL")
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_constraint("uq_publication_vote_number", type_="unique")
        batch_op.drop_column("vote_number")
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=False)
