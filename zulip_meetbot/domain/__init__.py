"""The rules of meetings: transaction scripts over ORM rows, given a ``Session``.

No Zulip, no reply text and no SQL statements here (those live in ``store``); what leaves the
domain is a value from ``record`` or a module's own dataclass, never a row.
"""
