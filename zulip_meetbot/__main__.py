"""``python -m zulip_meetbot`` is the ``meetbot`` command."""

from __future__ import annotations

from zulip_meetbot.cli import main

raise SystemExit(main())
