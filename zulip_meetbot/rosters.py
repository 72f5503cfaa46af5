"""Who votes: a botrc roster made into Zulip user ids, through the directory."""

from __future__ import annotations

from zulip_meetbot import refusals
from zulip_meetbot.app import Directory
from zulip_meetbot.config import Roster


def voters(roster: Roster, directory: Directory) -> tuple[int, ...]:
    """The roster's members as user ids, in its order; RosterUnreadable when a member is not
    known to Zulip or the group cannot be read (a vote must not open on a wrong roster)."""
    if roster.zulip_group is not None:
        ids = directory.group_member_ids(roster.zulip_group)
        if ids is None:
            raise refusals.RosterUnreadable(
                roster.name, f"Zulip has no user group {roster.zulip_group!r} that meetbot can read"
            )
        if not ids:
            raise refusals.RosterUnreadable(
                roster.name, f"the Zulip user group {roster.zulip_group!r} has no members"
            )
        return tuple(sorted(ids))
    found: list[int] = []
    unknown: list[str] = []
    for member in roster.members:
        if isinstance(member, int):
            known = directory.member(member)
        else:
            known = directory.member_by_email(member)
        if known is None:
            unknown.append(str(member))
        elif known.user_id not in found:
            found.append(known.user_id)
    if unknown:
        reason = f"Zulip does not know {', '.join(unknown)}"
        if any(not isinstance(member, int) for member in roster.members):
            # Zulip shows a bot someone's email only when their email visibility allows it.
            reason += " (or hides their email from meetbot: give their Zulip user ids instead)"
        raise refusals.RosterUnreadable(roster.name, reason)
    if not found:
        raise refusals.RosterUnreadable(roster.name, "it has no members")
    return tuple(found)
