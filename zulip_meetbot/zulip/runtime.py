"""The Zulip side: the event queue, catching up after a gap, routing events to the handler.

Nothing here knows SQL; the handler is given Zulip's message and reaction dicts and a small
``ZulipBotHandler`` to answer through. Requests are paced and retried by ``client``, posts made
at most once and in order by ``sender`` (replies on its own thread, while the next command is
carried out), missed messages read back by ``catchup``. Every reply is recorded with its command
in the app's ``ledger``; the runtime tells the ledger which ones Zulip has, and after a stop
posts the ones it lacks.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

import zulip

from zulip_meetbot import __version__
from zulip_meetbot.app import App
from zulip_meetbot.config import Settings
from zulip_meetbot.handler import MeetbotHandler
from zulip_meetbot.markup import LEADING_MENTION
from zulip_meetbot.views import count
from zulip_meetbot.zulip import catchup, streams
from zulip_meetbot.zulip.client import UNREACHABLE, MeetbotClient, RetryPolicy
from zulip_meetbot.zulip.directory import ZulipDirectory
from zulip_meetbot.zulip.sender import Sender

log = logging.getLogger(__name__)

EVENT_TYPES = ["message", "reaction"]
# What the queue's registration also reads: max_message_id ("message") and the organization's
# settings ("realm": how long a message may be edited).
FETCH_EVENT_TYPES = ["message", "realm"]
# Zulip's own internal bots (Notification Bot, Welcome Bot) post with this realm string.
_INTERNAL_REALM = "zulipinternal"
# Zulip's answer when it no longer has the event queue (a restart, or 10 minutes unpolled).
BAD_EVENT_QUEUE_ID = "BAD_EVENT_QUEUE_ID"
# How often a wait looks whether meetbot is stopping.
_STOP_CHECK = 0.25
# Replies still to post when the next batch of events is asked for (see Runtime._poll).
_POSTS_IN_FLIGHT = 2
# How long a stop waits for the replies still in line to be posted.
_DRAIN_SECONDS = 10.0
# How often the records older than the catch-up window are dropped while running.
FORGET_EVERY = 3600.0


def make_client(settings: Settings, policy: RetryPolicy | None = None) -> MeetbotClient:
    """The bot's paced, retrying ``zulip.Client`` from the botrc's ``[api]`` section."""
    api = settings.api
    return MeetbotClient(
        policy=policy,
        email=api.email,
        api_key=api.key,
        site=api.site,
        insecure=api.insecure,
        cert_bundle=api.cert_bundle,
        client=f"meetbot/{__version__}",
        # A missing ~/.zuliprc must not be read in place of the botrc.
        config_file=str(settings.path),
    )


class ZulipBotHandler:
    """What the handler answers through: zulip_bots' bot-handler calls, backed by the client.

    Every post goes through one ``Sender``: paced, retried, never twice. Unlike zulip_bots'
    ExternalBotHandler it never exits the process on a burst of replies.
    """

    def __init__(
        self, client: zulip.Client, profile: dict[str, Any], sender: Sender | None = None
    ) -> None:
        self._client = client
        self.user_id: int = int(profile["user_id"])
        self.full_name: str = str(profile["full_name"])
        self.email: str = str(profile["email"])
        if sender is None and isinstance(client, MeetbotClient):
            sender = Sender(client, self.user_id)
        self.sender = sender
        self._posted_lock = threading.Lock()
        self._posted: list[tuple[int, int]] = []

    def send_message(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.sender is None:  # a plain zulip.Client, as in some tests
            return self._client.send_message(message)
        return self.sender.send(message)

    def wait_for_slot(self) -> bool:
        """Before a scheduled post, with no lock held: wait until it may go and leave the
        slots kept for replies (see ``pacing``); False if meetbot is stopping."""
        if self.sender is None:
            return True
        return self.sender.wait_for_scheduled_slot()

    def send_reply(self, message: dict[str, Any], response: str) -> dict[str, Any] | None:
        """Answer in the message's own topic, or in the same direct-message conversation.

        A command's answer is queued (None is returned): the sender posts it while the next
        command is carried out, and :meth:`take_posted_replies` reports it once Zulip has it.
        """
        reply = reply_message(message, response)
        command_id = message.get("id")
        if self.sender is None or not isinstance(command_id, int):
            return self.send_message(reply)

        def posted(answer: dict[str, Any]) -> None:
            if answer.get("result") == "success" and isinstance(answer.get("id"), int):
                with self._posted_lock:
                    self._posted.append((command_id, answer["id"]))

        self.sender.post(reply, posted)
        return None

    def take_posted_replies(self) -> list[tuple[int, int]]:
        """(command id, message id) of the replies Zulip has taken since the last call."""
        with self._posted_lock:
            posted, self._posted = self._posted, []
        return posted

    def update_message(self, message: dict[str, Any]) -> dict[str, Any]:
        """PATCH /messages/{id}: change one of the bot's own messages (a summary gains the link
        to its published notes)."""
        return self._client.update_message(message)

    def add_reaction(self, reaction: dict[str, Any]) -> dict[str, Any]:
        """POST /messages/{id}/reactions: the bot's own reaction (a quick vote's options)."""
        return self._client.add_reaction(reaction)

    def upload_file(self, file: Any) -> dict[str, Any]:
        """POST /user_uploads: attach a file (the notes) to a later message."""
        return self._client.upload_file(file)

    def get_config_info(self, bot_name: str, optional: bool = False) -> dict[str, str]:
        return {}


def reply_message(message: dict[str, Any], content: str) -> dict[str, Any]:
    """The POST /messages request that answers ``message`` where it was said."""
    if message.get("type") == "private":
        recipients = [r["id"] for r in message.get("display_recipient", [])]
        return {"type": "private", "to": recipients, "content": content}
    return {
        "type": "stream",
        "to": message["display_recipient"],
        "topic": message.get("subject") or message.get("topic") or "",
        "content": content,
    }


def message_edit_limit(registered: dict[str, Any]) -> timedelta | None:
    """How long after posting the bot may edit its own message, from POST /register's realm
    settings: None for no limit (also an older server's 0, or a server that does not say),
    zero when the organization turned message editing off."""
    if registered.get("realm_allow_message_editing") is False:
        return timedelta(0)
    seconds = registered.get("realm_message_content_edit_limit_seconds")
    # Before Zulip 6.0 (feature level 138) no limit was 0; since, it is null.
    if not isinstance(seconds, int) or seconds <= 0:
        return None
    return timedelta(seconds=seconds)


def command_text(message: dict[str, Any], flags: list[str], bot: ZulipBotHandler) -> str | None:
    """The command in a message meant for the bot, or None if the bot should not act on it.

    Like zulip-run-bot: a stream message counts when it starts by mentioning the bot; a
    one-to-one direct message always counts. The bot's own messages, other bots' and Zulip's
    internal notices never do.
    """
    if message.get("sender_id") == bot.user_id:
        return None
    if message.get("sender_realm_str") == _INTERNAL_REALM:
        return None
    content = str(message.get("content") or "")
    stripped = strip_leading_mention(content, bot.full_name, bot.user_id)
    recipients = message.get("display_recipient")
    if message.get("type") == "private" and isinstance(recipients, list):
        others = [r for r in recipients if isinstance(r, dict) and r.get("id") != bot.user_id]
        if len(others) == 1:
            return content.strip() if stripped is None else stripped
    if "mentioned" in flags and stripped is not None:
        return stripped
    return None


def strip_leading_mention(content: str, full_name: str, user_id: int) -> str | None:
    """The text after a leading ``@**Name**`` or ``@**Name|id**``, or None if there is none."""
    match = LEADING_MENTION.match(content)
    if not match:
        return None
    name, mentioned_id = match.group(1), match.group(2)
    if mentioned_id is not None and int(mentioned_id) != user_id:
        return None
    if mentioned_id is None and name != full_name:
        return None
    return content[match.end() :].strip()


class _Poller:
    """Long-polls GET /events in a daemon thread, so the loop can stop in the middle of one.

    A signal handler that raised into the long-poll could land anywhere (inside a lock); this
    way it only sets a flag, which the waiting loop reads every quarter second.
    """

    def __init__(self, client: zulip.Client) -> None:
        self._client = client
        self._asked: queue.Queue[dict[str, Any]] = queue.Queue()
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._busy = False
        self._thread = threading.Thread(target=self._serve, name="meetbot-events", daemon=True)
        self._thread.start()

    def poll(
        self, queue_id: str, last_event_id: int, stopping: Callable[[], bool]
    ) -> dict[str, Any] | None:
        """Zulip's answer to GET /events, or None if stopping came first."""
        if not self._busy:  # else the answer to a poll abandoned earlier is still to come
            self._asked.put({"queue_id": queue_id, "last_event_id": last_event_id})
            self._busy = True
        while not stopping():
            try:
                answer = self._answers.get(timeout=_STOP_CHECK)
            except queue.Empty:
                continue
            self._busy = False
            return answer
        return None

    def _serve(self) -> None:
        while True:
            request = self._asked.get()
            try:
                answer = self._client.get_events(**request)
            except Exception as error:  # the client turns failures into answers; just in case
                answer = {"result": "error", "code": UNREACHABLE, "msg": str(error)}
            self._answers.put(answer)


class Runtime:
    """Connects to Zulip, subscribes to the series' streams and feeds events to the handler.

    After every gap (start-up, an event queue Zulip lost) it first catches up: the commands it
    missed, in order, and the reactions now on open attendance messages.
    """

    def __init__(self, app: App, client: zulip.Client, handler: MeetbotHandler) -> None:
        self.app = app
        self.settings = app.settings
        self.client = client
        self.handler = handler
        self.bot: ZulipBotHandler | None = None
        self._stopping = False
        self._signal: int | None = None
        self._poller: _Poller | None = None
        self._forget_at = 0.0  # monotonic instant of the next drop of old records
        self._only_own_replies = False  # the last batch held nothing but the bot's own posts
        self._queue_id: str | None = None
        self._last_event_id = -1
        # Posts Zulip did not take are tried again while running, with backoff.
        self._failures_seen = 0  # the sender's failed_posts when last looked at
        self._owed_attempt = 0
        self._owed_retry_at: float | None = None  # monotonic instant of the next try

    def connect(self) -> None:
        """Who am I, who is everyone, and subscribe to every series' stream."""
        profile = self.client.get_profile()
        if profile.get("result") != "success":
            raise ConnectionError(f"Zulip refused the bot's credentials: {profile.get('msg')}")
        self.bot = ZulipBotHandler(self.client, profile)
        if self.bot.sender is not None:
            # Posts up to here were made before this process: never mistaken for its own.
            self.bot.sender.note_known_messages(int(profile.get("max_message_id") or 0))
        log.info(
            "connected to %s as %s (user %s)",
            self.settings.api.site,
            self.bot.full_name,
            self.bot.user_id,
        )
        if isinstance(self.app.directory, ZulipDirectory):
            self.app.directory.load()
        # Three requests at most, however many series: see zulip/streams.py.
        joined = streams.join_streams(self.client, {s.stream for s in self.settings.series})
        streams.report(joined)
        self.app.unusable_streams = frozenset(name.casefold() for name in joined.missing)
        self.app.private_streams = frozenset(name.casefold() for name in joined.private)
        idle = [series.slug for series in self.settings.series if not self.app.runs(series)]
        if idle:
            log.error(
                "not running %d series until the bot can use their streams (restart meetbot "
                "then): %s get no reminders, starts or ends",
                len(idle),
                ", ".join(idle),
            )

    # -- stopping ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Leave :meth:`run` after the event in hand (callable from any thread)."""
        self._begin_stopping()

    def stop_from_signal(self, signum: int, frame: FrameType | None) -> None:
        """SIGTERM/SIGINT: finish the command in hand, then leave :meth:`run`.

        It only sets flags: a long-poll or an idle wait ends within a quarter second, a command
        being handled is finished.
        """
        self._signal = signum
        self._begin_stopping()

    def _begin_stopping(self) -> None:
        self._stopping = True
        if isinstance(self.client, MeetbotClient):
            self.client.stopping = True  # no more retries: answer with what we have

    # -- the event loop -----------------------------------------------------------------------

    def run(self) -> None:
        """Handle events until stopped; after every gap, catch up before anything else."""
        if self.bot is None:
            self.connect()
        failures = 0
        try:
            try:
                self._post_owed("a stop had cut off")
            except Exception:  # the next start tries again: never a reason not to run
                log.exception("could not post the replies a stop had cut off")
            while not self._stopping:
                try:
                    failures = self._step(failures)
                except Exception:  # a bug must not stop the bot; the next step starts afresh
                    log.exception("unexpected error in the event loop")
                    failures += 1
                    self._idle(self._backoff(failures))
        finally:
            if self._signal is not None:
                log.info("stopping on signal %d", self._signal)
            self._drop_queue()
            log.info("stopped listening for events")
            self._finish_replies()

    def _step(self, failures: int) -> int:
        """One turn of the loop: (re)open the queue or handle one batch; the failures in a row."""
        if self._queue_id is None and not self._open_queue():
            self._idle(self._backoff(failures + 1))
            return failures + 1
        events, wait = self._poll()
        if events is None:
            if self._queue_id is None:
                return failures  # a lost queue is replaced at once
            self._idle(wait or self._backoff(failures + 1))
            return failures + 1
        self._handle_events(events)
        self._forget_old_records()
        self._retry_owed()
        return 0

    def _open_queue(self) -> bool:
        """Register a queue, then catch up on what came before it; False if that failed."""
        registered = self.client.register(
            event_types=EVENT_TYPES, fetch_event_types=FETCH_EVENT_TYPES
        )
        if registered.get("result") != "success":
            if registered.get("code") != UNREACHABLE:  # the client has logged those
                log.error("could not register an event queue: %s", registered.get("msg"))
            return False
        # Read at every registration, before any command: an administrator may change it.
        self.app.message_edit_limit = message_edit_limit(registered)
        self._queue_id = registered["queue_id"]
        self._last_event_id = int(registered["last_event_id"])
        try:
            # Everything after max_message_id reaches the new queue; everything up to it is
            # read back here. A message in both is handled once (the ledger remembers).
            self._catch_up(int(registered.get("max_message_id") or 0))
        except catchup.CatchUpFailed as error:
            log.error("could not read back the messages sent while away: %s", error)
            self._drop_queue()
            return False
        log.info("listening for events on queue %s", self._queue_id)
        return True

    def _catch_up(self, upto_id: int) -> None:
        """Answer the commands missed since the last handled message, then read attendance."""
        after_id = self.app.ledger.last_handled()
        since = time.time() - self.settings.catch_up.total_seconds()
        missed = catchup.missed_messages(self.client, after_id, upto_id, since)
        assert self.bot is not None
        pending = [
            m
            for m in missed
            if command_text(m, m.get("flags", []), self.bot) is not None
            and not self.app.ledger.was_handled(int(m["id"]))
        ]
        if pending:
            how_many = count(len(pending), "message", "messages")
            log.info("catching up on %s sent to the bot while it was away", how_many)
        for message in pending:
            if self._stopping:
                return  # the rest is read back at the next start
            flags = message.get("flags", [])
            self._dispatch_safely({"type": "message", "message": message, "flags": flags})
        # A quick vote's message is read back the same way: its reactions are ballots. The 👎
        # on the reminders of meetings to come are regrets. All are the bot's own posts: their
        # reactions are read together, a few paged requests whatever the number of series.
        open_ids = self.handler.open_attendance_message_ids()
        open_ids += self.handler.open_vote_message_ids()
        groups = self.handler.open_reminder_groups()
        wanted = {*open_ids, *(message_id for group in groups for message_id in group)}
        if not wanted:
            return
        reactions = catchup.reactions_on_own_messages(self.client, self.bot.user_id, wanted)
        for message_id in open_ids:
            if message_id in reactions:
                self._reconcile_attendance(message_id, reactions[message_id])
        for group in groups:
            if self._stopping:
                return
            # Unless Zulip listed the reactions of every reminder (a 👎 may be on one it did
            # not list: none is taken back).
            if all(message_id in reactions for message_id in group):
                self._reconcile_regrets({i: reactions[i] for i in group})

    def _reconcile_attendance(self, message_id: int, reactions: list[dict[str, Any]]) -> None:
        assert self.bot is not None
        try:
            corrected = self.handler.reconcile_attendance(message_id, reactions, self.bot)
        except Exception:  # attendance is worth a log line, not a stalled bot
            log.exception("could not read back the attendance on message %d", message_id)
            return
        if corrected:
            read = count(corrected, "reaction", "reactions")
            log.info("attendance: %s read back from Zulip", read)

    def _reconcile_regrets(self, reactions: dict[int, list[dict[str, Any]]]) -> None:
        """One meeting's reminders: its regrets by 👎 made to match them."""
        assert self.bot is not None
        try:
            corrected = self.handler.reconcile_regrets(reactions, self.bot)
        except Exception:  # as attendance: a log line, not a stalled bot
            log.exception("could not read back the regrets on reminders %s", tuple(reactions))
            return
        if corrected:
            log.info("regrets: %s read back from Zulip", count(corrected, "reaction", "reactions"))

    def _post_owed(self, why: str) -> bool:
        """Post what a stop or a long refusal by Zulip cut off: the posts owed in meetings'
        topics (an attendance message before the reply about it), then the replies; ``why``
        for the log. True if nothing is left owed."""
        return self._post_owed_posts(why) and self._post_owed_replies(why)

    def _post_owed_posts(self, why: str) -> bool:
        """Post the attendance messages, summaries and reminders not known to be posted: each
        looked for among the bot's newest posts in its topic first. False at the first one
        Zulip would not take."""
        assert self.bot is not None
        sender = self.bot.sender
        if sender is None:
            return True
        elsewhere = self.app.delivered_elsewhere
        for post in self.app.ledger.owed_posts(self._window_start()):
            if elsewhere is not None and elsewhere(post.key):
                continue
            # The scheduler posts with the lock held: never both at once.
            with self.app.lock:
                if not self.app.ledger.is_owed(post.key):
                    continue  # the publisher's worker (or the scheduler) posted it meanwhile
                looked, found = sender.find_posted(post.message(), None)
                if not looked:
                    return False
                if found is None:
                    answer = sender.send(post.message())
                    if answer.get("result") != "success":
                        return False
                    found = int(answer["id"])
                    log.info("posted a message in %r that %s", post.topic, why)
                self.app.ledger.post_delivered(post.key, found)
        return True

    def _retry_owed(self) -> None:
        """While running: once a post failed (Zulip refused it or could not be reached for
        the client's whole retry time), post what is owed again, with backoff, until none is."""
        sender = self.bot.sender if self.bot is not None else None
        if sender is None or self._stopping:
            return
        now = time.monotonic()
        if sender.failed_posts != self._failures_seen:
            self._failures_seen = sender.failed_posts
            if self._owed_retry_at is None:
                self._owed_attempt = 0
                self._owed_retry_at = now + self._backoff(1)
        if self._owed_retry_at is None or now < self._owed_retry_at:
            return
        if not sender.idle:  # a reply still in line would be looked for and posted twice
            self._owed_retry_at = now + _STOP_CHECK
            return
        self._record_posted_replies()
        if self._post_owed("Zulip had not taken"):
            log.info("the posts Zulip had not taken are all posted now")
            self._owed_retry_at = None
            return
        self._owed_attempt += 1
        self._owed_retry_at = time.monotonic() + self._backoff(self._owed_attempt + 1)

    def _owed_retry_due(self) -> bool:
        """Whether a post failed since the last look, or owed posts are to be tried again."""
        sender = self.bot.sender if self.bot is not None else None
        if sender is not None and sender.failed_posts != self._failures_seen:
            return True
        return self._owed_retry_at is not None and time.monotonic() >= self._owed_retry_at

    def _post_owed_replies(self, why: str) -> bool:
        """Post the replies a stop cut off: recorded with their command, not known to be posted.
        False if one could not be looked for or posted.

        Replies go out in command order, so in each conversation the first one owed is looked
        for after its command and the newest reply known posted, each next one after that.
        """
        assert self.bot is not None
        sender = self.bot.sender
        if sender is None:
            return True
        everything = True
        owed = self.app.ledger.owed_replies(self._window_start())
        looked_up_to: dict[str, int] = {}
        posted: list[tuple[int, int]] = []
        for command_id, content in owed.replies:
            message = catchup.message_by_id(self.client, command_id)
            if message is None:
                continue  # deleted, or Zulip would not say: the next start looks again
            reply = reply_message(message, content)
            where = repr((reply["type"], reply["to"], reply.get("topic")))
            after = max(command_id, owed.newest_post_id, looked_up_to.get(where, 0))
            looked, found = sender.find_posted(reply, after)
            if not looked:
                everything = False
                continue
            if found is None:
                answer = sender.send(reply)
                if answer.get("result") != "success":
                    everything = False
                    continue
                found = int(answer["id"])
                log.info("posted the reply to message %d that %s", command_id, why)
            looked_up_to[where] = found
            posted.append((command_id, found))
        self.app.ledger.replies_posted(posted)
        return everything

    def _forget_old_records(self) -> None:
        """Now and then, drop what is older than the catch-up window (never while stopping)."""
        if self._stopping or time.monotonic() < self._forget_at:
            return
        self._forget_at = time.monotonic() + FORGET_EVERY
        try:
            self.app.ledger.forget_before(self._window_start())
        except Exception:  # a locked database: the next time will do
            log.exception("could not drop the records older than catch_up")

    def _window_start(self) -> datetime:
        """The oldest instant in the catch-up window: older records are not posted late."""
        return self.app.clock.now() - self.settings.catch_up

    def _record_posted_replies(self) -> None:
        """Tell the ledger which replies Zulip has now: they are no longer owed."""
        if self.bot is None:
            return
        posted = self.bot.take_posted_replies()
        if posted:
            self.app.ledger.replies_posted(posted)

    def _finish_replies(self) -> None:
        """At a stop: post the replies still in line, and record them posted."""
        sender = self.bot.sender if self.bot is not None else None
        if sender is not None and not sender.drain(_DRAIN_SECONDS):
            log.warning("stopped with replies still unposted; they go out at the next start")
        try:
            self._record_posted_replies()
        except Exception:  # the next start finds them in Zulip instead
            log.exception("could not record the last replies as posted")

    def _poll(self) -> tuple[list[dict[str, Any]] | None, float | None]:
        """(the next events, or None after a failure; how long Zulip asked us to wait)."""
        assert self._queue_id is not None
        if self._poller is None:
            self._poller = _Poller(self.client)
        if self._only_own_replies and self.bot is not None and self.bot.sender is not None:
            # Each reply comes back as an event. Asked for again while many are still being
            # posted, they would come one poll per reply, costing Zulip and the bot a request
            # each: after a batch of nothing else, a short wait lets one batch bring them all,
            # with the commands said since. After real work the bot asks at once.
            self.bot.sender.wait_for_room(_POSTS_IN_FLIGHT, _STOP_CHECK)
        response = self._poller.poll(self._queue_id, self._last_event_id, self._wake)
        if response is None:
            return [], None  # stopping, or owed posts to try again (the answer comes later)
        if response.get("result") == "success":
            return list(response.get("events", [])), None
        if response.get("code") == BAD_EVENT_QUEUE_ID:
            if not self._stopping:
                log.warning("Zulip lost the event queue; catching up on what it missed")
            self._queue_id = None
        elif response.get("code") != UNREACHABLE:
            log.error("could not get events: %s", response.get("msg"))
        wait = response.get("retry-after")
        return None, float(wait) if isinstance(wait, (int, float)) else None

    def _handle_events(self, events: list[dict[str, Any]]) -> None:
        me = self.bot.user_id if self.bot is not None else None
        self._only_own_replies = all(
            event.get("type") == "message" and event["message"].get("sender_id") == me
            for event in events
        )
        for event in events:
            if self._stopping:
                return  # unhandled ones are read back at the next start
            self._last_event_id = max(self._last_event_id, int(event["id"]))
            self._dispatch_safely(event)
        # Once a batch, not once a reply: in a burst many replies share one write.
        self._record_posted_replies()

    def _dispatch_safely(self, event: dict[str, Any]) -> None:
        try:
            self.dispatch(event)
        except Exception:  # one bad event must not stop the bot
            log.exception("could not handle a %s event", event.get("type"))

    def dispatch(self, event: dict[str, Any]) -> None:
        """Route one event: commands and attendance reactions go to the handler."""
        assert self.bot is not None
        if event.get("type") == "message":
            message = dict(event["message"])
            text = command_text(message, event.get("flags", []), self.bot)
            if text is None:
                return
            sender = self.app.directory.member(int(message.get("sender_id", 0)))
            if sender is not None and sender.is_bot:
                return
            message["full_content"] = message.get("content")
            message["content"] = text
            self.handler.handle_message(message, self.bot)
        elif event.get("type") == "reaction":
            self.handler.handle_reaction(event, self.bot)

    # -- helpers ------------------------------------------------------------------------------

    def _drop_queue(self) -> None:
        """Give up the event queue; deleting it frees it on the server now, not in 10 minutes."""
        queue_id, self._queue_id = self._queue_id, None
        if queue_id is not None:
            self.client.deregister(queue_id, timeout=2.0)

    def _backoff(self, failures: int) -> float:
        policy = getattr(self.client, "policy", None) or RetryPolicy()
        return policy.backoff(failures)

    def _wake(self) -> bool:
        """Whether a long-poll should be left for now."""
        return self._stopping or self._owed_retry_due()

    def _idle(self, seconds: float) -> None:
        """Wait between failed attempts; a stop or a signal ends the wait."""
        end = time.monotonic() + seconds
        while not self._stopping and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, _STOP_CHECK))
