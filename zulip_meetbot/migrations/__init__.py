"""The database schema's revisions (Alembic), run by meetbot itself: no alembic.ini.

The first revision, ``0001``, is the schema of the releases that made their tables with
``create_all``; every later change of ``models.py`` comes with a revision in ``versions/``,
which ``meetbot run`` (and ``meetbot db upgrade``) applies when it opens an older database.
A developer writes one from a database at the previous head::

    from alembic import command
    from zulip_meetbot.migrations import config

    cfg = config()
    cfg.set_main_option("sqlalchemy.url", "sqlite:///meetbot.sqlite3")
    command.revision(cfg, "a person's pronouns", autogenerate=True, rev_id="0002")

and reads what Alembic wrote, which looks like this (SQLite changes a table by copying it,
hence the batch)::

    revision = "0002"
    down_revision = "0001"

    def upgrade() -> None:
        with op.batch_alter_table("person") as batch:
            batch.add_column(sa.Column("pronouns", sa.String(40), nullable=False,
                                       server_default=""))

    def downgrade() -> None:
        with op.batch_alter_table("person") as batch:
            batch.drop_column("pronouns")

``tests/test_migrations.py`` then upgrades a database of the release before through it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, NamedTuple

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

FOLDER = Path(__file__).parent
# Alembic's own name for it, named once: the tables meetbot reads skip it.
VERSION_TABLE = "alembic_version"


def include_object(
    _object: Any, _name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """What Alembic compares with models.py: not the tables models.py does not name, which
    other libraries keep in the same database (APScheduler's jobs)."""
    return not (type_ == "table" and reflected and compare_to is None)


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, in code; ``connection``: the one the revisions run on."""
    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(FOLDER))
    if connection is not None:
        alembic_config.attributes["connection"] = connection
    return alembic_config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision: the schema of models.py."""
    newest = _scripts().get_current_head()
    assert newest is not None, "versions/ holds the baseline at least"
    return newest


def baseline() -> str:
    """The first revision: the schema of the releases before migrations."""
    first = _scripts().get_base()
    assert isinstance(first, str), "one line of revisions, from one baseline"
    return first


def is_known(revision: str) -> bool:
    """Whether ``revision`` is one of this meetbot's (an unknown one is a newer meetbot's)."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def revisions() -> list[str]:
    """Every revision, the baseline first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def current(connection: Connection) -> str | None:
    """The revision the database on ``connection`` is stamped with; None before migrations."""
    return MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE}
    ).get_current_revision()


def stamp(connection: Connection, revision: str) -> None:
    """Record that the database is at ``revision`` without running anything."""
    command.stamp(config(connection), revision)


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Run the revisions after the database's own, up to ``revision``."""
    command.upgrade(config(connection), revision)


class TableSchema(NamedTuple):
    """A table of the baseline: its columns, and the statements that make it and its indexes."""

    columns: tuple[str, ...]
    statements: tuple[str, ...]


@functools.cache
def baseline_schema() -> dict[str, TableSchema]:
    """The baseline's tables, as SQLite makes them from the baseline revision: what a
    database made before migrations holds, whatever models.py says now."""
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            upgrade(connection, baseline())
            made = connection.exec_driver_sql(
                "SELECT tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, rowid"
            ).all()
            schema: dict[str, TableSchema] = {}
            for table, _ in made:
                if table != VERSION_TABLE and table not in schema:
                    info = connection.exec_driver_sql(f'PRAGMA table_info("{table}")')
                    columns = tuple(row[1] for row in info)
                    statements = tuple(sql for name, sql in made if name == table)
                    schema[table] = TableSchema(columns, statements)
    finally:
        engine.dispose()
    return schema
