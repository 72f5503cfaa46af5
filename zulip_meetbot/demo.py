"""The built-in demo series, for trying meetbot with no botrc and no Zulip account."""

from __future__ import annotations

import tempfile
from pathlib import Path

from zulip_meetbot.config import Settings, parse_settings

DEMO_BOTRC = """\
[api]
email = meetbot-demo@example.invalid
key = demo-key-not-a-real-one
site = https://zulip.example.invalid

[meetbot]
database = meetbot-demo.sqlite3
notes_dir = notes

[series:demo]
title = Demo Community Meeting
stream = community
topic = community call {date}
start = 2025-01-01 17:00
timezone = UTC
schedule = FREQ=WEEKLY
duration = 60m
video_link = https://meet.example.invalid/demo
description = A demo series: try `agenda add`, `start`, reactions and `end`.
"""


def demo_settings(folder: Path | None = None) -> Settings:
    """The demo series, with its database and notes in ``folder`` (a new temporary one)."""
    folder = folder or Path(tempfile.mkdtemp(prefix="meetbot-demo-"))
    return parse_settings(DEMO_BOTRC, folder / "botrc")
