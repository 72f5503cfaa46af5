"""The Zulip adapter: the only room that speaks to Zulip (its client, its HTTP, its shapes).

``runtime`` runs the bot on a live server: ``client`` makes requests within ``pacing``'s
limits, ``sender`` posts what is owed, ``catchup`` reads back what was missed while the bot was
away, and ``directory`` answers who a Zulip user is.
"""
