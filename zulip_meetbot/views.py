"""What the bot says, as Zulip markdown: one function per kind of message."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from zulip_meetbot import refusals
from zulip_meetbot.commands import USAGE, VERBS, MinuteKind, UsageError, help_entries
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain.record import (
    CANCELLED,
    ActionItem,
    AgendaItem,
    AnnouncedVote,
    Attendee,
    MeetingRecord,
    QuickVote,
    minutes_of,
)
from zulip_meetbot.errors import UserError
from zulip_meetbot.markup import (
    MAX_MESSAGE_LENGTH,
    global_time,
    narrow_url,
    silenced,
    silent_mention,
    stream_link,
    without_owner_mentions,
)
from zulip_meetbot.timeutil import format_duration, zone_time_text
from zulip_meetbot.vote_views import verdict_words, vote_topic

if TYPE_CHECKING:
    # Only for hints: meetings loads SQLAlchemy, and notes.py (so `meetbot --help`) uses count.
    from zulip_meetbot.domain.meetings import Meeting, PlannedMeeting
    from zulip_meetbot.domain.timeboxes import Overrun

_INDENT = "    "


# How many series a reply names before saying how many more there are.
_SLUGS_SHOWN = 20


def count(number: int, singular: str, plural: str) -> str:
    """``number`` with its noun in the right form: ``1 person``, ``0 people``, ``2 people``.
    Templates have it as the filter ``counted``."""
    return f"{number} {singular if number == 1 else plural}"


def one_line(text: str) -> str:
    """User text as the bot repeats it: on one line (a newline would break a list) and with
    its mentions made silent."""
    return silenced(" ".join(text.split()))


def help_text(series: Sequence[SeriesConfig]) -> str:
    """The short list of everything the bot understands; fits one screen."""
    lines = ["**meetbot** runs this stream's meetings. Mention me with one of:"]
    for verb in VERBS:
        entries = [usage for usage in USAGE if usage.verb == verb]
        subs = ", ".join(f"`{usage.sub}`" for usage in entries if usage.sub)
        also = f" (also {subs})" if subs else ""
        main = entries[0]
        chairs = "chairs: " if main.who == "chairs" else ""
        # The bare verb changes nothing, but its sub-verbs listed beside it do.
        does = main.does.removesuffix("; changes nothing") if subs else main.does
        lines.append(f"- `{main.forms[0]}`{also}: {chairs}{does}")
    lines.append(
        "\nSay `help VERB` for its forms, an example and who may use it; a sub-verb works "
        "too (`help defer`)."
    )
    if len(series) > 1:
        slugs = _slugs([s.slug for s in series])
        lines.append(
            f"In a direct message, name the series first, e.g. `{series[0].slug}: agenda` "
            f"(series: {slugs})."
        )
    return "\n".join(lines)


def help_verb(topic: str) -> str:
    """`help VERB`: each of the verb's (or sub-verb's) entries with forms, example and who."""
    blocks = []
    for usage in help_entries(topic):
        forms = ", ".join(f"`{form}`" for form in usage.forms)
        blocks.append(
            f"**{usage.name}**: {usage.does}.\n{forms}\n"
            f"Who: {usage.who}. Example: `{usage.example}`"
        )
    return "\n\n".join(blocks)


def meeting_heading(series: SeriesConfig, meeting: Meeting) -> str:
    state = " (running)" if meeting.is_running else ""
    return (
        f"**{series.title}**{state} · {global_time(meeting.scheduled_start)} · "
        f"{stream_link(series.stream, meeting.topic)}"
    )


def agenda_text(
    series: SeriesConfig, meeting: Meeting, record: MeetingRecord, now: datetime | None = None
) -> str:
    """The agenda, numbered, by section, with the open action items of earlier meetings;
    ``now`` times the discussion of the item under discussion."""

    def lines(with_minutes: bool) -> list[str]:
        found = [meeting_heading(series, meeting), *_regrets(record)]
        for section in record.sections:
            found.append(f"\n**{section.name}**")
            if not section.items:
                found.append("_(nothing yet)_")
            for item in section.items:
                found.extend(_item_lines(item, 0, with_minutes, now))
        found.extend(_planned(record, series.duration))
        found.extend(_ongoing_votes(series, record))
        found.extend(_open_actions(record))
        found.append(
            f"\nTo add an item: `agenda add {series.default_section}: TEXT` or `agenda add TEXT`."
        )
        return found

    return _within_limit(lines)


def _within_limit(lines: Callable[[bool], list[str]]) -> str:
    """The message whole if Zulip takes it; else with counts in place of the notes; else cut
    short, saying so, with its last line (how to add an item) kept."""
    text = "\n".join(lines(True))
    if len(text) <= MAX_MESSAGE_LENGTH:
        return text
    compact = lines(False)
    text = "\n".join(compact)
    if len(text) <= MAX_MESSAGE_LENGTH:
        return text
    *body, last = compact
    room = MAX_MESSAGE_LENGTH - len(last) - 200  # the line saying what was left out
    kept: list[str] = []
    for line in body:
        room -= len(line) + 1
        if room < 0:
            break
        kept.append(line)
    left_out = len(body) - len(kept)
    left = count(left_out, "more line", "more lines")
    cut = f"_…and {left}: Zulip takes at most {MAX_MESSAGE_LENGTH:,} characters._"
    return "\n".join([*kept, cut, last])


def _open_actions(record: MeetingRecord) -> list[str]:
    if not record.open_actions:
        return []
    lines = ["\n**Open action items from earlier meetings**"]
    for action in record.open_actions:
        tick = "✅ " if action.done else ""
        owners = listed(action.owners) or "unowned"
        lines.append(f"- {tick}**#{action.number}** {one_line(action_task(action))} ({owners})")
    return lines


def _ongoing_votes(series: SeriesConfig, record: MeetingRecord) -> list[str]:
    """The series' open governance votes, each linked to its topic (reminders, `agenda`)."""
    if not record.ongoing_votes:
        return []
    lines = ["\n**Ongoing votes**"]
    for vote in record.ongoing_votes:
        lines.append(
            f"- vote {vote.number} ({vote.policy}): {one_line(vote.text)} — until "
            f"{global_time(vote.deadline)} ({vote.deadline_day}), {_participation(vote)}: "
            f"{stream_link(series.stream, vote_topic(vote))}"
        )
    return lines


def _participation(vote: AnnouncedVote) -> str:
    if vote.sensitive:
        return "held on another platform"
    return f"{vote.ballots} of {vote.roster_size} voted"


