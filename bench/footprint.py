"""Footprint: resident memory of an idle ``meetbot run`` serving 50 series, and the time from
process start to the first command answered.

Each series meets weekly in a stream of its own (the bot subscribes itself to all 50 at
start-up, as in production). The clock starts just before the process is created; the first
command is sent as soon as the bot's event queue exists on the server, and the figure ends when
its reply reaches the server. Memory is the kernel's VmRSS once the bot has been idle a while.

    python bench/footprint.py [--series 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import time

import benchkit
from benchkit import BotProcess, Figure

TARGET_RSS_MB = 80.0
TARGET_START_SECONDS = 1.5
IDLE_SECONDS = 2.0


def series_sections(count: int) -> str:
    """Weekly series that began in 2024, on every weekday and at different hours."""
    return "".join(
        benchkit.series_section(
            f"team{n:02d}", f"team{n:02d}", f"2024-01-{1 + n % 7:02d} {8 + n % 10:02d}:00"
        )
        for n in range(count)
    )


def measure_once(series_count: int, idle_seconds: float) -> tuple[float, float, float, float]:
    """(seconds to the first reply, seconds to the event queue, RSS MB, peak RSS MB)."""
    with benchkit.temp_folder("footprint") as folder, benchkit.fake_zulip() as server:
        bot = benchkit.add_bot_user(server)
        chair = server.add_user("Chair Person", delivery_email="chair@zulip.example")
        for n in range(series_count):
            server.add_stream(f"team{n:02d}", subscribers=[chair])
        benchkit.write_botrc(folder, server, bot, series_sections(series_count))
        client = server.client(chair)
        with (
            benchkit.MessageWatcher(server, bot) as watcher,
            BotProcess(benchkit.meetbot_argv(), folder) as process,
        ):
            listening = benchkit.wait_for_queue(server, bot, process, timeout=30)
            client.send_message(
                {
                    "type": "stream",
                    "to": "team00",
                    "topic": "team00 call",
                    "content": f"@**{bot.full_name}** agenda",
                }
            )
            watcher.wait_for(1, 30, process)
            answered = watcher.arrivals[0][0]
            time.sleep(idle_seconds)
            rss, peak = process.rss_kib()
        return (
            answered - process.started_at,
            listening - process.started_at,
            rss * 1024 / 1e6,  # the target is in MB (10^6 bytes); /proc gives KiB
            peak * 1024 / 1e6,
        )


def measure(
    series_count: int = 50, runs: int = 3, idle_seconds: float = IDLE_SECONDS
) -> list[Figure]:
    results = [measure_once(series_count, idle_seconds) for _ in range(runs)]
    first_reply = [r[0] for r in results]
    listening = [r[1] for r in results]
    rss = [r[2] for r in results]
    peak = [r[3] for r in results]
    return [
        Figure(
            f"idle memory (VmRSS), {series_count} series",
            max(rss),
            "MB",
            TARGET_RSS_MB,
            detail=f"largest of {runs} runs; peak during start-up (VmHWM) {max(peak):.1f} MB",
        ),
        Figure(
            "start to first reply",
            benchkit.median(first_reply),
            "s",
            TARGET_START_SECONDS,
            detail=(
                f"median of {runs} runs ({', '.join(f'{s:.2f}' for s in first_reply)} s); "
                f"event queue registered after {benchkit.median(listening):.2f} s"
            ),
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    benchkit.print_table(measure(args.series, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
