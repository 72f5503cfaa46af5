"""Who Zulip users are: names, roles, zones, and the custom profile fields that fill the
attendees table (affiliation, GitHub), asked of the server once and then on a miss."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import zulip

from zulip_meetbot.domain.people import Member

log = logging.getLogger(__name__)

_STREAM_CACHE_SECONDS = 60.0

# Zulip's custom profile field types (GET /realm/profile_fields).
SHORT_TEXT = 1
EXTERNAL_ACCOUNT = 7


@dataclass(frozen=True)
class ProfileFields:
    """Which of the organization's custom profile fields hold an affiliation and a GitHub name."""

    affiliation: int | None = None
    github: int | None = None


def pick_profile_fields(
    fields: Sequence[dict[str, Any]],
    affiliation_names: Sequence[str],
    github_names: Sequence[str],
) -> ProfileFields:
    """The first field named like each list (in the list's order); for GitHub, else the first
    external-account field of subtype github."""

    def named(names: Sequence[str], types: tuple[int, ...]) -> int | None:
        for name in names:
            for field in fields:
                if (
                    field.get("name", "").casefold() == name.casefold()
                    and field.get("type") in types
                ):
                    return int(field["id"])
        return None

    github = named(github_names, (SHORT_TEXT, EXTERNAL_ACCOUNT))
    if github is None:
        github = next(
            (
                int(field["id"])
                for field in fields
                if field.get("type") == EXTERNAL_ACCOUNT
                and '"github"' in str(field.get("field_data", ""))
            ),
            None,
        )
    return ProfileFields(affiliation=named(affiliation_names, (SHORT_TEXT,)), github=github)


def member_from_user(user: dict[str, Any], fields: ProfileFields | None = None) -> Member:
    """A Zulip user object (GET /users) → a ``Member``."""
    role = user.get("role")
    is_admin = bool(user.get("is_admin") or user.get("is_owner")) or role in (100, 200)
    affiliation = github = None
    if fields is not None and "profile_data" in user:
        # A person who filled nothing in has an empty profile_data: their value is "".
        data = user.get("profile_data") or {}
        affiliation = _field_value(data, fields.affiliation)
        github = _field_value(data, fields.github)
    return Member(
        user_id=int(user["user_id"]),
        full_name=str(user.get("full_name") or ""),
        email=str(user.get("email") or ""),
        delivery_email=str(user.get("delivery_email") or ""),
        is_admin=is_admin,
        is_bot=bool(user.get("is_bot")),
        timezone=str(user.get("timezone") or ""),
        affiliation=affiliation,
        github=github,
    )


def _field_value(data: dict[str, Any], field_id: int | None) -> str | None:
    if field_id is None:
        return None
    entry = data.get(str(field_id)) or {}
    return " ".join(str(entry.get("value") or "").split()).removeprefix("@")


