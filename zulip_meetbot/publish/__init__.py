"""The publishing adapter: the room that delivers a meeting's files where the community keeps them.

Like ``zulip/``, it speaks to the outside and nothing in the domain or storage imports it:
``git`` commits and pushes a file through the ``git`` command (so the operator's SSH agent,
credential helpers, hooks and signing apply), ``github`` opens or reuses a pull request through
GitHub's REST API (the standard library's ``urllib.request``, the only HTTP here), and
``publisher`` decides what is published when: recorded in the database, retried, linked.
"""
