"""The exception a refused request raises; the domain raises its facts (``refusals.py``)."""

from __future__ import annotations


class UserError(Exception):
    """A request that cannot be done as asked. A plain one (the handler's routing refusals)
    carries its reply as ``str(error)``; a ``Refusal`` carries facts that ``views`` words."""
