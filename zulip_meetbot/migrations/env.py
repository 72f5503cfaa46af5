"""Alembic's environment: run the revisions on the connection meetbot hands over.

meetbot calls Alembic from :mod:`zulip_meetbot.migrations` with an open connection in
``config.attributes["connection"]``; a developer writing a revision may instead set
``sqlalchemy.url`` on the config (see the package's docstring).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from zulip_meetbot.migrations import include_object
from zulip_meetbot.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        # SQLite alters a table by copying it: revisions use op.batch_alter_table.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


config = context.config
connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no connection given and no sqlalchemy.url set: see the docstring")
    engine = create_engine(url)
    with engine.begin() as own:
        _run(own)
    engine.dispose()