def vote_announcement(vote: AnnouncedVote) -> str:
    """A governance vote as the notes announce it (templates: the filter ``vote_line``): open,
    ``Vote 3 (cep): TEXT — until 2026-12-18 AoE, 4 of 9 voted``; closed, ``Vote 2 (standard)
    passed: yes 6, no 1, abstain 1 — TEXT``."""
    head = f"Vote {vote.number} ({vote.policy})"
    if vote.is_open:
        return f"{head}: {vote.text} — until {vote.deadline_day}, {_participation(vote)}"
    if vote.verdict == CANCELLED:
        return f"{head} was cancelled — {vote.text}"
    if vote.sensitive:
        return f"{head} closed, its result is announced on its platform — {vote.text}"
    said = verdict_words(vote.verdict or "")
    if vote.timed_out:
        said += " on the ballots cast (timeout rules)"
    tally = vote.tally
    return f"{head} {said}: yes {tally.yes}, no {tally.no}, abstain {tally.abstain} — {vote.text}"


def _item_lines(
    item: AgendaItem, depth: int, with_minutes: bool = True, now: datetime | None = None
) -> list[str]:
    """An item and its children; with ``with_minutes``, what was said under each, else how much;
    its timebox, and (``now`` given) how long the item under discussion has taken so far."""
    tick = "✅ " if item.done else ""
    who = f"({item.proposer_initials}) " if item.show_initials else ""
    later = " _(deferred to next meeting)_" if item.deferred else ""  # as the notes say
    boxed = _timebox(item, now)
    lines = [f"{_INDENT * depth}- {tick}**{item.number}** {who}{one_line(item.text)}{boxed}{later}"]
    inner = _INDENT * (depth + 1)
    # Each with its number named for its command (`note edit N`, `agreed edit N`); an action's
    # `#N` is the series' (`action done N`).
    said = [
        f"{inner}- _{note.author_initials}: {one_line(note.text)}_ (note {note.number})"
        for note in item.notes
    ]
    said += [
        f"{inner}- **Agreed:** {one_line(d.text)} (decision {d.number})" for d in item.decisions
    ]
    for action in item.actions:
        owners = ", ".join(action.owner_initials) or "unowned"
        done = " ✅" if action.done else ""
        said.append(
            f"{inner}- **Action #{action.number}**{done} ({owners}): "
            f"{one_line(action_task(action))}"
        )
    if with_minutes:
        lines += said
    elif said:
        lines[0] += f" _({count(len(said), 'note', 'notes')})_"
    for child in item.children:
        lines.extend(_item_lines(child, depth + 1, with_minutes, now))
    return lines


def _minutes(seconds: int) -> str:
    return f"{minutes_of(seconds)} min"


def _timebox(item: AgendaItem, now: datetime | None) -> str:
    """`` ⏱ 10 min`` beside an item with a timebox, with the time it has taken: so far while
    it is under discussion, in all once discussed."""
    if item.planned_seconds is None:
        return ""
    planned = f" ⏱ {_minutes(item.planned_seconds)}"
    if item.discussing_since is not None and now is not None:
        return f"{planned}, {_minutes(item.discussed_by(now))} so far"
    if item.discussed_seconds:
        return f"{planned}, took {_minutes(item.discussed_seconds)}"
    return planned


def _planned(record: MeetingRecord, length: timedelta) -> list[str]:
    """The agenda's planned time against the meeting's length, once an item has a timebox."""
    if not record.planned_seconds:
        return []
    return [f"\n{planned_total(record, length)}"]


def planned_total(record: MeetingRecord, length: timedelta) -> str:
    """``⏱ planned 50 min of 60 min``, and by how much the plan is over the meeting's length."""
    planned, meeting = record.planned_seconds, int(length.total_seconds())
    over = f" ({_minutes(planned - meeting)} over)" if planned > meeting else ""
    return f"⏱ planned {_minutes(planned)} of {_minutes(meeting)}{over}"


def timebox_set(
    number: str, planned: timedelta | None, record: MeetingRecord, length: timedelta
) -> str:
    """The reply to `agenda time N DURATION|off`, with the agenda's planned total."""
    if planned is None:
        said = f"Item **{number}** has no planned time now."
    else:
        said = f"Item **{number}** is planned to take {format_duration(planned)}."
    if not record.planned_seconds:
        return f"{said} No item has a planned time."
    return f"{said} {planned_total(record, length)}."


def overrun_nudge(overrun: Overrun) -> str:
    """The nudge posted in the meeting's topic when the item under discussion runs past its
    time (``ordinal`` 1), and at twice it (2)."""
    planned, spent = _minutes(overrun.planned_seconds), _minutes(overrun.spent_seconds)
    item = f"item **{overrun.number}** ({one_line(overrun.text)})"
    if overrun.ordinal == 1:
        return (
            f"⏱ Time's up for {item}: {spent} of {planned} planned. Wrap up, or a chair can "
            f"give it more with `agenda time {overrun.number} DURATION`."
        )
    # A bot down past both instants (or a timebox cut short) nudges once, later than twice.
    twice = (
        "twice" if overrun.spent_seconds < 2 * overrun.planned_seconds + 60 else "more than twice"
    )
    return f"⏱ The discussion of {item} has taken {spent}, {twice} its planned {planned}."


def item_added(
    number: str, section: str, text: str, meeting: Meeting, meant_section: str | None = None
) -> str:
    reply = (
        f"Added item **{number}** to **{section}** for {global_time(meeting.scheduled_start)}: "
        f"{one_line(text)}"
    )
    if meant_section:
        reply += (
            f"\n(No section is called that: did you mean **{meant_section}**? "
            f"`agenda edit {number} …` or `agenda remove {number}` to fix it.)"
        )
    return reply


def sub_item_added(number: str, parent: str, text: str) -> str:
    return f"Added item **{number}** under item {parent}: {one_line(text)}"


def attendance_message(series: SeriesConfig, meeting: Meeting) -> str:
    """The message whose reactions mark attendance."""
    link = f"\nCall: {series.video_link}" if series.video_link else ""
    return (
        f"**{series.title}** has started. This is the meeting of {_occurrence(meeting)}.{link}\n"
        "**React to this message with any emoji to mark yourself present** "
        "(or say `here`); anyone who gives me a command during the meeting counts as present "
        "too. Remove your reaction if you were marked by mistake."
    )


def meeting_started_elsewhere(series: SeriesConfig, meeting: Meeting) -> str:
    return (
        f"Started **{series.title}**, the meeting of {_occurrence(meeting)}: the attendance "
        "message is in "
        f"{stream_link(series.stream, meeting.topic)}."
    )


def _occurrence(meeting: Meeting) -> str:
    """Which meeting of the series: its date in the series' zone, and its time for the reader."""
    return f"{meeting.date} ({global_time(meeting.scheduled_start)})"


def skipped_elsewhere(series: SeriesConfig, cancelled: Meeting) -> str:
    """The reply to `skip` said outside the cancelled meeting's topic, where the notice is."""
    return (
        f"**{series.title}** of {global_time(cancelled.scheduled_start)} is cancelled; the "
        f"notice is in {stream_link(series.stream, cancelled.topic)}."
    )