class CallsEndpoints(Protocol):
    """The one call of ``zulip.Client`` reading user groups needs (``check`` has it too)."""

    def call_endpoint(
        self, url: str | None = None, method: str = "POST", request: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...


def read_user_groups(client: CallsEndpoints) -> list[dict[str, Any]] | str:
    """The organization's user groups, or why Zulip would not list them.

    GET /user_groups first; Zulip 11 refuses it to bots ("This endpoint does not accept bot
    requests."), so then the groups are read as a client's initial state (POST /register with
    fetch_event_types realm_user_groups, the queue deleted at once), which bots may read.
    """
    response = client.call_endpoint("user_groups", method="GET")
    if response.get("result") == "success":
        return list(response.get("user_groups", []))
    refused = str(response.get("msg") or "refused")
    state = client.call_endpoint(
        "register",
        method="POST",
        request={
            "event_types": ["realm_user_groups"],
            "fetch_event_types": ["realm_user_groups"],
        },
    )
    if state.get("result") != "success" or "realm_user_groups" not in state:
        return f"{refused}; and as initial state: {state.get('msg') or 'not given'}"
    if state.get("queue_id"):
        client.call_endpoint("events", method="DELETE", request={"queue_id": state["queue_id"]})
    return list(state["realm_user_groups"])


def group_members(groups: Sequence[Mapping[str, Any]], name: str) -> frozenset[int] | None:
    """Every user id in the group called ``name`` (ignoring case), None when none is.

    Zulip lists a group's direct ``members`` only, and its subgroups by ``direct_subgroup_ids``
    (Zulip 6+); a member of a subgroup is a member of the group, so subgroups are followed.
    """
    by_id = {int(g["id"]): g for g in groups if "id" in g}
    wanted = name.strip().casefold()
    found = next((g for g in groups if str(g.get("name", "")).casefold() == wanted), None)
    if found is None:
        return None
    members: set[int] = set()
    seen: set[int] = set()
    todo = [found]
    while todo:
        group = todo.pop()
        if int(group.get("id", -1)) in seen:
            continue  # Zulip forbids cycles; a wrong answer must not loop all the same
        seen.add(int(group.get("id", -1)))
        members.update(int(user_id) for user_id in group.get("members", []))
        todo += [by_id[i] for i in group.get("direct_subgroup_ids", []) if i in by_id]
    return frozenset(members)


class ZulipDirectory:
    """The organization's members, read with their custom profile fields."""

    def __init__(
        self,
        client: zulip.Client,
        affiliation_fields: Sequence[str] = ("Affiliation", "Company", "Organization"),
        github_fields: Sequence[str] = ("GitHub", "GitHub username"),
    ) -> None:
        self._client = client
        self._affiliation_names = tuple(affiliation_fields)
        self._github_names = tuple(github_fields)
        self._fields: ProfileFields | None = None
        self._members: dict[int, Member] = {}
        # Deactivated users (GET /users lists them, is_active false): they cannot vote.
        self._inactive: set[int] = set()
        self._streams: dict[str, tuple[float, bool, frozenset[int]]] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        """Read the profile fields and every member (two requests)."""
        response = self._client.call_endpoint("realm/profile_fields", method="GET")
        if response.get("result") == "success":
            self._fields = pick_profile_fields(
                response.get("custom_fields", []), self._affiliation_names, self._github_names
            )
            log.info("profile fields used for the attendees table: %s", self._fields)
        else:
            log.warning("could not read the custom profile fields: %s", response.get("msg"))
        response = self._client.get_members({"include_custom_profile_fields": True})
        if response.get("result") != "success":
            log.warning("could not list the organization's users: %s", response.get("msg"))
            return
        with self._lock:
            for user in response.get("members", []):
                self._members[user["user_id"]] = member_from_user(user, self._fields)
                if user.get("is_active") is False:
                    self._inactive.add(int(user["user_id"]))

    def member(self, user_id: int) -> Member | None:
        with self._lock:
            known = self._members.get(user_id)
        if known is not None:
            return known
        response = self._client.get_user_by_id(user_id, include_custom_profile_fields=True)
        if response.get("result") != "success":
            return None
        found = member_from_user(response["user"], self._fields)
        with self._lock:
            self._members[user_id] = found
            if response["user"].get("is_active") is False:
                self._inactive.add(user_id)
        return found

    def may_read_stream(self, stream: str, user_id: int) -> bool:
        """Whether ``user_id`` can see ``stream``: anyone for a public one, subscribers for a
        private one. Asked at most once a minute per stream."""
        now = time.monotonic()
        with self._lock:
            cached = self._streams.get(stream.casefold())
        if cached is None or now - cached[0] > _STREAM_CACHE_SECONDS:
            cached = (now, *self._stream_audience(stream))
            with self._lock:
                self._streams[stream.casefold()] = cached
        _, private, subscribers = cached
        return not private or user_id in subscribers

    def _stream_audience(self, stream: str) -> tuple[bool, frozenset[int]]:
        response = self._client.get_streams(include_public=True, include_subscribed=True)
        found = next(
            (
                s
                for s in response.get("streams", [])
                if s.get("name", "").casefold() == stream.casefold()
            ),
            None,
        )
        if found is None:
            # Not listed for the bot: a private stream without it, or none. Nobody may use its
            # series by direct message (the bot cannot tell who would be allowed).
            return True, frozenset()
        if not found.get("invite_only"):
            return False, frozenset()
        members = self._client.call_endpoint(f"streams/{found['stream_id']}/members", method="GET")
        return True, frozenset(members.get("subscribers", []))

    def member_named(self, full_name: str) -> Member | None:
        """The member called ``full_name`` (ignoring case), if exactly one is."""
        wanted = full_name.strip().casefold()
        with self._lock:
            found = [m for m in self._members.values() if m.full_name.casefold() == wanted]
        return found[0] if len(found) == 1 else None

    def member_by_email(self, email: str) -> Member | None:
        """The member whose email is ``email`` (ignoring case; their Zulip email or, when the
        organization shows it to the bot, their login address), if one is; Zulip is asked on a
        miss (someone who joined since the bot started)."""
        wanted = email.strip().casefold()
        with self._lock:
            known = next(
                (
                    m
                    for m in self._members.values()
                    if wanted in (m.email.casefold(), m.delivery_email.casefold())
                ),
                None,
            )
        if known is not None or "@" not in wanted:
            return known
        response = self._client.call_endpoint(
            f"users/{quote(wanted, safe='@')}",
            method="GET",
            request={"include_custom_profile_fields": True},
        )
        if response.get("result") != "success":
            return None
        found = member_from_user(response["user"], self._fields)
        with self._lock:
            self._members[found.user_id] = found
            if response["user"].get("is_active") is False:
                self._inactive.add(found.user_id)
        return found

    def group_member_ids(self, group: str) -> frozenset[int] | None:
        """The people who vote as the Zulip user group ``group``: its members and its
        subgroups', less bots and deactivated users (a quorum must be reachable); None when
        Zulip would not list the groups or has none of that name. Read afresh each time: a
        vote reads it once, when it opens."""
        groups = read_user_groups(self._client)
        if isinstance(groups, str):
            log.warning("could not list the user groups: %s", groups)
            return None
        ids = group_members(groups, group)
        if ids is None:
            return None
        voting = []
        for user_id in ids:
            known = self.member(user_id)
            if known is not None and not known.is_bot and user_id not in self._inactive:
                voting.append(user_id)
        return frozenset(voting)
