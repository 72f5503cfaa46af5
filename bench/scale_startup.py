"""Start-up at scale: ``meetbot run`` serving 1,000 weekly series, each in a stream of its own.

The figures (issue 17): the requests from process start to the first poll for events, on a first
start (the bot in none of the streams) and at a restart (in all of them); the time from process
start to the first command answered; resident memory once idle. The fake Zulip records every
request, so the counts are exact; the clock starts just before the process is created.

    python bench/scale_startup.py [--series 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

import benchkit
from benchkit import BotProcess, FakeUser, FakeZulip, Figure

TARGET_REQUESTS = 40
TARGET_FIRST_REPLY_SECONDS = 3.0
TARGET_RSS_MB = 120.0
IDLE_SECONDS = 2.0
# How long a start of 1,000 series may take before the benchmark gives up on it.
START_TIMEOUT = 300.0


def series_sections(count: int) -> str:
    """Weekly series that began in 2024, on every weekday and at different hours."""
    return "".join(
        benchkit.series_section(
            f"team{n:04d}", f"team{n:04d}", f"2024-01-{1 + n % 7:02d} {8 + n % 10:02d}:00"
        )
        for n in range(count)
    )


def requests_to_polling(
    server: FakeZulip, since: int, bot: FakeUser, process: BotProcess
) -> Counter[str]:
    """How many of each request (``METHOD /path``) the bot made from ``since`` up to and
    including its first GET /events."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        made: Counter[str] = Counter()
        for request in server.requests[since:]:
            if request.user_id not in (None, bot.user_id):
                continue  # the benchmark's own person
            made[f"{request.method} {request.path.removeprefix('/api/v1')}"] += 1
            if (request.method, request.path) == ("GET", "/api/v1/events"):
                return made
        if time.monotonic() > deadline:
            raise TimeoutError(f"no poll for events after {START_TIMEOUT} s")
        process.check_alive()
        time.sleep(benchkit.POLL_SECONDS)


def measure(series_count: int = 1000, idle_seconds: float = IDLE_SECONDS) -> list[Figure]:
    with benchkit.temp_folder("scale-startup") as folder, benchkit.fake_zulip() as server:
        bot = benchkit.add_bot_user(server)
        chair = server.add_user("Chair Person", delivery_email="chair@zulip.example")
        for n in range(series_count):
            server.add_stream(f"team{n:04d}", subscribers=[chair])
        benchkit.write_botrc(folder, server, bot, series_sections(series_count))
        client = server.client(chair)
        before = len(server.requests)
        with (
            benchkit.MessageWatcher(server, bot) as watcher,
            BotProcess(benchkit.meetbot_argv(), folder) as process,
        ):
            benchkit.wait_for_queue(server, bot, process, timeout=START_TIMEOUT)
            client.send_message(
                {
                    "type": "stream",
                    "to": "team0000",
                    "topic": "team0000 call",
                    "content": f"@**{bot.full_name}** agenda",
                }
            )
            watcher.wait_for(1, START_TIMEOUT, process)
            first_reply = watcher.arrivals[0][0] - process.started_at
            first = requests_to_polling(server, before, bot, process)
            time.sleep(idle_seconds)
            rss, peak = process.rss_kib()
        joined = sum(bot.user_id in server.stream_subscribers(s) for s in server.streams)
        before = len(server.requests)
        with BotProcess(benchkit.meetbot_argv(), folder) as process:
            again = requests_to_polling(server, before, bot, process)
    mb = 1024 / 1e6  # the target is in MB (10^6 bytes); /proc gives KiB
    return [
        Figure(
            f"requests before polling, {series_count} series",
            sum(first.values()),
            "",
            TARGET_REQUESTS + 0.5,  # at most 40
            detail=f"first start, into {joined} streams: {_requests_text(first)}",
        ),
        Figure(
            f"requests before polling at a restart, {series_count} series",
            sum(again.values()),
            "",
            TARGET_REQUESTS + 0.5,
            detail=_requests_text(again),
        ),
        Figure(
            f"start to first reply, {series_count} series",
            first_reply,
            "s",
            TARGET_FIRST_REPLY_SECONDS,
            detail="from just before the process is created to the reply reaching Zulip",
        ),
        Figure(
            f"idle memory (VmRSS), {series_count} series",
            rss * mb,
            "MB",
            TARGET_RSS_MB,
            detail=f"peak during start-up (VmHWM) {peak * mb:.1f} MB",
        ),
    ]


def _requests_text(made: Counter[str]) -> str:
    return ", ".join(f"{count} {what}" for what, count in sorted(made.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    args = parser.parse_args()
    benchkit.print_table(measure(args.series))
    return 0


if __name__ == "__main__":
    sys.exit(main())