def rescheduled_elsewhere(series: SeriesConfig, meeting: Meeting) -> str:
    """The reply to `reschedule` said outside the meeting's topic, where the notice is."""
    return (
        f"**{series.title}** now meets {global_time(meeting.scheduled_start)}; the notice is in "
        f"{stream_link(series.stream, meeting.topic)}."
    )


def already_running(series: SeriesConfig, meeting: Meeting) -> str:
    return (
        f"**{series.title}**, the meeting of {_occurrence(meeting)}, is already running; react "
        "to the attendance message in "
        f"{stream_link(series.stream, meeting.topic)} to be counted."
    )


def marked_here(newly: bool, name: str, someone_else: bool = False) -> str:
    if someone_else:
        shown = one_line(name)
        return f"Marked {shown} present." if newly else f"{shown} was already marked present."
    if newly:
        return f"Welcome, {name}: you are marked present."
    return "You were already marked present."


def regrets_sent(
    series: SeriesConfig, meeting: Meeting, name: str, someone_else: bool, newly: bool
) -> str:
    """`regrets` (or a chair's `regrets NAME`) recorded, or found recorded already."""
    which = _meeting_on(series, meeting)
    if someone_else:
        shown = one_line(name)
        if not newly:
            return f"{shown}'s regrets for {which} were already noted."
        return f"Noted: {shown} cannot come to {which}. `regrets off {shown}` withdraws it."
    if not newly:
        return f"Your regrets for {which} were already noted."
    return (
        f"Noted: you cannot come to {which}. Its reminders, `agenda` and notes list your "
        "regrets (unless you attend after all); `regrets off` withdraws them."
    )


def regrets_withdrawn(series: SeriesConfig, meeting: Meeting, name: str, someone_else: bool) -> str:
    """`regrets off` (or a chair's `regrets off NAME`) done."""
    which = _meeting_on(series, meeting)
    if someone_else:
        return f"{one_line(name)}'s regrets for {which} are withdrawn."
    return f"Your regrets for {which} are withdrawn: see you there."


def _meeting_on(series: SeriesConfig, meeting: Meeting) -> str:
    return f"**{series.title}** on {global_time(meeting.scheduled_start)}"


def _regrets(record: MeetingRecord) -> list[str]:
    """Who sent regrets (reminders, `agenda`); nothing when nobody did."""
    if not record.regrets:
        return []
    return [f"**Regrets:** {', '.join(one_line(name) for name in record.regrets)}"]


def action_recorded(
    number: int, item: str | None, owners: Sequence[str], unknown: Sequence[str]
) -> str:
    under = f" under item **{item}**" if item else ""
    return f"Recorded action item **#{number}**{under}, {_owned_by(owners, unknown)}"


def _owned_by(owners: Sequence[str], unknown: Sequence[str]) -> str:
    who = (
        listed([one_line(o) for o in owners])
        or "nobody yet (mention people, as in `@**Name**`, to make them owners)"
    )
    text = f"owned by {who}."
    if unknown:
        names = listed([f"`{one_line(n)}`" for n in unknown], "or")
        text += f" I know nobody called {names}."
    return text


def listed(names: Sequence[str], conjunction: str = "and") -> str:
    """Names as a sentence lists them: `A`, `A and B`, `A, B and C`."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


_MINUTE_NAMES: dict[MinuteKind, str] = {
    "note": "Note",
    "decision": "Decision",
    "action": "Action item",
}


def minute_edited(kind: MinuteKind, number: int, text: str) -> str:
    return f"{_MINUTE_NAMES[kind]} **#{number}** now reads: {one_line(text)}"


def action_edited(number: int, text: str, owners: Sequence[str], unknown: Sequence[str]) -> str:
    return f"{minute_edited('action', number, text)}\nIt is {_owned_by(owners, unknown)}"


def minute_removed(kind: MinuteKind, number: int, text: str) -> str:
    others = "\nThe others keep their numbers." if kind != "action" else ""
    return f"Removed {_MINUTE_NAMES[kind].lower()} **#{number}**: {one_line(text)}{others}"


def action_reopened(number: int, text: str) -> str:
    return f"Reopened action item **#{number}**: {one_line(text)}"


def summary_text(
    series: SeriesConfig,
    record: MeetingRecord,
    notes_name: str,
    notes_url: str | None = None,
    following: Meeting | None = None,
) -> str:
    """Posted at ``end``: who came, what was discussed, what the next meeting inherits (exactly
    what its agenda gets), what was decided and who does what."""
    attended = count(len(record.attendees), "person", "people")
    lines = [f"**{series.title}** has ended: {attended} attended."]
    if record.attendees:
        lines.append("Attendees: " + ", ".join(_silent(a) for a in record.attendees) + ".")
    items = [item for section in record.sections for item in section.items]
    going = {item.number for item in record.handed_on}
    discussed = [item for item in items if item.number not in going]
    if discussed:
        lines.append("\n**Items**")
        for item in discussed:
            tick = "✅ " if item.done else ""
            lines.append(
                f"- {tick}**{item.number}** ({item.proposer_initials}) {one_line(item.text)}"
            )
    elif not items:
        lines.append("No agenda items were recorded.")
    if record.handed_on:
        when = f" ({global_time(following.scheduled_start)})" if following is not None else ""
        how = "Carried" if series.carry_over == "unticked" else "Deferred"
        lines.append(f"\n**{how} to the next meeting**{when}")
        for item in record.handed_on:
            lines.append(f"- **{item.number}** ({item.proposer_initials}) {one_line(item.text)}")
            lines += _taken_along(item.children, 1)
    if record.decisions:
        lines.append("\n**Decisions**")
        lines += [f"- {one_line(d.text)} (decision {d.number})" for d in record.decisions]
    if record.actions:
        lines.append("\n**Action items**")
        for owners, actions in actions_by_owner(record.actions):
            for action in actions:
                tick = "✅ " if action.done else ""  # closed during the meeting, as items are
                task = one_line(action_task(action))
                lines.append(f"- {tick}**{owners}**: {task} (#{action.number})")
    shown = f"[{notes_name}]({notes_url})" if notes_url else f"`{notes_name}`"
    lines.append(f"\nNotes file: {shown}")
    return "\n".join(lines)


def _taken_along(children: Sequence[AgendaItem], depth: int) -> list[str]:
    """The sub-items a handed-on item takes to the next meeting, ticks kept."""
    lines = []
    for child in children:
        tick = "✅ " if child.done else ""
        who = f"({child.proposer_initials}) " if child.show_initials else ""
        lines.append(f"{_INDENT * depth}- {tick}**{child.number}** {who}{one_line(child.text)}")
        lines += _taken_along(child.children, depth + 1)
    return lines


def actions_by_owner(
    actions: Sequence[ActionItem],
) -> list[tuple[str, list[ActionItem]]]:
    """Action items grouped by their owners' names, listed (`A and B`: an action with two owners
    is listed once, under both names); unowned ones last."""
    groups: dict[tuple[str, ...], tuple[str, list[ActionItem]]] = {}
    unowned: list[ActionItem] = []
    for action in actions:
        if action.owners:  # the same people whichever order they were mentioned in
            key = tuple(sorted(name.casefold() for name in action.owners))
            groups.setdefault(key, (listed(action.owners), []))[1].append(action)
        else:
            unowned.append(action)
    ordered = list(groups.values())
    return ordered + ([("Unowned", unowned)] if unowned else [])


def action_task(action: ActionItem) -> str:
    """An action's text as shown beside its owners' names: the mentions it opens with are
    dropped when they name exactly its owners, so each owner is named once."""
    return without_owner_mentions(action.text, action.owners)


def _silent(attendee: Attendee) -> str:
    """A silent mention: it names the person without notifying them."""
    if attendee.user_id is None:
        return one_line(attendee.name)
    return silent_mention(one_line(attendee.name), attendee.user_id)


def ended_elsewhere(series: SeriesConfig, meeting: Meeting, notes_name: str) -> str:
    return (
        f"Ended **{series.title}**; the summary is in {stream_link(series.stream, meeting.topic)} "
        f"and the notes are in `{notes_name}`."
    )


_PROFILE_FIELD_NAMES = {"initials": "initials", "affiliation": "affiliation", "github": "GitHub"}


def profile_text(person: Attendee, chose_initials: bool, changed: str | None = None) -> str:
    """`profile`: the person's row; after `profile FIELD X`, first what changed."""

    def shown(value: str) -> str:
        return one_line(value) if value else "_(not set)_"

    initials = shown(person.initials)
    if not chose_initials:
        # The agenda may show H2 where someone else is H too: say why before anyone asks.
        initials += " (from your name: where someone else has them too, you may be shown as "
        initials += f"{one_line(person.initials)}2; choose your own with `profile initials X`)"
    head = ""
    if changed is not None:
        value, verb = getattr(person, changed), "read" if changed == "initials" else "reads"
        head = f"Saved: your {_PROFILE_FIELD_NAMES[changed]} now {verb} {shown(value)}.\n"
    return (
        f"{head}Your row in the attendees table:\n"
        f"- Name: {shown(person.name)}\n"
        f"- Initials: {initials}\n"
        f"- Affiliation: {shown(person.affiliation)}\n"
        f"- GitHub: {shown(person.github)}\n"
        "Change one with `profile initials X`, `profile affiliation X` or `profile github X`."
    )


