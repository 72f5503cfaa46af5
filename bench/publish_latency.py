"""Publishing latency: from a chair's `end` to the notes' commit pushed to the repository.

The live test's conditions: ``python -m zulip_meetbot run`` against the fake Zulip, its series
publishing as conda's would (``publish = git``, ``publish_path =
meetings/archive/%Y%m%d-conda-ecosystem.md``, branch ``%Y-%m-%d-meeting-notes``) to a bare
repository on the same disk, through the real ``zulip_meetbot.publish.git`` (clone on first
use, fetch, commit, push). Each round a chair says `start now` then `end`; the clock runs from
the moment the `end` message is sent to the moment the meeting's branch appears in the bare
repository. The first round includes the clone; median and max are of the rounds after it.

    python bench/publish_latency.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import benchkit
from benchkit import BotProcess, Figure

POLL_SECONDS = 0.005


def git(*args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(
        ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def bare_repository(folder: Path) -> Path:
    bare = folder / "archive.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    work = folder / "seed"
    git("clone", "--quiet", str(bare), str(work))
    (work / "README.md").write_text("Meeting notes\n")
    git("add", "README.md", cwd=work)
    git("commit", "--quiet", "-m", "Start", cwd=work)
    git("push", "--quiet", "origin", "HEAD:refs/heads/main", cwd=work)
    return bare


def measure(rounds: int = 7) -> list[Figure]:
    with benchkit.temp_folder("publish") as folder, benchkit.fake_zulip() as server:
        bot_user = benchkit.add_bot_user(server)
        chair = server.add_user("Chair Person", delivery_email="chair@zulip.example")
        server.add_stream("community", subscribers=[chair])
        bare = bare_repository(folder)
        botdir = folder / "bot"
        botdir.mkdir()
        botrc = botdir / "botrc"
        botrc.touch(mode=0o600)
        botrc.write_text(
            server.zuliprc_text(bot_user)
            + f"""
[meetbot]
database = meetbot.sqlite3
notes_dir = notes
chairs = {chair.user_id}

[series:community]
title = Community Call
stream = community
topic = community call {{date}}
start = 2030-01-02 17:00
timezone = UTC
schedule = FREQ=WEEKLY
publish = git
publish_repo = {bare}
publish_path = meetings/archive/%Y%m%d-conda-ecosystem.md
publish_branch = %Y-%m-%d-meeting-notes
"""
        )
        # git as the tests run it: without the machine's own configuration.
        os.environ.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
        argv = benchkit.meetbot_argv()
        client = server.client(chair)
        seconds: list[float] = []
        with BotProcess(argv, botdir) as bot:
            bot.wait_for_log("listening for events")
            for week in range(rounds):
                day = (date(2030, 1, 2) + timedelta(weeks=week)).isoformat()
                topic = f"community call {day}"
                ref = bare / "refs" / "heads" / f"{day}-meeting-notes"
                for command in ("start now", "end"):
                    sent_at = time.monotonic()
                    client.send_message(
                        {
                            "type": "stream",
                            "to": "community",
                            "topic": topic,
                            "content": f"@**{bot_user.full_name}** {command}",
                        }
                    )
                    if command == "start now":
                        bot.wait_for_log(f"meeting of {day} started")
                deadline = time.monotonic() + 60
                while not ref.exists():
                    bot.check_alive()
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"no branch for {day}:\n{bot.log_tail()}")
                    time.sleep(POLL_SECONDS)
                seconds.append(time.monotonic() - sent_at)
        later = seconds[1:] or seconds
        return [
            Figure(
                "end → pushed commit (median, clone made)",
                benchkit.median(later) * 1000,
                "ms",
                detail=f"rounds in ms: {', '.join(f'{s * 1000:.0f}' for s in seconds)} "
                "(the first clones the repository)",
            ),
            Figure("end → pushed commit (max, clone made)", max(later) * 1000, "ms"),
            Figure("end → pushed commit (first, with the clone)", seconds[0] * 1000, "ms"),
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    benchkit.print_table(measure(args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
