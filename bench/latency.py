"""Handler latency in process: p50 and p99 of `agenda add`, `agenda` and `note`.

No HTTP: the real ``MeetbotHandler`` answers through zulip_bots' ``StubBotHandler`` (as in
``tests/harness.py``), on a SQLite file holding 10,000 items across 500 meetings: 5 weekly
series with about two years of history each, as one bot serving several series would have. The
commands go to each series' meeting still to come, the way people prepare a meeting; the three
commands take turns and the series too, so each of those meetings grows as it would.

    python bench/latency.py [--rounds 200] [--meetings 500] [--items 10000] [--series 5]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import benchkit
import dataset
from benchkit import Figure
from sqlalchemy import event

TARGET_P99_MS = 5.0
WARM_UP = 5
SECONDS_BETWEEN_COMMANDS = timedelta(seconds=2)
COMMANDS = ("agenda add", "agenda", "note")
API = """\
[api]
email = meetbot-bot@zulip.example
key = bench-key
site = http://127.0.0.1:9

[meetbot]
database = meetbot.sqlite3
notes_dir = notes
"""


def botrc(series_count: int) -> str:
    """Weekly series on consecutive days, so every one's next meeting is in the same week."""
    return API + "".join(
        f"""
[series:s{n}]
title = Series {n} Call
stream = s{n}
topic = s{n} call {{date}}
start = 2015-01-{5 + n:02d} 17:00
timezone = UTC
schedule = FREQ=WEEKLY
duration = 60m
"""
        for n in range(series_count)
    )


class QueryCounter:
    """Counts the SQL statements the store's engine runs: a figure no machine makes noisy."""

    def __init__(self, store: Any) -> None:
        self.count = 0
        event.listen(store.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1


def command_text(kind: str, round_number: int, top_items: int) -> str:
    if kind == "agenda add":
        return f"agenda add A proposal from round {round_number} about the release process"
    if kind == "note":
        return f"note {1 + round_number % top_items} A point made in round {round_number}"
    return "agenda"


@dataclass
class Samples:
    """Per command: seconds each took and SQL statements each ran (warm-up left out)."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    statements: dict[str, list[int]] = field(default_factory=dict)
    build_seconds: float = 0.0
    heap_settled: bool = False


def measure_in(folder: Path, rounds: int, shape: dataset.Shape, series_count: int) -> Samples:
    """Time each command through the handler, after a few untimed warm-up rounds."""
    # The harness is the tests' own in-process driver: real handler, stub Zulip.
    from harness import Harness

    build_started = time.perf_counter()
    probe = Harness(folder, botrc(series_count))
    series = list(probe.settings.series)
    built = dataset.build(probe.store, series, shape)
    # The day before the first of the upcoming meetings: every command acts on those.
    probe.clock.set(min(built.upcoming(s.slug) for s in series) - timedelta(days=1))
    build_seconds = time.perf_counter() - build_started
    people = [
        probe.person(uid, dataset.person_name(n)) for n, uid in enumerate(built.person_ids[:20])
    ]
    queries = QueryCounter(probe.store)
    settled = benchkit.settle_like_meetbot_run()
    top_items = max(1, (shape.items // shape.meetings) * 3 // 4)
    message_id = built.next_message_id + 1_000
    samples = Samples(
        {kind: [] for kind in COMMANDS},
        {kind: [] for kind in COMMANDS},
        build_seconds,
        settled,
    )
    for round_number in range(-WARM_UP, rounds):
        for kind in COMMANDS:
            message_id += 1
            # Time passes as in a meeting (and no one trips the per-person command limit).
            probe.clock.advance(SECONDS_BETWEEN_COMMANDS)
            sender = people[message_id % len(people)]
            one = series[message_id % len(series)]
            text = command_text(kind, round_number, top_items)
            topic = one.topic_for(built.upcoming(one.slug).date())
            message = probe.message(sender, text, stream=one.stream, topic=topic)
            message["id"] = message_id
            probe.bot.reset_transcript()
            queries.count = 0
            started = time.perf_counter()
            probe.handler.handle_message(message, probe.bot)
            elapsed = time.perf_counter() - started
            statements = queries.count
            reply = str(probe.bot.unique_reply()["content"])
            if "Added item" not in reply and "Noted under" not in reply and kind != "agenda":
                raise RuntimeError(f"{kind!r} was refused: {reply}")
            if round_number >= 0:
                samples.seconds[kind].append(elapsed)
                samples.statements[kind].append(statements)
    probe.store.close()
    if settled:
        gc.unfreeze()  # this process goes on (run.py, pytest): give its collector everything back
    return samples


def measure(
    rounds: int = 200,
    meetings: int = 500,
    items: int = 10_000,
    series_count: int = 5,
    people: int = 200,
    history_rounds: int = 60,
) -> list[Figure]:
    """The figures for ``series_count`` series; then, unless ``history_rounds`` is 0, the same
    database as one series with all the history, where per-series costs show."""
    shape = dataset.Shape(meetings=meetings, items=items, people=people)
    with benchkit.temp_folder("latency") as folder:
        run = measure_in(folder, rounds, shape, series_count)
    heap = "heap settled as in meetbot run" if run.heap_settled else "heap as is"
    figures = []
    per_meeting = items // meetings
    for kind in COMMANDS:
        samples = [s * 1000 for s in run.seconds[kind]]
        grown = per_meeting + -(-len(samples) // series_count)
        detail = f"max {max(samples):.1f} ms"
        if kind == COMMANDS[0]:
            detail = (
                f"{len(samples)} of each command on a database of {items:,} items in "
                f"{meetings} meetings of {series_count} series "
                f"(built in {run.build_seconds:.1f} s); "
                f"each upcoming meeting grows from {per_meeting} to {grown} items; {heap}; "
                f"{detail}"
            )
        figures.append(Figure(f"latency p50: {kind}", benchkit.median(samples), "ms"))
        figures.append(
            Figure(
                f"latency p99: {kind}",
                benchkit.percentile(samples, 0.99),
                "ms",
                target=TARGET_P99_MS,
                detail=detail,
            )
        )
    for kind in COMMANDS:
        statements = run.statements[kind]
        figures.append(
            Figure(f"SQL statements: {kind}", sum(statements) / len(statements), "per command")
        )
    if history_rounds:
        figures.append(_one_long_series(history_rounds, shape))
    return figures


def _one_long_series(rounds: int, shape: dataset.Shape) -> Figure:
    """All the meetings in one series: what a bot that has served a series for years sees."""
    with benchkit.temp_folder("latency-history") as folder:
        run = measure_in(folder, rounds, shape, 1)
    everything = [s * 1000 for kind in COMMANDS for s in run.seconds[kind]]
    medians = ", ".join(
        f"{kind} {benchkit.median([s * 1000 for s in run.seconds[kind]]):.2f}" for kind in COMMANDS
    )
    return Figure(
        f"latency p99, 1 series of {shape.meetings} meetings",
        benchkit.percentile(everything, 0.99),
        "ms",
        target=TARGET_P99_MS,
        detail=f"{rounds} of each command; p50 ms: {medians}; max {max(everything):.1f} ms",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--series", type=int, default=5)
    args = parser.parse_args()
    benchkit.print_table(measure(args.rounds, args.meetings, args.items, args.series))
    return 0


if __name__ == "__main__":
    sys.exit(main())