def personal_reminder_set(
    series: SeriesConfig, before: timedelta | None, after: timedelta | None
) -> str:
    """The reply to `remind me [OFFSET]` and `remind me off`: what is set now, and whether
    that changed."""
    title = f"**{series.title}**"
    if after is None:
        if before is None:
            return f"You had no reminder before {title}; nothing changed."
        return f"Done: no more direct messages before {title}. `remind me` starts them again."
    when = f"{format_duration(after)} before each meeting of {title}"
    if before == after:
        return (
            f"I send you a direct message {when}. Change it with `remind me OFFSET` (e.g. "
            "`remind me 1h`); `remind me off` stops it."
        )
    was = "" if before is None else f" (was {format_duration(before)})"
    return f"Done: I will send you a direct message {when}{was}. `remind me off` stops it."


def personal_reminder(series: SeriesConfig, meeting: Meeting, now: datetime) -> str:
    """The direct message `remind me` asked for: the meeting, when, its call and its topic."""
    start = meeting.scheduled_start
    left = start - now
    when = "now" if left < timedelta(seconds=1) else f"in {format_duration(_rounded(left))}"
    lines = [f"**{series.title}** starts {global_time(start)} ({when})."]
    if series.video_link:
        lines.append(f"Call: {series.video_link}")
    lines.append(f"Topic: {stream_link(series.stream, meeting.topic)}")
    lines.append(f"_You asked for this with `remind me`; `{series.slug}: remind me off` stops it._")
    return "\n".join(lines)


def slow_down(per_minute: int, command: str) -> str:
    """A command dropped by the flood limit, named so its sender knows what to send again."""
    # Mentions in inline code notify nobody, so the command is shown as typed, on one line.
    typed = " ".join(command.split())
    shown = _code(shortened(typed, 60)) if typed else "an empty command"
    return (
        f"You sent more than {count(per_minute, 'command', 'commands')} in a minute; "
        f"I ignored {shown}. Wait a moment and send it again, and any other command I leave "
        "unanswered."
    )


def shortened(text: str, most: int) -> str:
    """``text``, cut to at most ``most`` characters with an ellipsis."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _code(text: str) -> str:
    """``text`` as Zulip inline code, whatever backticks it holds."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def refusal(problem: str) -> str:
    return f"Sorry: {problem}"


def internal_error() -> str:
    return "Sorry, something went wrong on my side and nothing was changed. Please try again."


def next_text(series: SeriesConfig, planned: Sequence[PlannedMeeting], as_list: bool) -> str:
    """The answer to ``next`` (one meeting) or ``next K`` (a numbered list)."""
    if not planned:
        return f"**{series.title}** has no upcoming meeting."

    def line(meeting: PlannedMeeting) -> str:
        state = " (running now)" if meeting.running else ""
        moved = " (rescheduled)" if meeting.moved else ""
        link = stream_link(series.stream, meeting.topic)
        return f"{global_time(meeting.start)}{state}{moved} in {link}"

    if not as_list:
        link = f"\nCall: {series.video_link}" if series.video_link else ""
        return f"The next **{series.title}** is {line(planned[0])}.{link}"
    title = f"**{series.title}**"
    lines = [f"The next {count(len(planned), f'{title} meeting', f'{title} meetings')}:"]
    lines += [f"{index}. {line(meeting)}" for index, meeting in enumerate(planned, start=1)]
    return "\n".join(lines)


def skipped(
    series: SeriesConfig, cancelled: Meeting, following: Meeting | None, moved_items: int
) -> str:
    """The notice posted when a meeting is cancelled."""
    text = f"**{series.title}** of {global_time(cancelled.scheduled_start)} is cancelled."
    if following is not None:
        text += f" The next one is {global_time(following.scheduled_start)}"
        text += f" in {stream_link(series.stream, following.topic)}."
        if moved_items:
            text += f" Its {count(moved_items, 'agenda item moves', 'agenda items move')} there."
    return text


