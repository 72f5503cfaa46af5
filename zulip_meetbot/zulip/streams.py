"""Joining the series' streams at start-up, in requests that do not grow with the series.

One listing of the bot's subscriptions (GET /users/me/subscriptions); only if some stream is
missing from it, one listing of the streams the bot can see (GET /streams); then one
subscription request naming every stream still needed (POST /users/me/subscriptions). Streams
the bot cannot use are reported together, in one log line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import zulip

log = logging.getLogger(__name__)

# Streams joined are named in the log up to this many (a thousand names say little); those
# that cannot be used are all named: each needs mending.
_NAMES_SHOWN = 10


@dataclass(frozen=True)
class StreamPlan:
    """What start-up does with each wanted stream, by the names Zulip spells them with.

    ``unusable``: the botrc's names Zulip does not show the bot (missing, or private without
    the bot), which must not be subscribed to by name: that would create a stream.
    """

    subscribed: tuple[str, ...]
    to_subscribe: tuple[str, ...]
    unusable: tuple[str, ...]


@dataclass(frozen=True)
class JoinResult:
    """How joining went: the streams now joined, and those that cannot be used, with why.

    ``missing``: those of ``unusable`` that Zulip said the bot cannot use (absent from its
    listing, or refused by name), as opposed to ones it could not be asked about.
    """

    joined: tuple[str, ...]
    unusable: tuple[str, ...]
    why: str = ""
    requests: int = 0
    missing: tuple[str, ...] = ()
    private: tuple[str, ...] = ()  # the joined streams that are private (invite-only)


def plan_streams(
    wanted: Iterable[str],
    subscribed: Iterable[Mapping[str, Any]],
    visible: Iterable[Mapping[str, Any]] | None,
) -> StreamPlan:
    """Split ``wanted`` (botrc names) by the listings: ``subscribed`` (the bot's subscriptions),
    ``visible`` (the streams it can see; None when not read, as all were subscribed).

    Zulip's stream names ignore case, so do the comparisons; each wanted stream counts once.
    """
    mine = {str(s.get("name", "")).casefold(): str(s.get("name", "")) for s in subscribed}
    seen = {str(s.get("name", "")).casefold(): str(s.get("name", "")) for s in visible or ()}
    already: list[str] = []
    needed: list[str] = []
    unusable: list[str] = []
    for key, name in sorted({w.strip().casefold(): w.strip() for w in wanted}.items()):
        if key in mine:
            already.append(mine[key])
        elif key in seen:
            needed.append(seen[key])
        else:
            unusable.append(name)
    return StreamPlan(tuple(already), tuple(needed), tuple(unusable))


def join_streams(client: zulip.Client, wanted: Iterable[str]) -> JoinResult:
    """Subscribe the bot to every ``wanted`` stream it can use, in at most three requests."""
    wanted = list(wanted)
    mine = client.get_subscriptions()
    requests = 1
    if mine.get("result") != "success":
        log.warning("could not list the bot's subscriptions: %s", mine.get("msg"))
    subscribed = list(mine.get("subscriptions", [])) if mine.get("result") == "success" else []
    plan = plan_streams(wanted, subscribed, None)
    if not plan.unusable:
        return JoinResult(plan.subscribed, (), requests=requests, private=_private(subscribed))
    # Some stream is not subscribed yet: which of them does Zulip show the bot?
    listed = client.get_streams(include_public=True, include_subscribed=True)
    requests += 1
    if listed.get("result") != "success":
        return JoinResult(
            plan.subscribed, plan.unusable, f"Zulip would not list them: {listed.get('msg')}", 2
        )
    plan = plan_streams(wanted, subscribed, list(listed.get("streams", [])))
    private = _private([*subscribed, *listed.get("streams", [])])
    hidden = "not among the streams Zulip shows the bot"
    if not plan.to_subscribe:
        return JoinResult(plan.subscribed, plan.unusable, hidden, requests, plan.unusable, private)
    # authorization_errors_fatal off: one stream refused must not keep the bot out of the rest.
    answer = client.add_subscriptions(
        [{"name": name} for name in plan.to_subscribe], authorization_errors_fatal=False
    )
    requests += 1
    if answer.get("result") != "success":
        refused = f"Zulip refused to subscribe the bot: {answer.get('msg')}"
        if not plan.unusable:
            return JoinResult(plan.subscribed, plan.to_subscribe, refused, requests)
        why = f"{hidden}, or {refused}"
        unusable = plan.unusable + plan.to_subscribe
        return JoinResult(plan.subscribed, unusable, why, requests, plan.unusable, private)
    unauthorized = {str(n).casefold() for n in answer.get("unauthorized", [])}
    joined = [n for n in plan.to_subscribe if n.casefold() not in unauthorized]
    refused_names = tuple(n for n in plan.to_subscribe if n.casefold() in unauthorized)
    if joined:
        shown = _streams_text(joined[:_NAMES_SHOWN]) if len(joined) <= _NAMES_SHOWN else ""
        log.info("subscribed to %s", shown or f"{len(joined)} streams")
    why = hidden if not refused_names else f"{hidden}, or Zulip refused to subscribe the bot"
    return JoinResult(
        tuple(sorted((*plan.subscribed, *joined), key=str.casefold)),
        plan.unusable + refused_names,
        why if plan.unusable or refused_names else "",
        requests,
        plan.unusable + refused_names,
        private,
    )


def report(result: JoinResult) -> None:
    """One log line for all the streams that cannot be used, one for those joined."""
    if result.unusable:
        log.error(
            "cannot use %s: %s. Check the names in the botrc; if a stream is private, add the "
            "bot to it in Zulip.",
            _streams_text(result.unusable),
            result.why,
        )
    log.info(
        "in %d stream%s of the botrc's series (%d request%s)",
        len(result.joined),
        "" if len(result.joined) == 1 else "s",
        result.requests,
        "" if result.requests == 1 else "s",
    )


def _private(streams: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The names of the invite-only streams among ``streams`` (Zulip's stream objects)."""
    return tuple(sorted({str(s.get("name")) for s in streams if s.get("invite_only")}))


def _streams_text(names: Iterable[str]) -> str:
    """``stream 'a'`` or ``3 streams: 'a', 'b', 'c'``."""
    names = list(names)
    quoted = ", ".join(repr(n) for n in names)
    return f"stream {quoted}" if len(names) == 1 else f"{len(names)} streams: {quoted}"
