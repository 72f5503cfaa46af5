"""Publishing a meeting's notes to the community's repository: git (``git``), GitHub's pull
requests (``github``) and what is published when (``publisher``). An adapter, as ``zulip/`` is:
nothing in the domain or storage imports it."""