def skipped_empty(
    series: SeriesConfig, cancelled: Meeting, following: Meeting | None, ahead: timedelta
) -> str:
    """The notice posted when skip_if_empty cancels a meeting: why, and how to keep it."""
    text = (
        f"**{series.title}** of {global_time(cancelled.scheduled_start)} is cancelled: its agenda "
        f"is empty {format_duration(ahead)} before the start.\n"
        "To hold it after all, a chair says `unskip` before the start; then add items with "
        "`agenda add TEXT`. An item added without `unskip` "
    )
    if following is not None:
        text += (
            f"goes to the next meeting ({global_time(following.scheduled_start)} in "
            f"{stream_link(series.stream, following.topic)}) and "
        )
    return text + "does not bring this one back."


def unskipped(series: SeriesConfig, meeting: Meeting) -> str:
    """The notice posted when `unskip` brings back a meeting cancelled for an empty agenda."""
    return (
        f"**{series.title}** of {global_time(meeting.scheduled_start)} is held after all: its "
        "reminders and its start follow as planned. Add to its agenda with `agenda add TEXT`."
    )


def unskipped_elsewhere(series: SeriesConfig, meeting: Meeting) -> str:
    """The reply to `unskip` said outside the meeting's topic, where the notice is."""
    return (
        f"**{series.title}** of {global_time(meeting.scheduled_start)} is held after all; the "
        f"notice is in {stream_link(series.stream, meeting.topic)}."
    )


def rescheduled(series: SeriesConfig, before: datetime, meeting: Meeting) -> str:
    """The notice posted when a meeting moves."""
    return (
        f"**{series.title}** moves from {global_time(before)} to "
        f"{global_time(meeting.scheduled_start)}, in {stream_link(series.stream, meeting.topic)}."
    )


def time_zone_link(title: str, start: datetime) -> str:
    """A page that shows the meeting's start in the reader's own zone and others."""
    query = urlencode({"msg": title, "iso": start.strftime("%Y%m%dT%H%M%S"), "p1": "1440"})
    return f"https://www.timeanddate.com/worldclock/fixedtime.html?{query}"


def reminder_text(
    series: SeriesConfig,
    meeting: Meeting,
    now: datetime,
    zones: Sequence[str],
    record: MeetingRecord,
) -> str:
    """A scheduled reminder: when (for every reader), where, and what is on the agenda."""
    start = meeting.scheduled_start
    left = start - now
    when = "now" if left < timedelta(seconds=1) else f"in {format_duration(_rounded(left))}"
    head = [f"**{series.title}** starts {global_time(start)} ({when})."]
    head += [f"- {zone_time_text(start, zone)}" for zone in zones]
    head.append(f"[What time is that in my zone?]({time_zone_link(series.title, start)})")
    if series.video_link:
        head.append(f"Call: {series.video_link}")
    head += _regrets(record)
    items = [item for section in record.sections for item in section.items]

    def lines(with_minutes: bool) -> list[str]:
        found = list(head)
        if items:
            found.append("\n**Agenda**")
            for section in record.sections:
                if section.items:
                    found.append(f"_{section.name}_")
                    for item in section.items:
                        found.extend(_item_lines(item, 0, with_minutes))
            found.extend(_planned(record, series.duration))
        else:
            found.append("\nThe agenda is empty so far.")
        found.extend(_ongoing_votes(series, record))
        found.extend(_open_actions(record))
        found.append("Cannot come? React with :-1: to this message, or say `regrets`.")
        found.append(
            f"Add an item: mention me with `agenda add {series.default_section}: TEXT` "
            "or `agenda add TEXT`."
        )
        return found

    return _within_limit(lines)


def reminder_moved(content: str, shown: datetime, start: datetime | None) -> str:
    """A posted reminder (``content``, naming ``shown``) once its meeting moved to ``start``,
    or was cancelled (None): the old time struck out and the new one, or "cancelled", beside
    it, in its first line and each zone's line; the time-zone page follows a move."""
    if start == shown:
        return content  # moved back: the reminder as posted is true again
    lines = content.split("\n")
    # "starts <time:OLD> (in 1 hour)." → "starts ~~<time:OLD> (in 1 hour)~~ <time:NEW>."
    instead = global_time(start) if start is not None else "**cancelled**"
    lines[0] = re.sub(
        re.escape(global_time(shown)) + r"(?: \([^)]*\))?",
        lambda found: f"~~{found.group(0)}~~ {instead}",
        lines[0],
        count=1,
    )
    index = 1
    while index < len(lines) and lines[index].startswith("- "):
        lines[index] = _zone_line_moved(lines[index][2:], shown, start)
        index += 1
    if start is not None:
        stamp = "iso={:%Y%m%dT%H%M%S}"
        moved = [line.replace(stamp.format(shown), stamp.format(start)) for line in lines[index:]]
        lines[index:] = moved
    return _within_limit(lambda _with_minutes: lines)


def _zone_line_moved(shown_text: str, shown: datetime, start: datetime | None) -> str:
    """A reminder's line of the time in one zone, struck out, with the new time in that zone
    when the zone can be read back from it."""
    named = re.search(r"\(([^()]+)\)$", shown_text)
    zone = named.group(1) if named else shown_text.rsplit(" ", 1)[-1]
    try:
        known = zone_time_text(shown, zone) == shown_text
    except (KeyError, ValueError, OSError):  # not a zone's name (ZoneInfoNotFoundError: KeyError)
        known = False
    if start is None or not known:
        return f"- ~~{shown_text}~~"
    return f"- ~~{shown_text}~~ {zone_time_text(start, zone)}"


def _rounded(delta: timedelta) -> timedelta:
    # "in 59 minutes 58 seconds" reads worse than the reminder's own offset.
    if delta < timedelta(minutes=1):
        return timedelta(seconds=round(delta.total_seconds()))
    return timedelta(minutes=round(delta.total_seconds() / 60))


# Refusals: the domain states the fact (refusals.py); here are its words, as Zulip markdown for
# replies and as plain text for the CLI. Everything but names and times reads the same in both.

# `meetbot render` names the last days a series met, not a years-long list.
_HELD_SHOWN = 10


@dataclass(frozen=True)
class _Marks:
    """How a refusal's words mark what they name: a name, a time, a stream, a mention."""

    strong: Callable[[str], str]
    time: Callable[[datetime], str]
    stream: Callable[[str], str]
    mention: Callable[[str], str]


_ZULIP_MARKS = _Marks(
    strong=lambda name: f"**{name}**",
    time=global_time,
    stream=stream_link,
    mention=lambda name: f"@**{name}**",
)
_PLAIN_MARKS = _Marks(
    strong=str,
    time=lambda instant: zone_time_text(instant, "UTC"),
    stream=lambda name: f"#{name}",
    mention=lambda name: f"@{name}",
)


def refusal_text(problem: UserError | UsageError) -> str:
    """The words of a refusal in a Zulip reply (which ``refusal`` prefixes with "Sorry")."""
    if isinstance(problem, refusals.Refusal):
        return _refusal_words(problem, _ZULIP_MARKS)
    return str(problem)


