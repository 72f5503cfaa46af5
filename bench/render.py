"""Rendering: the notes file of a big meeting, as `end` makes it.

A running meeting with 200 attendees and 1,000 items and notes (500 items, the most a meeting
may hold, a quarter of them sub-items, and 500 notes) in a SQLite file. Timed separately and
together: reading the meeting's record from the database, rendering the shipped template, and
writing the file (atomically, with fsync).

    python bench/render.py [--repeats 20] [--attendees 200] [--items 500] [--notes 500]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import benchkit
import dataset
from benchkit import Figure

from zulip_meetbot import notes
from zulip_meetbot.config import load_settings
from zulip_meetbot.domain import meetings
from zulip_meetbot.store import Store

TARGET_MS = 50.0
BOTRC = """\
[api]
email = meetbot-bot@zulip.example
key = bench-key
site = http://127.0.0.1:9

[meetbot]
database = meetbot.sqlite3
notes_dir = notes

[series:community]
title = Community Call
stream = community
topic = community call {date}
start = 2030-01-02 17:00
timezone = UTC
schedule = FREQ=WEEKLY
duration = 60m
video_link = https://meet.example.org/community
description = Our weekly call.
"""


def measure_in(
    folder: Path, repeats: int, shape: dataset.Shape
) -> tuple[dict[str, list[float]], int]:
    """Seconds per step, and the size of the notes file."""
    (folder / "botrc").write_text(BOTRC)
    settings = load_settings(folder / "botrc")
    series = settings.series[0]
    store = Store(settings.database)
    dataset.build(store, [series], shape, last_running=True)
    steps: dict[str, list[float]] = {"record": [], "template": [], "write": []}
    size = 0
    path = settings.notes_dir / "bench-notes.md"
    settled = benchkit.settle_like_meetbot_run()
    # The first round compiles the template and warms SQLite's cache: not timed.
    for round_number in range(repeats + 1):
        started = time.perf_counter()
        with store.transaction() as session:
            meeting = meetings.require_running(session, series)
            record = meetings.meeting_record(session, series, meeting)
        read = time.perf_counter()
        text = notes.render_notes(record, series.template)
        rendered = time.perf_counter()
        notes.write_notes(path, text)
        written = time.perf_counter()
        if round_number > 0:
            steps["record"].append(read - started)
            steps["template"].append(rendered - read)
            steps["write"].append(written - rendered)
        size = len(text.encode())
    store.close()
    if settled:
        gc.unfreeze()
    expected_items = shape.items // shape.meetings
    if text.count("\n") < expected_items:
        raise RuntimeError(f"the notes have {text.count(chr(10))} lines for {expected_items} items")
    return steps, size


def measure(
    repeats: int = 20, attendees: int = 200, items: int = 500, notes_count: int = 500
) -> list[Figure]:
    shape = dataset.Shape(
        meetings=1,
        items=items,
        people=attendees,
        notes_per_meeting=notes_count,
        attendees_per_meeting=attendees,
    )
    with benchkit.temp_folder("render") as folder:
        steps, size = measure_in(folder, repeats, shape)
    ms = {name: [s * 1000 for s in samples] for name, samples in steps.items()}
    total = [sum(parts) for parts in zip(*ms.values(), strict=True)]
    what = (
        f"{attendees} attendees, {items} items, {notes_count} notes; {size / 1024:.0f} KiB "
        f"of markdown; median of {repeats}, max {max(total):.1f} ms"
    )
    return [
        Figure("render: read the record", benchkit.median(ms["record"]), "ms"),
        Figure("render: template", benchkit.median(ms["template"]), "ms"),
        Figure("render: write the file", benchkit.median(ms["write"]), "ms"),
        Figure(
            "render: notes of a big meeting", benchkit.median(total), "ms", TARGET_MS, detail=what
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--attendees", type=int, default=200)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--notes", type=int, default=500)
    args = parser.parse_args()
    benchkit.print_table(measure(args.repeats, args.attendees, args.items, args.notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
