"""What every benchmark shares: the fake Zulip, bot subprocesses, statistics and the table.

The bench scripts are plain scripts run from the repository (``python bench/run.py``), so this
module is imported by its bare name; it puts the repository's ``tests/`` folder on ``sys.path``
so the fake Zulip server the tests use serves the benchmarks too.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TESTS = REPO / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

# Imported after the path is set: the fake server lives with the tests, not in the package.
from zulipfake import FakeUser, FakeZulip  # noqa: E402

__all__ = [
    "BENCH",
    "REPO",
    "BotProcess",
    "FakeUser",
    "FakeZulip",
    "Figure",
    "MessageWatcher",
    "fake_zulip",
    "percentile",
    "print_table",
    "temp_folder",
]

# How often a waiting loop looks again: small next to what is measured, light on the CPU.
POLL_SECONDS = 0.002
# Requests per minute no benchmark comes near. Not None: a server that sends no X-RateLimit-*
# headers makes meetbot's pacer assume Zulip's default (200 a minute) and wait.
UNLIMITED = 1_000_000
STOP_SECONDS = 15


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One measured figure with its target; ``higher_is_better`` flips the comparison."""

    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    detail: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value < self.target

    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.higher_is_better else '<'} {_number(self.target)} {self.unit}".strip()


def _number(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def print_table(figures: Sequence[Figure], out: Any = None) -> None:
    """The figures as an aligned text table, then the details below it."""
    out = out or sys.stdout
    rows = [("figure", "value", "target", "met")]
    for figure in figures:
        met = {None: "", True: "yes", False: "MISSED"}[figure.met]
        value = f"{_number(figure.value)} {figure.unit}".strip()
        rows.append((figure.name, value, figure.target_text(), met))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for index, row in enumerate(rows):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
            file=out,
        )
        if index == 0:
            print("  ".join("-" * width for width in widths), file=out)
    details = [f"- {f.name}: {f.detail}" for f in figures if f.detail]
    if details:
        print(file=out)
        print("\n".join(details), file=out)
    out.flush()


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.99 = p99): a value that was really seen."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# --- places and servers -------------------------------------------------------------------


def settle_like_meetbot_run() -> bool:
    """Whatever ``meetbot run`` does to its heap once started, so pauses are the same here.

    Undo with ``gc.unfreeze()`` when the measuring is over: the process goes on.
    """
    try:
        run = importlib.import_module("zulip_meetbot.cli.run")
    except ImportError:  # a revision before the cli/ package: cli.py held it
        run = importlib.import_module("zulip_meetbot.cli")
    settle = getattr(run, "settle_heap", None)
    if settle is None:
        return False
    settle()
    return True


@contextlib.contextmanager
def temp_folder(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"meetbot-bench-{prefix}-") as folder:
        yield Path(folder)


@contextlib.contextmanager
def fake_zulip(heartbeat_seconds: float = 2.0) -> Iterator[FakeZulip]:
    """A started fake Zulip with a limit never reached: the benchmarks measure the bot, not
    the pacing Zulip's rate limit imposes."""
    server = FakeZulip(heartbeat_seconds=heartbeat_seconds, rate_limit=UNLIMITED)
    server.start()
    _quiet_on_hang_ups(server)
    try:
        yield server
    finally:
        server.stop()
        if server.violations:
            # A benchmark of requests Zulip would refuse would measure nothing real.
            raise RuntimeError("OpenAPI violations:\n" + "\n".join(server.violations[:10]))


def _quiet_on_hang_ups(server: FakeZulip) -> None:
    """A bot that exits with a long-poll open resets its connection; socketserver would print
    a traceback for it into the middle of the figures. Other errors still print."""
    httpd = getattr(server, "_httpd", None)
    if httpd is None:
        return
    report = httpd.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            report(request, client_address)

    httpd.handle_error = handle_error


def add_bot_user(server: FakeZulip, name: str = "Meetbot") -> FakeUser:
    return server.add_user(name, delivery_email="meetbot-bot@zulip.example", is_bot=True)


def wait_for_queue(server: FakeZulip, user: FakeUser, bot: BotProcess, timeout: float) -> float:
    """Wait until ``user`` has an event queue on the server; returns the monotonic instant."""
    deadline = time.monotonic() + timeout
    realm = server.realm
    while time.monotonic() < deadline:
        with realm.cond:
            if any(q.user_id == user.user_id for q in realm.queues.values()):
                return time.monotonic()
        bot.check_alive()
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"no event queue after {timeout} s; bot log:\n{bot.log_tail()}")