def refusal_plain(problem: UserError) -> str:
    """The words of a refusal for a terminal: no Zulip markup, times in UTC."""
    if isinstance(problem, refusals.Refusal):
        return _refusal_words(problem, _PLAIN_MARKS)
    return str(problem)


_MEETING_VERBS = frozenset({"start", "end", "skip", "unskip", "reschedule"})


def _refusal_words(refusal: refusals.Refusal, marks: _Marks) -> str:
    """The sentence saying ``refusal``, with what it names marked by ``marks``."""
    strong, time = marks.strong, marks.time
    match refusal:
        # The agenda
        case refusals.NothingToAdd(section=section):
            return f"there is no text to add to {strong(section)}."
        case refusals.ItemTooDeep(parent=parent, depth=depth):
            return f"item {parent} is already {depth} levels deep; add to its parent."
        case refusals.ItemAlreadyDone(number=number):
            return f"item {number} is already done; there is nothing to defer."
        case refusals.AgendaFull(limit=limit):
            return f"this meeting already holds as many items as it can ({limit})."
        case refusals.NoSuchItem(number=number):
            return f"there is no item {number} on this agenda. Say `agenda` to see the numbers."
        case refusals.NotProposer(number=number, verb=verb):
            return f"only the person who proposed item {number} or a chair can {verb} it."
        case refusals.TimeboxTooLong(number=number, planned=planned, meeting=meeting):
            return (
                f"item {number} cannot have {format_duration(planned)}: the whole meeting "
                f"lasts {format_duration(meeting)}."
            )
        # Which series, and who may use it
        case refusals.NoSuchSeries(slug=slug, known_slugs=series_slugs):
            return f"there is no series `{slug}`. The series are: {_slugs(series_slugs)}."
        case refusals.NoSeriesInStream(stream=stream):
            return (
                f"no meeting series meets in {marks.stream(stream)}. "
                "Name one first, e.g. `SLUG: agenda`."
            )
        case refusals.SeveralSeriesHere(slugs=slugs):
            return f"several series meet here ({_slugs(slugs)}): start with `SLUG:`."
        case refusals.SeriesNotNamed(slugs=slugs):
            return (
                f"which series? Start with its name, e.g. `{slugs[0]}: agenda` "
                f"(series: {_slugs(slugs)})."
            )
        case refusals.PrivateStream():
            return "that series meets in a private stream you are not in."
        case refusals.SeriesNotRunning(slug=slug):
            return (
                f"`{slug}` is not running: meetbot cannot use its stream, so it posts no "
                "reminders and starts no meetings there. An admin's `meetbot check` says why."
            )
        case refusals.NotAChair(series_title=title, verb=verb):
            # `start`, `end`, `skip`, `unskip` and `reschedule` act on a meeting; any other verb
            # is a use.
            if verb in _MEETING_VERBS:
                return (
                    f"only a chair of {strong(title)} (or an organization admin) can `{verb}` a "
                    "meeting."
                )
            return f"only a chair of {strong(title)} (or an organization admin) can use `{verb}`."
        # Meetings and their calendar
        case refusals.NoUpcomingMeeting(series_title=title, wanted=wanted):
            purpose = "" if wanted is None else f" to {wanted}"
            return f"{strong(title)} has no upcoming meeting{purpose}."
        case refusals.NotRunning(
            series_title=title, wanted=wanted, last_date=last_date, last_ended=last_ended
        ):
            ended = ""
            if last_date is not None and last_ended is not None:
                ended = f": the last one, of {last_date}, ended {time(last_ended)}"
            then = (
                "There is nothing to end."
                if wanted == "end"
                else "A chair can say `start` to begin the next one."
            )
            return f"no meeting of {strong(title)} is running{ended}. {then}"
        case refusals.CannotStart(day=day):
            return f"the meeting of {day} cannot start."
        case refusals.NotTheNextMeeting(
            series_title=title, next_day=day, next_start=start, asked=asked
        ):
            return (
                f"the next {strong(title)} is the meeting of {day} ({time(start)}), not of "
                f"{asked}. To start it now, say `start {day}`."
            )
        case refusals.TooEarlyToStart(
            series_title=title, next_day=day, next_start=start, margin=margin
        ):
            return (
                f"the next {strong(title)} is the meeting of {day}, {time(start)}: more than "
                f"{format_duration(margin)} away, so I did not start it. To start it now "
                f"anyway, say `start {day}` or `start now`."
            )
        case refusals.MeetingAlreadyRunning(wanted="skip"):
            return "that meeting is already running: a chair can `end` it instead."
        case refusals.MeetingAlreadyRunning(wanted="reschedule"):
            return "that meeting is already running; it can no longer be moved."
        case refusals.DayPassed(day=day):
            return f"{day} has already passed."
        case refusals.AlreadySkipped(day=day):
            return f"the meeting of {day} is already skipped."
        case refusals.AlreadyStarted(day=day):
            return f"the meeting of {day} has already started."
        case refusals.NothingToUnskip(series_title=title):
            return (
                f"no meeting of {strong(title)} is cancelled for an empty agenda, so there is "
                "nothing to `unskip` (a meeting a chair skipped stays skipped)."
            )
        case refusals.NotSkipped(day=day):
            return f"the meeting of {day} is not cancelled: there is nothing to `unskip`."
        case refusals.SkippedByChair(day=day):
            return (
                f"the meeting of {day} was skipped by a chair, and its agenda moved to the next "
                "meeting: `unskip` only brings back a meeting cancelled for an empty agenda."
            )
        case refusals.TooLateToUnskip(day=day, start=start):
            return (
                f"the meeting of {day} was due to start {time(start)}: it is too late to "
                "`unskip` it."
            )
        case refusals.NoMeetingOnDay(series_title=title, day=day, next_days=next_days):
            hint = f" The next ones are on {_days(next_days)}." if next_days else ""
            return f"{strong(title)} does not meet on {day}.{hint}"
        case refusals.TimeInPast(start=start):
            return f"{time(start)} is in the past; pick a time still to come."
        case refusals.AlreadyAt(start=start):
            return f"the meeting is already at {time(start)}."
        case refusals.MoveTooFar():
            return "a meeting can be moved by a year at the most."
        case refusals.WouldRunIntoMeeting(start=start):
            return (
                f"that would run into the meeting at {time(start)}. "
                "Skip that one first, or pick another time."
            )
        # Minutes
        case refusals.NotAChairToPickItem():
            return "only a chair can move the meeting to another item."
        case refusals.ActionAlreadyDone(number=number):
            return f"action item {number} is already done."
        case refusals.ActionNotClosed(number=number):
            return f"action item {number} is not closed."
        case refusals.NothingToUndo():
            return "you have recorded nothing in this meeting that I could undo."
        case refusals.NoItemUnderDiscussion(verb=verb):
            return (
                f"no item is under discussion, so say `{verb} N TEXT` for item N (in a "
                "running meeting, a chair picks the item under discussion with `item N`)."
            )
        case refusals.NoSuchNoteOrDecision(kind=kind, number=number):
            return f"there is no {kind} {number} in this meeting. `agenda` shows the numbers."
        case refusals.RecordClosed(kind=kind, number=number, ended=ended):
            return (
                f"there is no {kind} {number} in this meeting, and the record of the one that "
                f"ended {time(ended)} is closed: a meeting's record can be changed until "
                "`attendance_grace` after its end."
            )
        case refusals.NoSuchAction(number=number):
            return f"there is no action item {number}."
        case refusals.ActionOfEarlierMeeting(number=number):
            return (
                f"action item {number} was recorded at an earlier meeting: only this meeting's "
                "action items can be edited or removed."
            )
        case refusals.NotYours(kind=kind, number=number):
            return f"{kind} {number} is someone else's: only its author or a chair can change it."
        case refusals.NotYourAction(number=number, verb=verb):
            return f"only its owners, its author or a chair can {verb} action item {number}."
        # Attendance
        case refusals.NotOneMention():
            return f"`here` marks one person at a time: `here {marks.mention('Name')}`."
        case refusals.NobodyCalled(name=name):
            return (
                f"I know nobody called `{name}` here, so nobody was marked present. "
                "For someone on the call without Zulip, say `here` and their name, without @."
            )
        case refusals.IsABot(name=name):
            return f"{name} is a bot; bots do not attend meetings."
        case refusals.NotAChairToMarkOthers():
            return "only a chair can mark someone else present."
        # Regrets
        case refusals.NobodyToExcuse(name=name):
            return (
                f"I know nobody called `{name}` here, so no regrets were noted. Name them as "
                f"Zulip does, or mention them: `regrets {marks.mention('Name')}`."
            )
        case refusals.NoRegretsToWithdraw(name=name, day=day):
            who = "you had" if name is None else f"{name} had"
            return f"{who} sent no regrets for the meeting of {day}; there is nothing to withdraw."
        # People
        case refusals.InitialsTaken(initials=initials, holder=holder):
            return f"initials {initials} are already taken by {holder}; choose others."
        # Quick votes
        case refusals.NoQuickVoteOpen():
            return "no quick vote is open in this meeting. Open one with `vote QUESTION`."
        case refusals.NoSuchVoteOption(choice=choice, number=number, options=options):
            named = ", ".join(f"{strong(name)} ({i})" for i, name in enumerate(options, 1))
            return (
                f"vote {number} has no option “{shortened(choice, 40)}”; its options are {named}."
            )
        case refusals.NotVoteOpener(number=number):
            return f"only the person who opened vote {number} or a chair can close it."
        case refusals.QuickVoteClosed(number=number):
            return f"vote {number} is closed already."
        # Governance votes
        case refusals.NoRoster(series_title=title):
            return (
                f"{marks.strong(title)} has no roster to vote: its botrc section needs "
                "`votes = NAME`, naming a `[roster:NAME]` section."
            )
        case refusals.RosterUnreadable(roster=roster, reason=reason):
            return (
                f"the roster {marks.strong(roster)} cannot vote now: {reason}. A chair can mend "
                "the botrc (`meetbot check` says more) and restart meetbot."
            )
        case refusals.UnknownPolicy(policy=policy, known=names):
            return (
                f"there is no voting policy {_code(shortened(policy, 40))}; the policies are "
                f"{', '.join(_code(name) for name in names)}."
            )
        case refusals.NotOnRoster(number=None, roster=roster):
            return f"only members of the roster {marks.strong(roster)} or a chair can open a vote."
        case refusals.NotOnRoster(number=number, roster=roster):
            return (
                f"only members of the roster {marks.strong(roster)} vote in vote {number}; "
                "your ballot is not counted."
            )
        case refusals.SameVoteOpen(number=number):
            return f"vote {number} on that text is already open (`vote status {number}`)."
        case refusals.VoteDeadlinePassed(until=until, today=today):
            return (
                f"{until} has already ended Anywhere on Earth (it is {today} AoE there); "
                "give a later day."
            )
        case refusals.VoteDeadlineTooSoon(until=until, earliest=earliest, policy=policy):
            return (
                f"{until} AoE is too soon: a {policy} vote stays open until the end of "
                f"{earliest} AoE at the earliest."
            )
        case refusals.SensitiveNeedsLink(policy=policy):
            return (
                f"a {policy} vote is held on another platform: give its address, "
                f"`vote open {policy}: TEXT link https://…`."
            )
        case refusals.LinkOnlyForSensitive(policy=policy):
            return f"meetbot collects the ballots of a {policy} vote itself: leave out the link."
        case refusals.NoSuchGovernanceVote(number=number):
            return f"there is no vote {number}."
        case refusals.GovernanceVoteClosed(number=number, verdict=verdict):
            return f"vote {number} is closed already ({verdict})."
        case refusals.NoGovernanceVoteOpen(series_title=title):
            return f"no vote is open in {marks.strong(title)}. `vote open POLICY: TEXT` opens one."
        case refusals.SeveralGovernanceVotesOpen(numbers=numbers):
            return (
                f"votes {', '.join(str(n) for n in numbers)} are open: say which, e.g. "
                f"`vote yes {numbers[0]}` or `vote status {numbers[0]}`."
            )
        case refusals.SensitiveVoteElsewhere(number=number, link=link):
            return f"vote {number} is held on another platform: vote there, {link}"
        case refusals.NotABallot(said=said):
            return (
                f"{_code('vote ' + shortened(said, 40))} is no ballot: a ballot is `vote yes N`, "
                "`vote no N` or `vote abstain N` (a quick vote needs a running meeting)."
            )
        case refusals.NotVoteCanceller(number=number):
            return f"only the person who opened vote {number} or a chair can cancel it."
        # Personal reminders
        case refusals.ReminderTooEarly(offset=offset, most=most):
            return (
                f"{format_duration(offset)} ahead is too early: a personal reminder comes at "
                f"most {format_duration(most)} before the meeting. Nothing changed."
            )
        # The archive
        case refusals.NoMeetingHeld(series_title=title, day=day, skipped=skipped, held=held):
            why = "cancelled (skipped) its meeting" if skipped else "held no meeting"
            known = (
                f" Meetings held: {_days(held[-_HELD_SHOWN:])}."
                if held
                else " No meeting was held yet."
            )
            return f"{strong(title)} {why} on {day}.{known}"
    raise TypeError(f"views has no words for the refusal {type(refusal).__name__}")


