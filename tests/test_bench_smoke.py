"""The benchmark scripts still import and run, on tiny sizes.

Only that they work and report every figure: timings are never asserted here (they belong to
`python bench/run.py`, on a quiet machine).
"""

from __future__ import annotations

import importlib
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

from zulip_meetbot.timeutil import wall_time

BENCH = Path(__file__).resolve().parents[1] / "bench"


def bench(name: str) -> ModuleType:
    # The bench scripts import each other by bare name, as `python bench/run.py` does.
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


def check(figures: list, names: list[str]) -> None:
    assert [f.name for f in figures] == names
    for figure in figures:
        assert figure.value >= 0, figure
        assert figure.met in (None, True, False)


def test_latency_runs_on_a_small_database() -> None:
    figures = bench("latency").measure(
        rounds=3, meetings=10, items=100, series_count=2, people=20, history_rounds=2
    )
    commands = ("agenda add", "agenda", "note")
    check(
        figures,
        [f"latency {p}: {c}" for c in commands for p in ("p50", "p99")]
        + [f"SQL statements: {c}" for c in commands]
        + ["latency p99, 1 series of 10 meetings"],
    )
    assert all(f.value > 0 for f in figures if f.name.startswith("SQL"))


def test_render_runs_on_a_small_meeting() -> None:
    figures = bench("render").measure(repeats=2, attendees=5, items=12, notes_count=6)
    check(
        figures,
        [
            "render: read the record",
            "render: template",
            "render: write the file",
            "render: notes of a big meeting",
        ],
    )


def test_throughput_drives_both_bots_through_the_fake_zulip() -> None:
    figures = bench("throughput").measure(commands=12, senders=2, rounds=1)
    check(
        figures,
        ["throughput: no-op bot", "throughput: meetbot run", "throughput: meetbot / no-op"],
    )
    assert figures[0].value > 0 and figures[1].value > 0


def test_throughput_refuses_more_commands_per_sender_than_meetbot_takes() -> None:
    with pytest.raises(ValueError, match="per sender"):
        bench("throughput").measure(commands=100, senders=1, rounds=1)


def test_punctuality_sees_every_reminder() -> None:
    figures = bench("punctuality").measure(series_count=1, reminders=2, lead_seconds=3)
    check(figures, ["reminder lateness: median", "reminder lateness: max"])


def test_footprint_reads_memory_and_first_reply() -> None:
    figures = bench("footprint").measure(series_count=2, runs=1, idle_seconds=0.2)
    check(figures, ["idle memory (VmRSS), 2 series", "start to first reply"])
    assert figures[0].value > 1  # MB: a Python process with its imports


def test_scale_reconcile_plans_a_few_series() -> None:
    figures = bench("scale_reconcile").measure(series_count=4)
    check(
        figures,
        [
            "reconcile at start-up, 4 series",
            "reconcile at restart, 4 series",
            "reconcile, nothing changed, 4 series",
            "reconcile after one series' skip, 4 series",
            "meetbot upcoming, 4 series",
        ],
    )
    assert "jobs planned" in figures[0].detail


def test_scale_reconcile_plans_series_begun_years_ago() -> None:
    scale_reconcile = bench("scale_reconcile")
    figures = scale_reconcile.measure(series_count=3, since=scale_reconcile.BEGUN_LONG_AGO)
    check(
        figures,
        [
            "reconcile at start-up, 3 series begun in 2015",
            "reconcile at restart, 3 series begun in 2015",
            "reconcile, nothing changed, 3 series begun in 2015",
            "reconcile after one series' skip, 3 series begun in 2015",
            "meetbot upcoming, 3 series begun in 2015",
        ],
    )
    # Same weekdays and hours as the others, years earlier.
    text = scale_reconcile.botrc(8, datetime(2030, 1, 9), scale_reconcile.BEGUN_LONG_AGO)
    starts = [wall_time(line[len("start = ") :]) for line in text.splitlines() if "start =" in line]
    assert all(start.year == 2015 and start.month == 1 for start in starts)
    assert [s.weekday() for s in starts] == [(2 + n) % 7 for n in range(8)]
    assert [s.hour for s in starts] == list(range(8))


def test_scale_startup_counts_the_requests_before_polling() -> None:
    figures = bench("scale_startup").measure(series_count=3, idle_seconds=0.2)
    check(
        figures,
        [
            "requests before polling, 3 series",
            "requests before polling at a restart, 3 series",
            "start to first reply, 3 series",
            "idle memory (VmRSS), 3 series",
        ],
    )
    # Counted, not timed: a first start joins the streams, a restart finds them joined.
    assert figures[1].value < figures[0].value <= 40
    assert "into 3 streams" in figures[0].detail


def test_scale_paces_a_small_wave_of_starts() -> None:
    figures = bench("scale").measure(starts=20, reminders=3, limit=20, commands=1)
    check(
        figures,
        [
            "20 starts: last attendance message",
            "20 starts: last against the floor",
            "20 starts: reminders out before a start",
            "20 starts: reply wait during the wave",
        ],
    )
    assert figures[2].value == 0


def test_table_prints_targets_and_misses(capsys: pytest.CaptureFixture[str]) -> None:
    benchkit = bench("benchkit")
    benchkit.print_table(
        [
            benchkit.Figure("fast enough", 1.0, "ms", 5.0),
            benchkit.Figure("too slow", 9.0, "ms", 5.0, detail="why"),
            benchkit.Figure("ratio", 0.9, "", 0.8, higher_is_better=True),
        ]
    )
    out = capsys.readouterr().out
    assert "fast enough" in out and "MISSED" in out and "≥ 0.800" in out
    assert "- too slow: why" in out
    assert benchkit.percentile([1, 2, 3, 4, 100], 0.99) == 100
    assert benchkit.percentile([1, 2, 3, 4, 100], 0.5) == 3
