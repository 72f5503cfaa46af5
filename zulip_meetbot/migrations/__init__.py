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

import ast
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (and Mako with it) is imported only where a revision runs: a bot whose database is
# up to date, every start but the first after an upgrade, would pay 10 MB and 0.1 s for nothing.

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
    from alembic.config import Config

    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(FOLDER))
    if connection is not None:
        alembic_config.attributes["connection"] = connection
    return alembic_config


@functools.cache
def revisions() -> tuple[str, ...]:
    """Every revision, the baseline first, read from ``versions/`` as Alembic reads it (its
    ``revision`` and ``down_revision``; a test checks the order is Alembic's own)."""
    before: dict[str, str | None] = {}
    for path in (FOLDER / "versions").glob("*.py"):
        names: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                names[node.targets[0].id] = ast.literal_eval(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names[node.target.id] = node.value and ast.literal_eval(node.value)
        if "revision" in names:
            before[names["revision"]] = names.get("down_revision")
    chain = [revision for revision, down in before.items() if down is None]
    while following := [revision for revision, down in before.items() if down == chain[-1]]:
        chain += following[:1]  # one line of revisions, from one baseline
    return tuple(chain)


def head() -> str:
    """The newest revision: the schema of models.py."""
    return revisions()[-1]


def baseline() -> str:
    """The first revision: the schema of the releases before migrations."""
    return revisions()[0]


def is_known(revision: str) -> bool:
    """Whether ``revision`` is one of this meetbot's (an unknown one is a newer meetbot's)."""
    return revision in revisions()


def current(connection: Connection) -> str | None:
    """The revision the database on ``connection`` is stamped with; None before migrations."""
    has_table = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
    ).first()
    if has_table is None:
        return None
    row = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").first()
    return None if row is None else str(row[0])


def stamp_new(connection: Connection, revision: str) -> None:
    """Stamp a database just made at ``revision``: the version table Alembic would make, made
    without loading it (a test checks the two are the same), since a first start needs no more."""
    connection.exec_driver_sql(
        f"CREATE TABLE {VERSION_TABLE} (version_num VARCHAR(32) NOT NULL, "
        f"CONSTRAINT {VERSION_TABLE}_pkc PRIMARY KEY (version_num))"
    )
    connection.exec_driver_sql(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (?)", (revision,))


def stamp(connection: Connection, revision: str) -> None:
    """Record that the database is at ``revision`` without running anything."""
    from alembic import command

    command.stamp(config(connection), revision)


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Run the revisions after the database's own, up to ``revision``."""
    from alembic import command

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