class MessageWatcher:
    """Notes the instant each message of one sender reaches the server.

    It reads the realm's message list under its condition variable, which every new message
    notifies, so the instant is taken within microseconds and costs no HTTP request.
    """

    def __init__(self, server: FakeZulip, sender: FakeUser) -> None:
        self._realm = server.realm
        self._sender_id = sender.user_id
        with self._realm.cond:
            self._seen = len(self._realm.messages)
        # (monotonic instant, wall-clock instant, StoredMessage)
        self.arrivals: list[tuple[float, float, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench-watcher", daemon=True)

    def __enter__(self) -> MessageWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        with self._realm.cond:
            self._realm.cond.notify_all()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        realm = self._realm
        with realm.cond:
            while not self._stop.is_set():
                now, wall = time.monotonic(), time.time()
                while self._seen < len(realm.messages):
                    message = realm.messages[self._seen]
                    self._seen += 1
                    if message.sender.user_id == self._sender_id:
                        self.arrivals.append((now, wall, message))
                realm.cond.wait(0.5)

    def wait_for(self, count: int, timeout: float, bot: BotProcess | None = None) -> None:
        """Wait until ``count`` messages have arrived (or fail with the bot's log)."""
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count:
            if time.monotonic() > deadline:
                tail = bot.log_tail() if bot else ""
                raise TimeoutError(f"{len(self.arrivals)} of {count} messages arrived\n{tail}")
            if bot is not None:
                bot.check_alive()
            time.sleep(POLL_SECONDS)


# --- bot processes ------------------------------------------------------------------------


@dataclass
class BotProcess:
    """A bot running as a subprocess in ``folder``, its output in ``folder/bot.log``."""

    argv: list[str]
    folder: Path
    started_at: float = 0.0  # monotonic, just before the process was created
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.folder / "bot.log"

    def start(self) -> BotProcess:
        with self.log_path.open("wb") as log_file:
            self.started_at = time.monotonic()
            # The child keeps its own copy of the log's file descriptor.
            self.process = subprocess.Popen(
                self.argv, cwd=self.folder, stdout=log_file, stderr=subprocess.STDOUT
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"bot exited ({self.process.returncode}):\n{self.log_tail()}")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            self.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {text!r} in the bot's log:\n{self.log_tail()}")
            time.sleep(0.01)

    def rss_kib(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) in KiB, read from /proc: what the kernel charges the process."""
        assert self.process is not None
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
        return fields["VmRSS"], fields["VmHWM"]

    def stop(self) -> None:
        """SIGTERM, as a service manager would; a bot that hangs is killed."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            # Said out loud: a bot that ignores SIGTERM is a bug, not a benchmark detail.
            print(
                f"warning: the bot did not stop within {STOP_SECONDS} s of SIGTERM; killed it",
                file=sys.stderr,
            )
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def meetbot_argv() -> list[str]:
    """``meetbot run`` exactly as the tests start it, with this interpreter."""
    return [sys.executable, "-m", "zulip_meetbot", "run", "--config", "botrc"]


def series_section(
    slug: str, stream: str, start: str, *, reminders: str = "", extra: str = ""
) -> str:
    """One ``[series:SLUG]`` section of a botrc, in UTC."""
    text = (
        f"\n[series:{slug}]\ntitle = {slug.title()} Call\nstream = {stream}\n"
        f"topic = {slug} call {{date}}\nstart = {start}\ntimezone = UTC\n"
        "schedule = FREQ=WEEKLY\nduration = 60m\n"
    )
    if reminders:
        text += f"reminders = {reminders}\n"
    return text + extra


def write_botrc(
    folder: Path, server: FakeZulip, bot: FakeUser, series: str, chairs: str = ""
) -> Path:
    """The botrc of a bot run in ``folder``; private, as meetbot wants a file with a key."""
    path = folder / "botrc"
    path.write_text(
        server.zuliprc_text(bot)
        + "\n[meetbot]\ndatabase = meetbot.sqlite3\nnotes_dir = notes\n"
        + (f"chairs = {chairs}\n" if chairs else "")
        + series
    )
    path.chmod(0o600)
    return path


def cpu_summary() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}"
