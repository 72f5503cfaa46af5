"""Until the git and GitHub parts of issue 14 merge: their stand-ins (``standin_git``,
``standin_github``) as ``zulip_meetbot.publish.git`` and ``.github``. TO BE DELETED at merge
(with the two stand-ins): ``install()`` does nothing once the real modules exist."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import zulip_meetbot.publish

HERE = Path(__file__).resolve().parent


def install() -> None:
    """Make ``zulip_meetbot.publish.git`` and ``.github`` importable: the real modules when
    they exist, else the stand-ins."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    for name in ("git", "github"):
        full = f"zulip_meetbot.publish.{name}"
        if full in sys.modules or importlib.util.find_spec(full) is not None:
            continue
        standin = __import__(f"standin_{name}")
        sys.modules[full] = standin
        setattr(zulip_meetbot.publish, name, standin)
