"""`meetbot run` refuses a broken botrc before it connects to anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BROKEN_BOTRC = """\
[api]
email = meetbot-bot@zulip.example
site = http://127.0.0.1:9

[series:community]
title = Community call
stream = community
start = 2025-02-12 17:00
timezone = Mars/Olympus_Mons
schedule = FREQ=SOMETIMES
"""


def run_meetbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_broken_botrc_stops_run_with_status_2_and_one_line_per_problem(tmp_path: Path) -> None:
    (tmp_path / "botrc").write_text(BROKEN_BOTRC)
    result = run_meetbot("run", "--config", "botrc", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any("[api] key" in line for line in lines)
    assert any(
        "[series:community] timezone" in line and "Mars/Olympus_Mons" in line for line in lines
    )
    assert any("[series:community] schedule" in line for line in lines)
    assert all(line.startswith("meetbot: botrc: ") for line in lines)
    assert not (tmp_path / "meetbot.sqlite3").exists()  # nothing was created or connected


def test_missing_botrc_is_reported_with_status_2(tmp_path: Path) -> None:
    result = run_meetbot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "botrc" in result.stderr and "not found" in result.stderr


def test_unreadable_template_is_a_botrc_problem(tmp_path: Path) -> None:
    (tmp_path / "broken.md.j2").write_text("# {{ meeting.title }\n")
    (tmp_path / "botrc").write_text(
        "[api]\nemail = b@x.example\nkey = k\nsite = http://127.0.0.1:9\n\n"
        "[series:community]\ntitle = T\nstream = s\nstart = 2025-02-12 17:00\n"
        "timezone = UTC\ntemplate = broken.md.j2\n"
    )
    result = run_meetbot("run", "--config", "botrc", cwd=tmp_path)
    assert result.returncode == 2
    assert "[series:community] template" in result.stderr


def test_help_lists_the_run_command(tmp_path: Path) -> None:
    result = run_meetbot("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "run" in result.stdout


def test_template_with_an_unknown_variable_stops_run_at_start_up(tmp_path: Path) -> None:
    (tmp_path / "mine.md.j2").write_text("# {{ meeting.date }}\n\n{{ meeting.actionz }}\n")
    (tmp_path / "botrc").write_text(
        "[api]\nemail = b@x.example\nkey = k\nsite = http://127.0.0.1:9\n\n"
        "[series:community]\ntitle = T\nstream = s\nstart = 2025-02-12 17:00\n"
        "timezone = UTC\ntemplate = mine.md.j2\n"
    )
    result = run_meetbot("run", "--config", "botrc", cwd=tmp_path)
    assert result.returncode == 2
    assert "[series:community] template" in result.stderr
    assert "actionz" in result.stderr and "line 3" in result.stderr