def _days(days: Sequence[date]) -> str:
    return ", ".join(day.isoformat() for day in days)


def _slugs(slugs: Sequence[str]) -> str:
    # A foundation's bot runs hundreds of series: a reply names a screenful at most.
    shown = ", ".join(f"`{slug}`" for slug in slugs[:_SLUGS_SHOWN])
    more = len(slugs) - _SLUGS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


# -- replies to commands on the agenda and the minutes ------------------------------------------


def item_edited(number: str, text: str) -> str:
    """The reply to `agenda edit N TEXT`."""
    return f"Item **{number}** now reads: {one_line(text)}"


def item_removed(number: str, gone: int) -> str:
    """The reply to `agenda remove N`; ``gone`` counts the item and its sub-items."""
    extra = f" (with its {gone - 1} sub-items)" if gone > 1 else ""
    return f"Removed item **{number}**{extra}. Other items keep their numbers."


def item_moved(number: str, position: int) -> str:
    """The reply to `agenda move N POSITION`."""
    return f"Moved item **{number}** to position {position} among its siblings."


def item_ticked(number: str) -> str:
    """The reply to `agenda done N`."""
    return f"Ticked item **{number}** as done."


def item_deferred(number: str) -> str:
    """The reply to `agenda defer N`."""
    return f"Item **{number}** will move to the next meeting when this one ends."


