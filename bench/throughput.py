"""Throughput: commands per second through ``meetbot run``, against a no-op bot on the same rig.

Both bots run as subprocesses with the real ``zulip`` client over loopback HTTP against the fake
Zulip (rate limit off). Several people, each with a real ``zulip`` client of their own, send the
same commands as fast as the server takes them; the clock runs from the first send to the
arrival of the last reply. The ratio meetbot / no-op is what meetbot's own work costs.

    python bench/throughput.py [--commands 300] [--senders 12] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import dataclass

import benchkit
import zulip
from benchkit import BotProcess, FakeUser, FakeZulip, Figure

STREAM = "community"
TOPIC = "community call 2030-01-02"
SEED_ITEMS = 5
# meetbot answers one person at most 30 commands a minute (a flood guard); each sender stays
# under that, as people in a meeting do.
PER_SENDER_MAX = 30
# Generous: a bot slower than this is broken, not slow.
REPLY_TIMEOUT = 120.0


@dataclass(frozen=True)
class Run:
    bot: str
    commands: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds


def command(index: int) -> str:
    """A meeting's mix: proposals, notes on the first items, and people reading the agenda."""
    kind = index % 3
    if kind == 0:
        return f"agenda add Proposal number {index} from the benchmark"
    if kind == 1:
        return f"note {1 + index % SEED_ITEMS} A point made in discussion, number {index}"
    return "agenda"


def _send(client: zulip.Client, bot: FakeUser, text: str) -> None:
    sent = client.send_message(
        {"type": "stream", "to": STREAM, "topic": TOPIC, "content": f"@**{bot.full_name}** {text}"}
    )
    if sent.get("result") != "success":
        raise RuntimeError(f"the server refused a command: {sent}")


def _setup(server: FakeZulip, senders: int) -> tuple[FakeUser, FakeUser, list[FakeUser]]:
    """(bot, chair, senders): the chair seeds the agenda, the senders are timed."""
    chair = server.add_user("Chair Person", delivery_email="chair@zulip.example")
    people = [
        server.add_user(f"Person {n}", delivery_email=f"person{n}@zulip.example")
        for n in range(senders)
    ]
    bot = benchkit.add_bot_user(server)
    # Subscribed up front so the two bots start from the same state (meetbot would do it).
    server.add_stream(STREAM, subscribers=[chair, *people, bot])
    return bot, chair, people


def _argv(kind: str) -> list[str]:
    if kind == "meetbot":
        return benchkit.meetbot_argv()
    return [sys.executable, str(benchkit.BENCH / "noop_bot.py"), "botrc"]


def measure_one(kind: str, commands: int, senders: int) -> Run:
    """One bot, one fresh server: warm up, then time ``commands`` commands from ``senders``."""
    with benchkit.temp_folder(f"throughput-{kind}") as folder, benchkit.fake_zulip() as server:
        bot, chair, people = _setup(server, senders)
        section = benchkit.series_section("community", STREAM, "2030-01-02 17:00")
        benchkit.write_botrc(folder, server, bot, section, str(chair.user_id))
        seeder = server.client(chair)
        clients = [server.client(person) for person in people]
        with BotProcess(_argv(kind), folder) as process:
            benchkit.wait_for_queue(server, bot, process, timeout=30)
            # Warm-up, one at a time and not timed: first-use costs (database, imports) and
            # the items the notes refer to.
            with benchkit.MessageWatcher(server, bot) as watcher:
                for n in range(SEED_ITEMS):
                    _send(seeder, bot, f"agenda add Seed item {n + 1}")
                    watcher.wait_for(n + 1, REPLY_TIMEOUT, process)
            with benchkit.MessageWatcher(server, bot) as watcher:
                start = _timed_burst(clients, bot, commands)
                watcher.wait_for(commands, REPLY_TIMEOUT, process)
                last = watcher.arrivals[commands - 1][0]
    return Run(kind, commands, last - start)


def _timed_burst(clients: list[zulip.Client], bot: FakeUser, commands: int) -> float:
    """Send ``commands`` commands spread over the clients, all at once; returns the start."""
    shares = [list(range(n, commands, len(clients))) for n in range(len(clients))]
    ready = threading.Barrier(len(clients) + 1)
    errors: list[BaseException] = []

    def send_share(client: zulip.Client, indexes: list[int]) -> None:
        ready.wait()
        try:
            for index in indexes:
                _send(client, bot, command(index))
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=send_share, args=(c, s), daemon=True)
        for c, s in zip(clients, shares, strict=True)
    ]
    for thread in threads:
        thread.start()
    start = time.monotonic()
    ready.wait()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return start


def measure(commands: int = 300, senders: int = 12, rounds: int = 5) -> list[Figure]:
    """Alternate the bots ``rounds`` times; each bot's best round counts (least disturbed).

    A round takes about a second, so other work on the machine moves single rounds by a tenth
    or more; the ratio of each round's pair is listed too, with their median.
    """
    if -(-commands // senders) > PER_SENDER_MAX:
        raise ValueError(f"more than {PER_SENDER_MAX} commands per sender would be refused")
    runs: dict[str, list[Run]] = {"no-op": [], "meetbot": []}
    for _ in range(rounds):
        for kind in runs:
            runs[kind].append(measure_one(kind, commands, senders))
    best = {kind: max(r.per_second for r in found) for kind, found in runs.items()}
    rounds_text = {
        kind: ", ".join(f"{r.per_second:.0f}" for r in found) for kind, found in runs.items()
    }
    paired = [
        meetbot.per_second / noop.per_second
        for noop, meetbot in zip(runs["no-op"], runs["meetbot"], strict=True)
    ]
    shape = f"{commands} commands from {senders} clients, best of {rounds} rounds"
    return [
        Figure(
            "throughput: no-op bot",
            best["no-op"],
            "cmd/s",
            detail=f"{shape}; rounds: {rounds_text['no-op']} cmd/s",
        ),
        Figure(
            "throughput: meetbot run",
            best["meetbot"],
            "cmd/s",
            detail=f"{shape}; rounds: {rounds_text['meetbot']} cmd/s",
        ),
        Figure(
            "throughput: meetbot / no-op",
            best["meetbot"] / best["no-op"],
            "",
            target=0.8,
            higher_is_better=True,
            detail=(
                "best against best; round by round "
                + ", ".join(f"{ratio:.2f}" for ratio in paired)
                + f" (median {benchkit.median(paired):.2f})"
            ),
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--senders", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    benchkit.print_table(measure(args.commands, args.senders, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
