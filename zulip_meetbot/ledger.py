"""Which messages were handled and which replies and posts are owed: at most once, nothing lost.

A command is claimed in the transaction that carries it out, with its reply: a message that
comes back (catch-up and the event queue both deliver it) finds it claimed, and a reply or post
cut off by a stop is still owed at the next start. The handler and the meeting's start and end
claim, the runtime posts what is owed and marks it posted; neither keeps this record itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.domain import posts

# The kinds of owed post, and the value, under the names the ledger's users know.
from zulip_meetbot.domain.posts import ATTENDANCE as ATTENDANCE
from zulip_meetbot.domain.posts import GOVERNANCE as GOVERNANCE
from zulip_meetbot.domain.posts import GOVERNANCE_CALL as GOVERNANCE_CALL
from zulip_meetbot.domain.posts import GOVERNANCE_REMINDER as GOVERNANCE_REMINDER
from zulip_meetbot.domain.posts import GOVERNANCE_RESULT as GOVERNANCE_RESULT
from zulip_meetbot.domain.posts import NOTICE as NOTICE
from zulip_meetbot.domain.posts import PUBLICATION as PUBLICATION
from zulip_meetbot.domain.posts import REMINDER as REMINDER
from zulip_meetbot.domain.posts import SUMMARY as SUMMARY
from zulip_meetbot.domain.posts import VOTE as VOTE
from zulip_meetbot.domain.posts import VOTE_MESSAGE as VOTE_MESSAGE
from zulip_meetbot.domain.posts import VOTE_TALLY as VOTE_TALLY
from zulip_meetbot.domain.posts import OwedPost as OwedPost
from zulip_meetbot.store import Store
from zulip_meetbot.timeutil import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OwedReplies:
    """Replies a stop may have cut off, and the newest post known to carry one."""

    newest_post_id: int
    replies: tuple[tuple[int, str], ...]  # (command id, reply), oldest command first


class Ledger:
    """The record of handled messages, owed replies and owed posts, in the store."""

    def __init__(self, db: Store, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # Every message id handled so far is at most this (None: not read yet). Zulip's ids
        # grow, so a newer message needs no look in the database to know it is new.
        self._handled_upto: int | None = None

    # -- handled messages -----------------------------------------------------------------

    def last_handled(self) -> int | None:
        """The newest Zulip message id acted on, for catching up after downtime."""
        with self.db.transaction() as session:
            return store.last_handled_message_id(session)

    def newest_known(self) -> int:
        """The newest Zulip message id on record, handled or posted by the bot (0: none)."""
        with self.db.transaction() as session:
            return store.newest_known_message_id(session)

    def was_handled(self, message_id: int) -> bool:
        """Whether this Zulip message was acted on already (its effect committed)."""
        if self._handled_upto is None:
            self._handled_upto = self.last_handled() or 0
        if message_id > self._handled_upto:
            # It may be handled from now on: the next ask looks in the database.
            self._handled_upto = message_id
            return False
        with self.db.transaction() as session:
            return store.was_handled(session, message_id)

    def claim(self, session: Session, message_id: int | None, reply: str | None = None) -> bool:
        """Record the message handled in ``session``'s transaction, with its ``reply`` owed;
        False (and nothing recorded) if it was handled already."""
        if not store.claim_message(session, message_id, self.clock.now()):
            return False
        if reply:
            self.owe_reply(session, message_id, reply)
        return True

    def owe_reply(self, session: Session, message_id: int | None, reply: str) -> None:
        """The reply to a message claimed in ``session``'s transaction, owed until posted."""
        store.owe_reply(session, message_id, reply, self.clock.now())

    # -- owed replies and posts -----------------------------------------------------------

    def owed_replies(self, since: datetime) -> OwedReplies:
        """Replies recorded since ``since`` that may not have been posted yet."""
        with self.db.transaction() as session:
            newest = store.newest_reply_post_id(session)
            store.forget_replies_before(session, since, newest)
            return OwedReplies(
                newest,
                tuple((row.message_id, row.content) for row in store.owed_replies(session, since)),
            )

    def replies_posted(self, posted: list[tuple[int, int]]) -> None:
        """(command id, Zulip message id) of replies now posted: no longer owed."""
        with self.db.transaction() as session:
            store.replies_posted(session, posted)

    def owe_post(
        self,
        session: Session,
        kind: str,
        meeting_id: int,
        stream: str,
        topic: str,
        content: str,
        *,
        key: str | None = None,
        expires_at: datetime | None = None,
    ) -> OwedPost | None:
        """Record a post owed in a meeting's topic (by default one of its ``kind`` per
        meeting); None if it is recorded already."""
        post = OwedPost(key or posts.default_key(kind, meeting_id), stream, topic, content)
        if not posts.owe(session, post, kind, meeting_id, self.clock.now(), expires_at):
            return None
        return post

    def owed_posts(self, since: datetime) -> list[OwedPost]:
        """Posts in meetings' topics recorded since ``since`` that Zulip may not have; those no
        longer timely (a reminder past its expiry, or of a meeting since started or cancelled)
        are dropped."""
        with self.db.transaction() as session:
            return posts.timely(session, self.clock.now(), since)

    def is_owed(self, key: str) -> bool:
        """Whether the post ``key`` is recorded and not known to be posted: asked again with
        the lock held, since another thread may have posted it after the list was read."""
        with self.db.transaction() as session:
            row = store.owed_post(session, key)
            return row is not None and row.posted_id is None

    def post_delivered(self, key: str, posted_id: int) -> None:
        """The owed post ``key`` is Zulip's message ``posted_id``: an attendance message is now
        the meeting's, a reminder's scheduled action is done."""
        with self.db.transaction() as session:
            posts.delivered(session, key, posted_id)

    def forget_before(self, before: datetime) -> None:
        """Drop the handled messages, replies and posts older than ``before`` (the catch-up
        window): each gains rows as commands come, and a bot may run for months unrestarted."""
        with self.db.transaction() as session:
            store.forget_handled_before(session, before)
            store.forget_replies_before(session, before, store.newest_reply_post_id(session))
            # A reminder's text stays while its meeting is to come: a move or skip edits it.
            store.forget_owed_posts_before(session, before, keep_posted=REMINDER)