def note_added(number: str) -> str:
    """The reply to `note`: the item it went under."""
    return f"Noted under item **{number}**."


def now_discussing(number: str, previous: str | None) -> str:
    """The reply to `item N`; ``previous``, the item it ticked, if any."""
    ticked = f" (item {previous} ticked)" if previous else ""
    return f"Now discussing item **{number}**{ticked}."


def decision_recorded(text: str, where: str | None) -> str:
    """The reply to `agreed TEXT`; ``where``, the item it went under, if any."""
    under = f" under item **{where}**" if where else ""
    return f"Recorded the decision{under}: {one_line(text)}"


def undone(what: str) -> str:
    """The reply to `undo`: ``what`` names the minute removed."""
    return f"Removed your last {what}"


def action_closed(number: int, text: str) -> str:
    """The reply to `action done N`."""
    return f"Closed action item **#{number}**: {one_line(text)}"


# -- publishing the notes (issue 14) ------------------------------------------------------


def publication_link(
    branch: str, commit_sha: str | None, pull_request: tuple[int, str] | None
) -> str:
    """The line the summary gains once the notes are published: the pull request, or else the
    commit (or the branch alone, when it had the notes already)."""
    if pull_request is not None:
        number, url = pull_request
        return f"Notes: [PR #{number}]({url})"
    if commit_sha:
        return f"Notes: commit {commit_sha[:7]} on branch `{branch}`"
    return f"Notes: on branch `{branch}`"


def summary_with_link(summary: str, link: str) -> str:
    """The summary with the published notes' line at its end."""
    return f"{summary.rstrip()}\n{link}"


def publishing_problem(
    series: SeriesConfig,
    day: date,
    problem: str,
    hint: str,
    retrying: bool,
    pushed: tuple[str, str | None] | None = None,
) -> str:
    """Told once to a meeting's chairs in its topic: its notes could not be published, why
    (the first line of git's or GitHub's error) and how to fix it; ``pushed`` (branch, commit
    or None when the branch had them): they were pushed, only the pull request failed."""
    when = "meetbot keeps trying" if retrying else "meetbot tries again when the notes change"
    notes = f"the notes of **{series.title}** ({day.isoformat()})"
    if pushed is None:
        head = f"Chairs: {notes} could not be published"
    else:
        branch, commit_sha = pushed
        where = f"were pushed as commit {commit_sha[:7]}" if commit_sha else "are"
        head = f"Chairs: {notes} {where} on branch `{branch}`; the pull request could not be opened"
    lines = [f"{head}: {_code(one_line(problem))}"]
    if hint:
        lines.append(one_line(hint))
    lines.append(
        f"Nothing is lost: {when}, and `meetbot publish {series.slug} {day.isoformat()}` "
        "publishes them by hand."
    )
    return "\n".join(lines)


def pull_request_title(day: date) -> str:
    """The title of a meeting's pull request, as conda's own: "Add meeting notes YYYY-MM-DD"."""
    return f"Add meeting notes {day.isoformat()}"


def pull_request_body(
    series: SeriesConfig, day: date, attendees: int, site: str | None, topic: str
) -> str:
    """A pull request's description (GitHub markdown): the meeting, its attendance, and where
    it was held in Zulip (a link when the site is known)."""
    where = f"#{series.stream} > {topic}"
    if site:
        where = f"[{where}]({narrow_url(site, series.stream, topic)})"
    return (
        f"Notes of **{series.title}** on {day.isoformat()}: "
        f"{count(attendees, 'person', 'people')} attended.\n\n"
        f"Taken in Zulip: {where}. Published by meetbot; later corrections in Zulip come as "
        "further commits on this branch."
    )


def commit_message(series: SeriesConfig, day: date, first: bool) -> str:
    """A notes commit's message: the first adds them, each later one updates them."""
    verb = "Add" if first else "Update"
    return f"{verb} meeting notes {day.isoformat()}\n\n{series.title}, from meetbot's record."


# -- quick votes (issue 15) ---------------------------------------------------------------


def _option_line(vote: QuickVote, with_counts: bool) -> list[str]:
    return [
        f"- :{option.emoji_name}: **{option.name}**"
        + (f": {option.count}" if with_counts else f" (`vote {i}`)")
        for i, option in enumerate(vote.options, 1)
    ]


def vote_message(vote: QuickVote, opener: str) -> str:
    """The vote message: the question, one emoji per option; its reactions are ballots."""
    who = silent_mention(opener, vote.opener_id)
    lines = [f"**Vote {vote.number}** (opened by {who}): {silenced(vote.question)}", ""]
    lines += _option_line(vote, with_counts=False)
    lines += [
        "",
        "React with an option's emoji (or say `vote OPTION`, by name or number): your latest "
        "choice counts, and removing it withdraws your ballot. `vote close` (its opener or a "
        "chair) posts the tally; `end` closes it too.",
    ]
    return "\n".join(lines)


def vote_posted(vote: QuickVote, topic: str) -> str:
    """The reply to `vote QUESTION` said outside the meeting's topic."""
    return f"Vote {vote.number} is posted in the meeting's topic, {_code(topic)}."


def ballot_cast(number: int, option: str | None, changed: bool) -> str:
    """The reply to `vote OPTION`."""
    if not changed:
        return f"Your ballot in vote {number} was already **{option}**."
    return f"Your ballot in vote {number} is now **{option}**."


def vote_tally(vote: QuickVote) -> str:
    """The tally `vote close` (or `end`) posts; the result line is the recorded decision."""
    ballots = count(vote.ballots, "ballot", "ballots")
    lines = [f"**Vote {vote.number} closed** ({ballots}): {silenced(vote.question)}", ""]
    lines += _option_line(vote, with_counts=True)
    where = f" under item {vote.item_number}" if vote.item_number else ""
    lines += ["", f"Recorded as a decision{where}: {silenced(vote.result)}"]
    return "\n".join(lines)
