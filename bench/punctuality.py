"""Reminder punctuality: how late after its instant each reminder reaches Zulip.

One ``meetbot run`` on the real clock with several series that start seconds after the bot
does, each with reminders at second offsets; some fall on the same second in different series,
as they do when one bot serves many series. Lateness is read at the server (the instant the
reminder was stored, minus the instant it was due) and, as a cross-check, from the bot's own
log line "done X s after its instant".

    python bench/punctuality.py [--series 4] [--reminders 5]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from datetime import datetime, timedelta, timezone

import benchkit
from benchkit import BotProcess, Figure

TARGET_SECONDS = 1.0
# Time for the bot to start and plan its jobs before the first reminder is due: one that is
# already due at start-up would be a catch-up, not a punctual reminder.
LEAD_SECONDS = 8
SERIES_SPACING = 2  # seconds between the series' starts: their reminders overlap
SETTLE_SECONDS = 1.0
_LOGGED = re.compile(r"(\S+): reminder for .* done (\d+\.\d+) s after its instant")


def plan(
    series_count: int, reminders: int, now: float, lead_seconds: int
) -> list[tuple[str, datetime]]:
    """(slug, start) of each series; starts are whole seconds, as the botrc writes them."""
    first = math.ceil(now) + lead_seconds + reminders
    return [
        (f"s{n}", datetime.fromtimestamp(first + n * SERIES_SPACING, timezone.utc))
        for n in range(series_count)
    ]


def measure(
    series_count: int = 4, reminders: int = 5, lead_seconds: int = LEAD_SECONDS
) -> list[Figure]:
    offsets = list(range(reminders, 0, -1))  # seconds before the start, earliest first
    with benchkit.temp_folder("punctuality") as folder, benchkit.fake_zulip() as server:
        bot = benchkit.add_bot_user(server)
        chair = server.add_user("Chair Person", delivery_email="chair@zulip.example")
        starts = plan(series_count, reminders, time.time(), lead_seconds)
        sections = ""
        for slug, start in starts:
            server.add_stream(slug, subscribers=[chair])
            sections += benchkit.series_section(
                slug,
                slug,
                f"{start:%Y-%m-%d %H:%M:%S}",
                reminders=", ".join(f"{s}s" for s in offsets),
            )
        benchkit.write_botrc(folder, server, bot, sections)
        expected = series_count * reminders
        with (
            benchkit.MessageWatcher(server, bot) as watcher,
            BotProcess(benchkit.meetbot_argv(), folder) as process,
        ):
            last_due = max(start for _, start in starts).timestamp()
            # Each reminder plus each automatic start is one post.
            watcher.wait_for(expected + series_count, last_due - time.time() + 30, process)
            # Let the last scheduled job finish before SIGTERM (see benchkit.BotProcess.stop).
            time.sleep(SETTLE_SECONDS)
            log = process.log()
        server_late = _lateness_at_server(watcher, starts, offsets)
    logged = [float(late) for _, late in _LOGGED.findall(log)]
    if len(server_late) != expected or len(logged) != expected:
        raise RuntimeError(
            f"expected {expected} reminders, saw {len(server_late)} at the server and "
            f"{len(logged)} in the log"
        )
    late_ms = [s * 1000 for s in server_late]
    detail = (
        f"{expected} reminders from {series_count} series ({reminders} each, 1 s apart, "
        f"overlapping); the bot's own log says median {benchkit.median(logged) * 1000:.0f} ms, "
        f"max {max(logged) * 1000:.0f} ms"
    )
    return [
        Figure("reminder lateness: median", benchkit.median(late_ms), "ms", TARGET_SECONDS * 1000),
        Figure("reminder lateness: max", max(late_ms), "ms", TARGET_SECONDS * 1000, detail=detail),
    ]


def _lateness_at_server(
    watcher: benchkit.MessageWatcher,
    starts: list[tuple[str, datetime]],
    offsets: list[int],
) -> list[float]:
    """Seconds from each reminder's instant to its arrival, matched in order within a stream."""
    late = []
    for slug, start in starts:
        arrived = [
            wall
            for _, wall, message in watcher.arrivals
            if message.stream is not None
            and message.stream.name == slug
            and "starts <time:" in message.content
        ]
        for wall, offset in zip(arrived, offsets, strict=False):
            late.append(wall - (start - timedelta(seconds=offset)).timestamp())
    return late


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=4)
    parser.add_argument("--reminders", type=int, default=5)
    args = parser.parse_args()
    benchkit.print_table(measure(args.series, args.reminders))
    return 0


if __name__ == "__main__":
    sys.exit(main())
