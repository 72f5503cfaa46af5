"""``meetbot shell``'s terminal front end: the same handler and scheduler as ``meetbot run``,
with a terminal in place of Zulip.

``rendering`` shows Zulip markdown in a terminal; ``pretend_zulip`` is the Zulip the handler
and scheduler post to; ``session`` is the loop that reads lines and moves the clock.
"""
