"""`meetbot ARGS` with every series publishing to the repository named by the environment's
MEETBOT_TEST_PUBLISH_REPO (path pattern MEETBOT_TEST_PUBLISH_PATH), and the stand-ins of
publish/git.py and publish/github.py while those are missing.

TEMPORARY, until the botrc keys of issue 14 (part "pubconfig") and the git and GitHub parts
merge: then the live tests write `publish = git` and `publish_repo = …` in the botrc and run
`python -m zulip_meetbot` itself.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import standins

standins.install()

from zulip_meetbot import cli  # noqa: E402
from zulip_meetbot.cli import reading  # noqa: E402
from zulip_meetbot.config import Publishing, Settings  # noqa: E402

_load_settings = reading.load_settings


def _publishing(settings: Settings) -> Settings:
    publishing = Publishing(
        repo=os.environ["MEETBOT_TEST_PUBLISH_REPO"],
        path=os.environ.get("MEETBOT_TEST_PUBLISH_PATH", "meetings/%Y%m%d-community.md"),
        branch="%Y-%m-%d-meeting-notes",
        base=None,
        pull_request=False,
        github_api="http://127.0.0.1:9",
        token_file=None,
        author=None,
    )
    series = tuple(replace(s, publishing=s.publishing or publishing) for s in settings.series)
    return replace(settings, series=series)


def load_settings(*args: Any, **kwargs: Any) -> Settings:
    return _publishing(_load_settings(*args, **kwargs))


reading.load_settings = load_settings  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:]))
