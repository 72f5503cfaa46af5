"""The baseline: the schema of the releases that made their tables with ``create_all``.

Frozen: it names SQLAlchemy's types, not models.py's (instants are DATETIME in SQLite either
way), so later changes of models.py do not change what it makes. A database made before
migrations holds exactly this, less at most the tables added last (meetbot adds them).

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_message",
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_slug", sa.String(length=100), nullable=False),
        sa.Column("occurrence_start", sa.DateTime(), nullable=False),
        sa.Column("scheduled_start", sa.DateTime(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("attendance_message_id", sa.Integer(), nullable=True),
        sa.Column("notes_file", sa.Text(), nullable=True),
        sa.Column("current_item_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_slug", "occurrence_start"),
        sa.ForeignKeyConstraint(["current_item_id"], ["item.id"], use_alter=True),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_attendance_message_id"), ["attendance_message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_scheduled_start"), ["scheduled_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meeting_series_slug"), ["series_slug"], unique=False)
        batch_op.create_index(
            "ix_meeting_series_start", ["series_slug", "scheduled_start"], unique=False
        )

    op.create_table(
        "owed_post",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("posted_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("owed_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owed_post_created_at"), ["created_at"], unique=False)

    op.create_table(
        "person",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("initials", sa.String(length=20), nullable=True),
        sa.Column("affiliation", sa.String(length=200), nullable=False),
        sa.Column("github", sa.String(length=100), nullable=False),
        sa.Column("zulip_affiliation", sa.String(length=200), nullable=False),
        sa.Column("zulip_github", sa.String(length=100), nullable=False),
        sa.Column("is_guest", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "reply",
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("posted_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("message_id"),
    )
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_created_at"), ["created_at"], unique=False)

    op.create_table(
        "sent_action",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("series_slug", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("sent_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sent_action_series_slug"), ["series_slug"], unique=False
        )

    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("said_here", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "user_id"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "attendance_reaction",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reaction_type", sa.String(length=30), nullable=False),
        sa.Column("emoji_code", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", "reaction_type", "emoji_code"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
    )
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("deferred", sa.Boolean(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "number"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["parent_id"], ["item.id"]),
    )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_slug", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_slug", "number"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_series_slug"), ["series_slug"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
    )
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_item_id"), ["item_id"], unique=False)

    op.create_table(
        "action_owner",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("action_id", "user_id"),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"]),
    )


def downgrade() -> None:
    op.drop_table("action_owner")
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_item_id"))

    op.drop_table("note")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_meeting_id"))

    op.drop_table("decision")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_series_slug"))
        batch_op.drop_index(batch_op.f("ix_action_meeting_id"))

    op.drop_table("action")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_meeting_id"))

    op.drop_table("item")
    op.drop_table("attendance_reaction")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_meeting_id"))

    op.drop_table("attendance")
    with op.batch_alter_table("sent_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_action_series_slug"))

    op.drop_table("sent_action")
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_created_at"))

    op.drop_table("reply")
    op.drop_table("person")
    with op.batch_alter_table("owed_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owed_post_created_at"))

    op.drop_table("owed_post")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_series_start")
        batch_op.drop_index(batch_op.f("ix_meeting_series_slug"))
        batch_op.drop_index(batch_op.f("ix_meeting_scheduled_start"))
        batch_op.drop_index(batch_op.f("ix_meeting_attendance_message_id"))

    op.drop_table("meeting")
    op.drop_table("handled_message")
