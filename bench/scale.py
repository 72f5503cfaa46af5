"""Many posts due at once: 200 series start in the same second under 200 requests a minute.

In process: the real scheduler (its sweep of the instant), sender and pacer, the real database
and templates; Zulip is an emulated sliding-window limit answering with X-RateLimit-* headers
(tests/emulated_limit.py), on an emulated clock that the pacer's waits move and that also counts
the real time the bot spends working. Measured: when each attendance message went out against
the floor the limit sets (``starts * window / limit``: each post needs its slot), whether every
start went before the reminders of the same instant, and how long replies to commands said
during the wave waited.

    python bench/scale.py [--starts 200] [--reminders 20] [--limit 200]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import benchkit  # puts tests/ on sys.path first
from benchkit import Figure
from emulated_limit import Wave

from zulip_meetbot.domain.reminders import REMINDER

SLACK_SECONDS = 5.0  # the target: the last attendance message by the floor + 5 s
REPLY_WAIT_SECONDS = 3.0  # "a few seconds"
WINDOW = 60.0


def measure(
    starts: int = 200,
    reminders: int = 20,
    limit: int = 200,
    commands: int = 3,
    said_at: float = 10.0,
) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="meetbot-scale-") as folder:
        wave = Wave(Path(folder), starts, reminders, limit, WINDOW, count_work=True)
        said = wave.say_during_wave(said_at, commands)
        # APScheduler runs the jobs of one instant in no set order: a reminder's first.
        due = wave.due_now()
        jobs = [a for a in due if a.kind == REMINDER and a.series_slug[0] == "r"] or due
        first = jobs[0]
        wave.fire(first)
        out, later = wave.starts(), wave.reminders()
        replies = wave.replies()
        refused = wave.zulip.refused
        sent = wave.zulip.sent
    if len(out) != starts or len(later) != reminders:
        raise RuntimeError(f"expected {starts} starts and {reminders} reminders, saw {len(out)}")
    floor = starts * WINDOW / limit
    last = out[-1].at
    # The k-th message's own floor, were the limit's slots spread evenly: k * window / limit.
    spread = [s.at - (k + 1) * WINDOW / limit for k, s in enumerate(out)]
    # The first ones go at once, up to the budget less the replies' reserve; then a wait for
    # them to leave the window (the widest gap).
    gaps = [b.at - a.at for a, b in itertools.pairwise(out)]
    burst = gaps.index(max(gaps)) + 1 if gaps else len(out)
    ahead = sum(1 for r in later if sent.index(r) < sent.index(out[-1]))
    waits = [reply.at - asked for reply, asked in zip(replies, said, strict=False)]
    order = (
        f"{starts} attendance messages, then {reminders} reminders of the same instant: "
        f"{burst} out by {out[burst - 1].at:.1f} s, the rest from "
        f"{out[min(burst, len(out) - 1)].at:.1f} s (as the first leave the window); the last "
        f"at {last:.1f} s against a floor of "
        f"{floor:.0f} s; against an even spread (k x {WINDOW / limit:.2f} s) the most ahead "
        f"{-min(spread):.1f} s, the most behind {max(spread):.1f} s; {refused} refused by the "
        "emulated limit"
    )
    reply_detail = (
        f"{len(replies)} of {commands} commands said at {said_at:.0f} s, replies out "
        + ", ".join(f"{w:.2f} s" for w in waits)
        + " after"
    )
    return [
        Figure(
            f"{starts} starts: last attendance message",
            last,
            "s",
            floor + SLACK_SECONDS,
            detail=order,
        ),
        Figure(f"{starts} starts: last against the floor", last - floor, "s", SLACK_SECONDS),
        Figure(f"{starts} starts: reminders out before a start", ahead, "", 1),
        Figure(
            f"{starts} starts: reply wait during the wave",
            max(waits, default=float("inf")),
            "s",
            REPLY_WAIT_SECONDS,
            detail=reply_detail,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=200)
    parser.add_argument("--reminders", type=int, default=20)
    parser.add_argument("--limit", type=int, default=200)
    args = parser.parse_args()
    benchkit.print_table(measure(args.starts, args.reminders, args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
