"""The one exception the domain raises when it refuses a request: its text is the reply."""

from __future__ import annotations


class UserError(Exception):
    """A request that cannot be done as asked; ``str(error)`` is a polite reply for the user."""
