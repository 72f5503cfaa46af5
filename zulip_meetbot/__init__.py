"""meetbot: runs the recurring community meetings of open-source projects on Zulip."""

from __future__ import annotations

__version__ = "0.1.0"
