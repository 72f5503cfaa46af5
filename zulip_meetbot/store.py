"""The SQLite database: the engine, one transaction per command, and the queries by name."""

from __future__ import annotations

import json
import logging
import os
import pickle
import sqlite3
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import (
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    create_engine,
    delete,
    event,
    exists,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.expression import Executable

from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain.record import MEETING_FACTS, Meeting, meeting_of
from zulip_meetbot.models import (
    ActionOwnerRow,
    ActionRow,
    AttendanceReactionRow,
    AttendanceRow,
    Base,
    DecisionRow,
    GovernanceBallotRow,
    GovernanceVoteRow,
    HandledMessageRow,
    ItemRow,
    MeetingRow,
    NoteRow,
    OwedPostRow,
    PersonalReminderRow,
    PersonRow,
    PublicationRow,
    QuickBallotRow,
    QuickVoteRow,
    RegretRow,
    ReplyRow,
    SentActionRow,
    UTCDateTime,
    VoteReminderRow,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing's from Python 3.11 on

log = logging.getLogger(__name__)

# How often the write-ahead log is copied into the database file, off the commands' path.
CHECKPOINT_SECONDS = 5.0
# How long a statement waits for another connection's lock before SQLite says "locked".
BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL keeps readers and the writer apart and survives a kill at any moment.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # The log is copied into the database by Store's own thread, not by whichever commit
    # happens to fill it: that commit took 5-12 ms (an fsync) instead of half a millisecond.
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # No journal mode or checkpoint setting: those write, and this connection may not.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


class DatabaseProblem(Exception):
    """Why the database file cannot be used, in one line that names the file."""


def foreign_schema(
    cursor: Any, tables: set[str], expected: dict[str, tuple[str, ...]]
) -> str | None:
    """Why a SQLite database with ``tables`` is not meetbot's, or None when it is (or has none
    yet, a new one): meetbot's tables, where there, have every column ``expected`` gives them."""
    shared = sorted(tables & expected.keys())
    if tables and not shared:
        return f"it has tables ({', '.join(sorted(tables))}) and none of meetbot's"
    for name in shared:
        columns = {row[1] for row in cursor.execute(f'PRAGMA table_info("{name}")')}
        missing = [column for column in expected[name] if column not in columns]
        if missing:
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            noun = "the column" if len(missing) == 1 else "the columns"
            return f"its table {name} lacks {noun} {', '.join(missing[:3])}{more}"
    return None


class Found(NamedTuple):
    """What a database file holds, as :func:`_inspect` found it."""

    new: bool  # no tables yet
    revision: str | None  # its schema revision; None: made before migrations (or new)
    missing: frozenset[str]  # made before migrations: the baseline's tables it lacks


NEW = Found(new=True, revision=None, missing=frozenset())


def _inspect(database: Path) -> Found:
    """What the existing file ``database`` holds (an empty file is a new database); raises
    :class:`DatabaseProblem` when it is another program's or a newer meetbot's. Changes nothing."""
    uri = database.absolute().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        cursor = connection.cursor()
        tables = {
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if not tables:
            return NEW
        # Here, not at the top: Alembic is read only for a database with tables.
        from zulip_meetbot import migrations

        revision = None
        if migrations.VERSION_TABLE in tables:
            row = cursor.execute(f"SELECT version_num FROM {migrations.VERSION_TABLE}").fetchone()
            revision = row[0] if row else None
        if revision is None:
            # Made before migrations: its tables are the baseline's, whatever models.py says now.
            baseline = migrations.baseline_schema()
            expected = {name: table.columns for name, table in baseline.items()}
        else:
            # Its own revision says what it holds; only another program's shares no table.
            expected = {name: () for name in Base.metadata.tables}
        why = foreign_schema(cursor, tables - {migrations.VERSION_TABLE}, expected)
    finally:
        connection.close()
    if why is not None:
        raise DatabaseProblem(
            f"database {database} is not a meetbot database ({why}): meetbot leaves it alone; "
            "name a new file, or meetbot's own"
        )
    if revision is not None and not migrations.is_known(revision):
        raise newer_database(database, revision)
    missing = frozenset() if revision else frozenset(expected.keys() - tables)
    return Found(new=False, revision=revision, missing=missing)


def newer_database(database: Path, revision: str) -> DatabaseProblem:
    from zulip_meetbot import __version__

    return DatabaseProblem(
        f"database {database} was made by a newer meetbot (schema revision {revision}, which "
        f"meetbot {__version__} does not know): run that meetbot, or restore a backup"
    )


class OlderDatabase(DatabaseProblem):
    """The database's schema is older than the code's: a command that writes upgrades it."""


def _require_current(database: Path, found: Found) -> None:
    """Refuse, for a command that only reads, a database whose schema is older than the code's
    (reading it would need the upgrade it may not make)."""
    from zulip_meetbot import migrations

    head = migrations.head()
    if found.revision == head:
        return
    if found.revision is None and not found.missing and migrations.baseline() == head:
        return  # made before migrations, and nothing changed since: only the stamp is missing
    raise OlderDatabase(
        f"database {database} was made by an older meetbot; `meetbot db upgrade` "
        "(or `meetbot run`) brings it up to date"
    )


class Upgrade(NamedTuple):
    """What opening the database for writing did to its schema."""

    before: str | None  # its revision before; None: made before migrations (or new)
    after: str
    created: bool  # the tables were made now, at the newest revision


def upgrade_text(database: Path, done: Upgrade) -> str:
    """What opening ``database`` did to its schema, as the log and `meetbot db upgrade` say it."""
    if done.created:
        return f"database {database}: new, made at revision {done.after}"
    before = f"revision {done.before}" if done.before else "before schema revisions"
    return f"database {database}: upgraded from {before} to revision {done.after}"


def _bring_up_to_date(engine: Engine, database: Path) -> Upgrade | None:
    """Make the database's schema the code's, in one transaction that holds the write lock
    (a second meetbot starting waits, then finds it done); None when it was already."""
    with engine.connect() as connection:
        # A revision that copies a table (SQLite's way to alter one) must not trip or cascade
        # the foreign keys on the way; they are checked at the end. Not settable in a transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            done = _migrate(connection, database)
            # Only after revisions ran: a database at the head starts without reading it all.
            changed = done is not None and not done.created
            if changed and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise DatabaseProblem(
                    f"database {database} could not be upgraded: a revision broke a reference "
                    "between its tables (nothing was changed)"
                )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
    if done is not None:
        log.info("%s", upgrade_text(database, done))
    return done


def _migrate(connection: Any, database: Path) -> Upgrade | None:
    from zulip_meetbot import migrations

    head = migrations.head()
    tables = {
        name
        for (name,) in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    revision = migrations.current(connection)
    if not tables:
        # A new database: models.py is the newest schema (a test checks that every revision,
        # run from the baseline, makes the same), in one step instead of every revision's.
        Base.metadata.create_all(connection)
        migrations.stamp_new(connection, head)
        return Upgrade(None, head, created=True)
    if revision == head:
        return None
    if revision is None:
        # Made by create_all before migrations: the baseline, less the tables added last,
        # which create_all would have added when it started (and now the baseline's make).
        for name, table in migrations.baseline_schema().items():
            if name not in tables:
                for statement in table.statements:
                    connection.exec_driver_sql(statement)
        migrations.stamp(connection, migrations.baseline())
    elif not migrations.is_known(revision):
        raise newer_database(database, revision)
    migrations.upgrade(connection)
    return Upgrade(revision, head, created=False)


class Store:
    """Owns the engine; every unit of work goes through :meth:`transaction`."""

    def __init__(self, database: Path | str | None, *, read_only: bool = False) -> None:
        self.read_only = read_only
        in_memory = database is None or str(database) == ":memory:"
        # Once, before anything writes: another program's SQLite file is never touched.
        file = None if in_memory else Path(str(database))
        self.found = NEW if file is None or not file.exists() else _inspect(file)
        self.new = self.found.new
        # What opening it for writing did to its schema (`meetbot db upgrade` tells).
        self.upgrade: Upgrade | None = None
        if in_memory:
            # One shared connection, or every session would see its own empty database.
            self.engine: Engine = create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        elif read_only:
            # A URI with mode=ro: SQLite neither creates the file nor writes to it.
            uri = Path(str(database)).absolute().as_uri() + "?mode=ro"
            self.engine = create_engine(
                "sqlite://",
                creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
            )
        else:
            path = Path(str(database))
            require_folder(path)
            if not path.exists():
                # Private streams' agendas and notes: readable by the bot's user only (SQLite
                # gives its -wal and -shm files the database's mode).
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            self.engine = create_engine(
                f"sqlite:///{path}", connect_args={"check_same_thread": False}
            )
        if read_only:
            event.listen(self.engine, "connect", _read_only_pragmas)
            if file is not None and not self.new:
                _require_current(file, self.found)
        else:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            if file is None:
                Base.metadata.create_all(self.engine)  # thrown away at the end: no revision
            else:
                # Before the checkpoint thread starts: the schema changes with nothing else
                # using the engine.
                try:
                    self.upgrade = _bring_up_to_date(self.engine, file)
                except BaseException:
                    self.engine.dispose()
                    raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._closing = threading.Event()
        self._checkpoints: threading.Thread | None = None
        if not in_memory and not read_only:
            self._checkpoints = threading.Thread(
                target=self._checkpoint_often, name="meetbot-checkpoints", daemon=True
            )
            self._checkpoints.start()

    def check_access(self) -> None:
        """Read the schema and, unless read-only, take the write lock and write without
        keeping anything: what a command will do, so a problem shows before it starts."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT count(*) FROM sqlite_master").fetchall()
            if not self.read_only:
                (version,) = cursor.execute("PRAGMA user_version").fetchone()
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    # Writes the page SQLite would, and is rolled back: a read-only file or
                    # folder refuses it, where taking the lock alone would succeed.
                    cursor.execute(f"PRAGMA user_version={int(version)}")
                finally:
                    cursor.execute("ROLLBACK")
        finally:
            connection.close()

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file, as far as no reader needs it."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _checkpoint_often(self) -> None:
        while not self._closing.wait(CHECKPOINT_SECONDS):
            try:
                self.checkpoint()
            except Exception:  # a busy or locked database: the next turn tries again
                log.exception("could not checkpoint the database")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One atomic unit of work: committed on success, rolled back on any exception."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self._closing.set()
        if self._checkpoints is not None:
            self._checkpoints.join(timeout=5)
        # The last connection to close checkpoints the rest (SQLite does it then).
        self.engine.dispose()


def require_folder(database: Path) -> None:
    """Raise :class:`DatabaseProblem` unless ``database``'s folder exists: meetbot never makes
    it, so a mistyped path is refused rather than leaving a tree of new folders."""
    folder = database.parent
    if not folder.exists():
        raise DatabaseProblem(f"database {database}: its folder {folder} does not exist")
    if not folder.is_dir():
        raise DatabaseProblem(f"database {database}: {folder} is not a folder")


def missing_database(database: Path, botrc: bool = True) -> DatabaseProblem:
    """What to say of a database file that is not there: its folder, or how it is made (by
    the ``botrc`` read, when one was)."""
    if not database.parent.is_dir():
        return DatabaseProblem(f"database {database}: its folder {database.parent} does not exist")
    run = "with this botrc" if botrc else "with this file as a botrc's `database`"
    return DatabaseProblem(
        f"database {database} does not exist: `meetbot run` {run}, or "
        f"`meetbot shell --database {database}`, makes it"
    )


def open_store(database: Path, *, read_only: bool = False) -> Store:
    """The store of the database file ``database``, checked for what a command will do with
    it (read, or read and write); raises :class:`DatabaseProblem` saying what is wrong.

    Read-only, the file is never created or changed.
    """
    if read_only and not database.exists():
        raise missing_database(database)
    with explained(database):
        store = Store(database, read_only=read_only)
        try:
            store.check_access()
        except BaseException:
            store.close()
            raise
    return store


@contextmanager
def explained(database: Path, *, opened: bool = False) -> Iterator[None]:
    """Turn SQLite's and the file system's errors in the block into a :class:`DatabaseProblem`
    about ``database``; ``opened``: the file opened already, so it is not "cannot be opened"."""
    try:
        yield
    except (DatabaseError, sqlite3.Error, OSError) as error:
        raise database_problem(database, error, opened=opened) from None


def database_problem(
    database: Path, error: BaseException, *, opened: bool = False
) -> DatabaseProblem:
    """What ``error``, raised while using ``database``, means, in words an organizer can act on."""
    original = getattr(error, "orig", None) or error
    message = str(original.args[0] if original.args else original)
    # The error's name is precise (Python 3.11+); the message is what older Pythons give.
    name = getattr(original, "sqlite_errorname", "")
    if name == "SQLITE_NOTADB" or "file is not a database" in message:
        what = f"is not a SQLite database ({message})"
    elif name.startswith("SQLITE_CORRUPT") or "malformed" in message:
        what = f"is damaged ({message}): restore it from a backup"
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in message:
        what = f"is locked by another process ({message}): is another meetbot using it?"
    elif name == "SQLITE_READONLY_DIRECTORY":
        what = f"is read-only: its folder {database.parent} is, and SQLite writes files beside it"
    elif name.startswith("SQLITE_READONLY") or "readonly" in message:
        what = f"is read-only ({message})"
    elif database.is_dir():
        what = "is a folder, not a file"
    elif opened:
        what = f"could not be read ({message})"
    elif isinstance(original, OSError):
        what = f"cannot be created ({original.strerror or message})"
    else:
        what = f"cannot be opened ({message})"
    return DatabaseProblem(f"database {database} {what}")


# How long `check` waits for the write lock: a running bot holds it for a millisecond or so.
WRITE_PROBE_TIMEOUT_S = 0.5


def probe_write_lock(database: Path) -> None:
    """Take the write lock of the existing ``database`` and let it go, writing nothing: a
    process holding it (even in WAL mode, where reads still work) would stop `run`. Raises
    :class:`DatabaseProblem`."""
    uri = database.absolute().as_uri() + "?mode=rw"  # rw: never creates the file
    with explained(database):
        connection = sqlite3.connect(
            uri, uri=True, timeout=WRITE_PROBE_TIMEOUT_S, isolation_level=None
        )
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
        finally:
            connection.close()


def database_state(database: Path) -> str:
    """For ``meetbot check``: the database read (never created or changed) and summed up;
    raises :class:`DatabaseProblem`."""
    if not database.exists():
        require_folder(database)
        return f"database {database} does not exist yet: `meetbot run` will create it"
    # Writing needs the file and, for SQLite's journal files, its folder.
    for path in (database, database.parent):
        if not os.access(path, os.W_OK):
            raise DatabaseProblem(
                f"database {database} is read-only (this user may not write {path})"
            )
    probe_write_lock(database)
    try:
        store = open_store(database, read_only=True)
    except OlderDatabase as older:
        return f"{older}; readable and writable"
    try:
        if store.new:
            return f"database {database} is new: no meetings recorded yet; readable and writable"
        with explained(database, opened=True), store.engine.connect() as connection:
            count = connection.execute(select(func.count()).select_from(MeetingRow)).scalar()
    finally:
        store.close()
    return f"database {database}: {count} meetings recorded; readable and writable"


def schema_revision(database: Path, botrc: bool = True) -> str:
    """For ``meetbot db current``: the database's schema revision, and whether it is this
    meetbot's newest; never creates or changes the file. Raises :class:`DatabaseProblem`
    (whose words say whether a ``botrc`` was read)."""
    if not database.exists():
        raise missing_database(database, botrc)
    with explained(database):
        found = _inspect(database)
    from zulip_meetbot import migrations

    head = migrations.head()
    if found.new:
        return (
            f"database {database}: no tables yet; `meetbot db upgrade` (or `meetbot run`) "
            f"makes them at revision {head}"
        )
    if found.revision is None:
        return (
            f"database {database}: made before meetbot kept schema revisions; "
            f"`meetbot db upgrade` (or `meetbot run`) marks it as revision {migrations.baseline()}"
            + ("" if migrations.baseline() == head else f" and brings it up to {head}")
        )
    if found.revision == head:
        return f"database {database}: revision {head} (head: up to date)"
    return (
        f"database {database}: revision {found.revision}, this meetbot's newest is {head}: "
        "`meetbot db upgrade` (or `meetbot run`) brings it up to date"
    )


def insert_row(session: Session, row_type: type[Base], **values: Any) -> None:
    """Insert one row at once, for rows nothing reads back as an object in the same unit of
    work: the session's flush of an added object cost more than the insert itself."""
    _run(session, insert(row_type.__table__), values)


def _run(
    session: Session, statement: Executable, parameters: Any = None
) -> CursorResult[Unpack[tuple[Any, ...]]]:
    """Run a statement that reads or writes plain values, not ORM objects, on the session's
    connection: that skips the ORM's per-statement work, half the cost of a short query.
    The session's pending changes go first, as the ORM's own autoflush would send them."""
    session.flush()
    return session.connection().execute(statement, parameters)


# Queries by name. They take the session of the caller's transaction.


def meeting_by_id(session: Session, meeting_id: int) -> MeetingRow | None:
    return session.get(MeetingRow, meeting_id)


def meetings_by_ids(session: Session, meeting_ids: set[int]) -> dict[int, MeetingRow]:
    if not meeting_ids:
        return {}
    rows = session.scalars(select(MeetingRow).where(MeetingRow.id.in_(meeting_ids)))
    return {row.id: row for row in rows}


def meeting_of_occurrence(
    session: Session, series_slug: str, occurrence_start: datetime
) -> MeetingRow | None:
    return session.scalar(
        select(MeetingRow).where(
            MeetingRow.series_slug == series_slug,
            MeetingRow.occurrence_start == occurrence_start,
        )
    )


def meetings_since(session: Session, series_slug: str, since: datetime) -> list[MeetingRow]:
    """Meetings whose occurrence or real start is at or after ``since``, oldest first."""
    return list(
        session.scalars(
            select(MeetingRow)
            .where(
                MeetingRow.series_slug == series_slug,
                (MeetingRow.occurrence_start >= since) | (MeetingRow.scheduled_start >= since),
            )
            .order_by(MeetingRow.scheduled_start)
        )
    )


def meetings_of_series(session: Session, series_slug: str) -> list[MeetingRow]:
    return list(
        session.scalars(
            select(MeetingRow)
            .where(MeetingRow.series_slug == series_slug)
            .order_by(MeetingRow.scheduled_start)
        )
    )


def changed_meetings(session: Session, series_slug: str) -> list[MeetingRow]:
    """Meetings cancelled or moved away from the instant their series' rule gives."""
    return list(
        session.scalars(
            select(MeetingRow)
            .where(
                MeetingRow.series_slug == series_slug,
                MeetingRow.cancelled | (MeetingRow.scheduled_start != MeetingRow.occurrence_start),
            )
            .order_by(MeetingRow.occurrence_start)
        )
    )


def recent_ended_meetings(session: Session, series_slug: str, limit: int) -> list[MeetingRow]:
    return list(
        session.scalars(
            select(MeetingRow)
            .where(MeetingRow.series_slug == series_slug, MeetingRow.ended_at.is_not(None))
            .order_by(MeetingRow.scheduled_start.desc())
            .limit(limit)
        )
    )


def running_meeting(session: Session, series_slug: str) -> MeetingRow | None:
    return session.scalar(
        select(MeetingRow)
        .where(
            MeetingRow.series_slug == series_slug,
            MeetingRow.started_at.is_not(None),
            MeetingRow.ended_at.is_(None),
        )
        .order_by(MeetingRow.scheduled_start)
        .limit(1)
    )


def meetings_to_come(
    session: Session, series_slug: str, now: datetime, limit: int
) -> list[MeetingRow]:
    """The series' first ``limit`` meetings neither cancelled nor ended that are running or
    start after ``now``, soonest first."""
    return list(
        session.scalars(
            select(MeetingRow)
            .where(
                MeetingRow.series_slug == series_slug,
                MeetingRow.cancelled.is_(False),
                MeetingRow.ended_at.is_(None),
                MeetingRow.started_at.is_not(None) | (MeetingRow.scheduled_start > now),
            )
            .order_by(MeetingRow.scheduled_start)
            .limit(limit)
        )
    )


def meetings_to_come_of(
    session: Session, series_slugs: Collection[str], now: datetime, limit: int
) -> list[MeetingRow]:
    """:func:`meetings_to_come` of several series in one statement, by series, soonest first."""
    if not series_slugs:
        return []
    rank = (
        func.row_number()
        .over(partition_by=MeetingRow.series_slug, order_by=MeetingRow.scheduled_start)
        .label("rank")
    )
    ranked = (
        select(MeetingRow.id, rank)
        .where(
            MeetingRow.series_slug.in_(_listed(series_slugs)),
            MeetingRow.cancelled.is_(False),
            MeetingRow.ended_at.is_(None),
            MeetingRow.started_at.is_not(None) | (MeetingRow.scheduled_start > now),
        )
        .subquery()
    )
    return list(
        session.scalars(
            select(MeetingRow)
            .join(ranked, ranked.c.id == MeetingRow.id)
            .where(ranked.c.rank <= limit)
            .order_by(MeetingRow.series_slug, MeetingRow.scheduled_start)
        )
    )


def meetings_ended_since(session: Session, since: datetime) -> list[MeetingRow]:
    """Every series' meetings that ended at or after ``since``, oldest end first."""
    return list(
        session.scalars(
            select(MeetingRow).where(MeetingRow.ended_at >= since).order_by(MeetingRow.ended_at)
        )
    )


def last_ended_meeting(session: Session, series_slug: str) -> MeetingRow | None:
    return session.scalar(
        select(MeetingRow)
        .where(MeetingRow.series_slug == series_slug, MeetingRow.ended_at.is_not(None))
        .order_by(MeetingRow.scheduled_start.desc())
        .limit(1)
    )


def previous_held_meeting(
    session: Session, series_slug: str, before: datetime
) -> MeetingRow | None:
    """The series' latest meeting that was held (started) and was scheduled before ``before``."""
    return session.scalar(
        select(MeetingRow)
        .where(
            MeetingRow.series_slug == series_slug,
            MeetingRow.started_at.is_not(None),
            MeetingRow.scheduled_start < before,
        )
        .order_by(MeetingRow.scheduled_start.desc())
        .limit(1)
    )


# The statements on every command's path are built once, at import, with bound parameters
# (the `_UPPER_CASE` ones below): building a statement costs SQLAlchemy more time than SQLite
# takes to run it.


# What finding the next meeting reads on every command: the facts a Meeting value carries,
# as plain columns (several times faster to load than ORM rows).
_MEETING_COLUMNS = [getattr(MeetingRow, name) for name in MEETING_FACTS]
_LAST_STARTED = (
    select(MeetingRow.scheduled_start)
    .where(MeetingRow.series_slug == bindparam("series_slug"), MeetingRow.started_at.is_not(None))
    .order_by(MeetingRow.scheduled_start.desc())
    .limit(1)
    .scalar_subquery()
)
# Before any meeting started, every earlier one counts.
_BEGINNING = literal(datetime(1, 1, 1, tzinfo=timezone.utc), UTCDateTime())
_RUNNING_OR_SINCE = union(
    select(*_MEETING_COLUMNS).where(
        MeetingRow.series_slug == bindparam("series_slug"),
        MeetingRow.started_at.is_not(None),
        MeetingRow.ended_at.is_(None),
    ),
    # Without an ORDER BY, SQLite answers this half from its two (series, start) indexes.
    select(*_MEETING_COLUMNS).where(
        MeetingRow.series_slug == bindparam("series_slug"),
        (MeetingRow.occurrence_start >= bindparam("since"))
        | (MeetingRow.scheduled_start >= bindparam("since")),
    ),
    # Meetings whose time passed with nobody starting them, while they still hold items. Every
    # start hands such agendas on first, so only those since the last start can hold any:
    # looking no further back keeps this to a few rows of the index, however long the history.
    select(*_MEETING_COLUMNS).where(
        MeetingRow.series_slug == bindparam("series_slug"),
        MeetingRow.scheduled_start < bindparam("since"),
        MeetingRow.scheduled_start > func.coalesce(_LAST_STARTED, _BEGINNING),
        MeetingRow.started_at.is_(None),
        MeetingRow.cancelled.is_(False),
        exists().where(ItemRow.meeting_id == MeetingRow.id, ItemRow.removed.is_(False)),
    ),
)


def running_or_since(session: Session, series: SeriesConfig, since: datetime) -> list[Meeting]:
    """The series' running meetings, those whose occurrence or real start is at or after
    ``since`` and those before it never started that still hold items, each once, by real
    start: in one statement what finding the next meeting needs."""
    rows = _run(session, _RUNNING_OR_SINCE, {"series_slug": series.slug, "since": since})
    found = [meeting_of(series, **row._mapping) for row in rows]
    return sorted(found, key=lambda meeting: (meeting.scheduled_start, meeting.id))


def meeting_with_attendance_message(session: Session, message_id: int) -> MeetingRow | None:
    return session.scalar(select(MeetingRow).where(MeetingRow.attendance_message_id == message_id))


def items_of(session: Session, meeting_id: int) -> list[ItemRow]:
    """All items of a meeting, removed ones included, in creation order."""
    return list(session.scalars(select(ItemRow).where(ItemRow.meeting_id == meeting_id)))


_LIVE_ITEM = select(ItemRow).where(
    ItemRow.meeting_id == bindparam("meeting_id"),
    ItemRow.number == bindparam("number"),
    ItemRow.removed.is_(False),
)


def live_item(session: Session, meeting_id: int, number: str) -> ItemRow | None:
    """The meeting's item ``number`` unless removed; (meeting, number) is unique and indexed."""
    return session.scalar(_LIVE_ITEM, {"meeting_id": meeting_id, "number": number})


class ItemTally(NamedTuple):
    """What numbering a new top-level item needs, counted by SQLite instead of loading rows."""

    live: int  # items not removed, sub-items included
    last_number: int  # the highest top-level number, removed items included (they stay reserved)
    last_position: int  # the highest position of a top-level item of the section, removed included


_TOP = ItemRow.parent_id.is_(None)
_ITEM_TALLY = select(
    func.count(case((ItemRow.removed.is_(False), 1))),
    func.max(case((_TOP, cast(ItemRow.number, Integer)))),
    func.max(case((_TOP & (ItemRow.section == bindparam("section")), ItemRow.position))),
).where(ItemRow.meeting_id == bindparam("meeting_id"))


def item_tally(session: Session, meeting_id: int, section: str) -> ItemTally:
    tally = _run(session, _ITEM_TALLY, {"meeting_id": meeting_id, "section": section})
    live, last_number, last_position = tally.one()
    return ItemTally(live, last_number or 0, last_position or 0)


def live_item_count(session: Session, meeting_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(ItemRow.meeting_id == meeting_id, ItemRow.removed.is_(False))
        )
        or 0
    )


def children_of(session: Session, meeting_id: int, parent_id: int) -> list[tuple[str, int]]:
    """The (number, position) of the meeting's children of an item, removed ones included."""
    rows = session.execute(
        # The meeting's index finds them; parent_id has none.
        select(ItemRow.number, ItemRow.position).where(
            ItemRow.meeting_id == meeting_id, ItemRow.parent_id == parent_id
        )
    )
    return [(number, position) for number, position in rows]


# The record (`agenda`, the notes) reads every item and note of a meeting; as plain tuples of
# the columns it shows they load several times faster than as ORM rows.


class ItemLine(NamedTuple):
    """An item as the agenda and the notes show it."""

    id: int
    parent_id: int | None
    number: str
    section: str
    text: str
    proposer_id: int
    position: int
    done: bool
    deferred: bool
    created_at: datetime
    # Its timebox and discussion clock (domain.timeboxes).
    planned_seconds: int | None
    discussed_seconds: int
    discussing_since: datetime | None


_LIVE_ITEM_LINES = (
    select(*(getattr(ItemRow, name) for name in ItemLine._fields))
    .where(ItemRow.meeting_id == bindparam("meeting_id"), ItemRow.removed.is_(False))
    .order_by(ItemRow.id)
)


def live_item_lines(session: Session, meeting_id: int) -> list[ItemLine]:
    """The meeting's items not removed, in creation order."""
    rows = _run(session, _LIVE_ITEM_LINES, {"meeting_id": meeting_id})
    return [ItemLine._make(row) for row in rows]


class NoteLine(NamedTuple):
    """A discussion note as the agenda and the notes show it."""

    item_id: int
    author_id: int
    text: str
    created_at: datetime


_NOTE_LINES = (
    select(NoteRow.item_id, NoteRow.author_id, NoteRow.text, NoteRow.created_at)
    .join(ItemRow, ItemRow.id == NoteRow.item_id)
    .where(ItemRow.meeting_id == bindparam("meeting_id"))
    .order_by(NoteRow.id)
)


def note_lines_of_meeting(session: Session, meeting_id: int) -> list[NoteLine]:
    """The notes under the meeting's items, in the order they were said."""
    rows = _run(session, _NOTE_LINES, {"meeting_id": meeting_id})
    return [NoteLine._make(row) for row in rows]


_ATTENDEE_IDS = (
    select(AttendanceRow.user_id)
    .where(AttendanceRow.meeting_id == bindparam("meeting_id"))
    .order_by(AttendanceRow.first_seen, AttendanceRow.id)
)


def attendee_ids(session: Session, meeting_id: int) -> list[int]:
    """Who was present at the meeting, in the order they arrived."""
    return list(_run(session, _ATTENDEE_IDS, {"meeting_id": meeting_id}).scalars())


def person(session: Session, user_id: int) -> PersonRow | None:
    return session.get(PersonRow, user_id)


class PersonLine(NamedTuple):
    """A person's row as the record shows it (the roster, the attendees table)."""

    user_id: int
    full_name: str
    initials: str | None
    affiliation: str
    github: str
    zulip_affiliation: str
    zulip_github: str
    is_guest: bool


_PEOPLE = select(*(getattr(PersonRow, name) for name in PersonLine._fields)).where(
    PersonRow.user_id.in_(bindparam("user_ids", expanding=True))
)


def person_line(row: PersonRow) -> PersonLine:
    """A person's row as the record shows it (after a change made to the row)."""
    return PersonLine._make(getattr(row, name) for name in PersonLine._fields)


def people(session: Session, user_ids: list[int]) -> dict[int, PersonLine]:
    """The rows of those of ``user_ids`` the attendees table knows, by user id."""
    if not user_ids:
        return {}
    rows = _run(session, _PEOPLE, {"user_ids": user_ids})
    return {row.user_id: PersonLine._make(row) for row in rows}


def person_named(session: Session, full_name: str) -> PersonRow | None:
    wanted = full_name.strip().casefold()
    for row in session.scalars(
        select(PersonRow).where(PersonRow.full_name.ilike(full_name.strip()))
    ):
        if row.full_name.casefold() == wanted:
            return row
    return None


def person_with_initials(session: Session, initials: str, other_than: int) -> PersonRow | None:
    """Someone but ``other_than`` who chose ``initials`` with `profile initials`."""
    return session.scalar(
        select(PersonRow)
        .where(PersonRow.initials == initials, PersonRow.user_id != other_than)
        .limit(1)
    )


def zulip_people(session: Session) -> list[tuple[int, str]]:
    """(user id, name) of everyone known who is not a guest, by id."""
    query = select(PersonRow.user_id, PersonRow.full_name).where(PersonRow.is_guest.is_(False))
    return [(user_id, name) for user_id, name in session.execute(query.order_by(PersonRow.user_id))]


def names_without_chosen_initials(session: Session, other_than: int) -> list[str]:
    """The names of everyone but ``other_than`` whose initials come from their name."""
    query = select(PersonRow.full_name).where(
        PersonRow.initials.is_(None), PersonRow.user_id != other_than
    )
    return list(session.scalars(query))


def guests(session: Session) -> list[PersonRow]:
    return list(session.scalars(select(PersonRow).where(PersonRow.is_guest)))


def next_guest_id(session: Session) -> int:
    lowest = session.scalar(select(func.min(PersonRow.user_id))) or 0
    return min(lowest, 0) - 1


_DECISIONS_OF = (
    select(DecisionRow)
    .where(DecisionRow.meeting_id == bindparam("meeting_id"))
    .order_by(DecisionRow.id)
)


def decisions_of(session: Session, meeting_id: int) -> list[DecisionRow]:
    return list(session.scalars(_DECISIONS_OF, {"meeting_id": meeting_id}))


# A removed note, decision or action keeps its row with this text, so its number stays taken.
REMOVED_TEXT = ""

_ACTIONS_OF = (
    select(ActionRow)
    .where(ActionRow.meeting_id == bindparam("meeting_id"), ActionRow.text != REMOVED_TEXT)
    .order_by(ActionRow.id)
)


def actions_of(session: Session, meeting_id: int) -> list[ActionRow]:
    return list(session.scalars(_ACTIONS_OF, {"meeting_id": meeting_id}))


_OPEN_ACTIONS_BEFORE = (
    select(ActionRow)
    .join(MeetingRow, MeetingRow.id == ActionRow.meeting_id)
    .where(
        ActionRow.series_slug == bindparam("series_slug"),
        MeetingRow.scheduled_start < bindparam("before"),
        ActionRow.text != REMOVED_TEXT,
        (ActionRow.done_at.is_(None)) | (ActionRow.done_at >= bindparam("still_open_at")),
    )
    .order_by(ActionRow.number)
)


def open_actions_before(
    session: Session, series_slug: str, before: datetime, still_open_at: datetime
) -> list[ActionRow]:
    """Actions of the series' meetings that started before ``before`` and were still open at
    ``still_open_at``."""
    parameters = {"series_slug": series_slug, "before": before, "still_open_at": still_open_at}
    return list(session.scalars(_OPEN_ACTIONS_BEFORE, parameters))


def action_by_number(session: Session, series_slug: str, number: int) -> ActionRow | None:
    return session.scalar(
        select(ActionRow).where(
            ActionRow.series_slug == series_slug,
            ActionRow.number == number,
            ActionRow.text != REMOVED_TEXT,
        )
    )


def last_action_number(session: Session, series_slug: str) -> int:
    return (
        session.scalar(
            select(func.max(ActionRow.number)).where(ActionRow.series_slug == series_slug)
        )
        or 0
    )


def drop_action_owners(session: Session, action_id: int) -> None:
    """Forget who owns the action (its owners are set again, or it is removed)."""
    session.execute(delete(ActionOwnerRow).where(ActionOwnerRow.action_id == action_id))


def action_owners(session: Session, action_ids: list[int]) -> dict[int, list[int]]:
    owners: dict[int, list[int]] = {action_id: [] for action_id in action_ids}
    if action_ids:
        rows = session.scalars(
            select(ActionOwnerRow)
            .where(ActionOwnerRow.action_id.in_(action_ids))
            .order_by(ActionOwnerRow.position)
        )
        for row in rows:
            owners[row.action_id].append(row.user_id)
    return owners


def notes_of_meeting(session: Session, meeting_id: int) -> list[NoteRow]:
    return list(
        session.scalars(
            select(NoteRow)
            .join(ItemRow, ItemRow.id == NoteRow.item_id)
            .where(ItemRow.meeting_id == meeting_id)
            .order_by(NoteRow.id)
        )
    )


def attendance_of(session: Session, meeting_id: int) -> list[AttendanceRow]:
    return list(
        session.scalars(
            select(AttendanceRow)
            .where(AttendanceRow.meeting_id == meeting_id)
            .order_by(AttendanceRow.first_seen, AttendanceRow.id)
        )
    )


def attendance(session: Session, meeting_id: int, user_id: int) -> AttendanceRow | None:
    return session.scalar(
        select(AttendanceRow).where(
            AttendanceRow.meeting_id == meeting_id, AttendanceRow.user_id == user_id
        )
    )


# Present by their own word: a row made now, or one made by a reaction marked so (then
# removing the reaction no longer unmarks them). One statement, on every command in a meeting.
_MARK_PRESENT = (
    sqlite_insert(AttendanceRow.__table__)
    .values(
        meeting_id=bindparam("meeting_id"),
        user_id=bindparam("user_id"),
        said_here=True,
        first_seen=bindparam("first_seen"),
    )
    .on_conflict_do_update(index_elements=["meeting_id", "user_id"], set_={"said_here": True})
)


def mark_present(session: Session, meeting_id: int, user_id: int, now: datetime) -> None:
    _run(session, _MARK_PRESENT, {"meeting_id": meeting_id, "user_id": user_id, "first_seen": now})


def attendance_reactions(
    session: Session, meeting_id: int, user_id: int
) -> list[AttendanceReactionRow]:
    return list(
        session.scalars(
            select(AttendanceReactionRow).where(
                AttendanceReactionRow.meeting_id == meeting_id,
                AttendanceReactionRow.user_id == user_id,
            )
        )
    )


def sent_action(session: Session, key: str) -> SentActionRow | None:
    return session.get(SentActionRow, key)


def was_handled(session: Session, message_id: int) -> bool:
    return session.get(HandledMessageRow, message_id) is not None


def last_handled_message_id(session: Session) -> int | None:
    return session.scalar(select(func.max(HandledMessageRow.message_id)))


def forget_handled_before(session: Session, before: datetime) -> None:
    """Drop the record of messages handled before ``before``, but the newest: catching up
    starts after it, and nothing older comes back."""
    newest = select(func.max(HandledMessageRow.message_id)).scalar_subquery()
    session.execute(
        delete(HandledMessageRow).where(
            HandledMessageRow.handled_at < before, HandledMessageRow.message_id < newest
        )
    )


# One statement, where a look then an insert would be two (this runs on every command).
# On the table, not the class: a class with parameters would be an ORM bulk insert, which
# does not tell whether the row was new.
_CLAIM = (
    sqlite_insert(HandledMessageRow.__table__)
    .values(message_id=bindparam("message_id"), handled_at=bindparam("handled_at"))
    .on_conflict_do_nothing()
)


def claim_message(session: Session, message_id: int | None, now: datetime) -> bool:
    """Record a message as handled in the caller's transaction; False if it already was."""
    if message_id is None:
        return True
    claimed = _run(session, _CLAIM, {"message_id": message_id, "handled_at": now})
    return bool(claimed.rowcount)


def owe_reply(session: Session, message_id: int | None, content: str, now: datetime) -> None:
    """Record the answer to command ``message_id`` with its effect, until it is posted.

    Called once per command, after its claim: a second answer to one command is a bug.
    """
    if message_id is not None:
        insert_row(session, ReplyRow, message_id=message_id, content=content, created_at=now)


# Core, not the ORM's bulk update: a reply with no row (never recorded, or pruned) is no
# error, where the ORM would refuse the whole batch.
_REPLY_POSTED = (
    update(ReplyRow.__table__)
    .where(ReplyRow.__table__.c.message_id == bindparam("command"))
    .values(posted_id=bindparam("post"))
)


def replies_posted(session: Session, posted: list[tuple[int, int]]) -> None:
    """(command id, id of the Zulip message that answered it), for each reply now posted."""
    if posted:
        _run(session, _REPLY_POSTED, [{"command": c, "post": p} for c, p in posted])


def owed_replies(session: Session, since: datetime) -> list[ReplyRow]:
    """Replies recorded at or after ``since`` and not known to be posted, oldest command first."""
    return list(
        session.scalars(
            select(ReplyRow)
            .where(ReplyRow.posted_id.is_(None), ReplyRow.created_at >= since)
            .order_by(ReplyRow.message_id)
        )
    )


def newest_known_message_id(session: Session) -> int:
    """The newest Zulip message id on record: handled, or posted by the bot (0 if none)."""
    return max(
        last_handled_message_id(session) or 0,
        newest_reply_post_id(session),
        session.scalar(select(func.max(OwedPostRow.posted_id))) or 0,
    )


def newest_reply_post_id(session: Session) -> int:
    """The newest message known to carry a reply (0 if none is)."""
    return session.scalar(select(func.max(ReplyRow.posted_id))) or 0


def forget_replies_before(session: Session, before: datetime, newest_post_id: int) -> None:
    """Drop replies older than ``before`` (too old to post late), but the newest posted one
    (``newest_post_id``): it is where a restart starts looking for the ones after it."""
    session.execute(
        delete(ReplyRow).where(
            ReplyRow.created_at < before,
            (ReplyRow.posted_id.is_(None)) | (ReplyRow.posted_id < newest_post_id),
        )
    )


def owe_post(session: Session, row: OwedPostRow) -> bool:
    """Record a post owed in a meeting's topic; False if one with its key is recorded already."""
    if session.get(OwedPostRow, row.key) is not None:
        return False
    session.add(row)
    session.flush()
    return True


def owed_post(session: Session, key: str) -> OwedPostRow | None:
    return session.get(OwedPostRow, key)


def owed_posts(session: Session, since: datetime) -> list[OwedPostRow]:
    """Posts recorded at or after ``since`` and not known to be posted, oldest first."""
    return list(
        session.scalars(
            select(OwedPostRow)
            .where(OwedPostRow.posted_id.is_(None), OwedPostRow.created_at >= since)
            .order_by(OwedPostRow.created_at, OwedPostRow.key)
        )
    )


def forget_owed_posts_before(
    session: Session, before: datetime, keep_posted: str | None = None
) -> None:
    """Drop owed posts older than ``before``: posted, or too old to post late. Posted ones of
    kind ``keep_posted`` whose meeting starts at or after ``before`` are kept (a reminder's
    text, edited if its meeting moves or is skipped)."""
    old = OwedPostRow.created_at < before
    if keep_posted is not None:
        coming = select(MeetingRow.id).where(MeetingRow.scheduled_start >= before)
        old &= not_(
            (OwedPostRow.kind == keep_posted)
            & OwedPostRow.posted_id.is_not(None)
            & OwedPostRow.meeting_id.in_(coming)
        )
    session.execute(delete(OwedPostRow).where(old))


def posted_actions(session: Session, key_prefix: str) -> list[SentActionRow]:
    """The scheduled actions whose key starts with ``key_prefix`` that Zulip has a message of."""
    return list(
        session.scalars(
            select(SentActionRow)
            .where(
                SentActionRow.key.startswith(key_prefix, autoescape=True),
                SentActionRow.message_id.is_not(None),
            )
            .order_by(SentActionRow.key)
        )
    )


def posted_actions_under(session: Session, key_prefixes: Collection[str]) -> list[SentActionRow]:
    """:func:`posted_actions` of several prefixes, each ending with ``|``, in one statement
    (each prefix a range of the primary key, so the keys are looked up, not scanned)."""
    if not key_prefixes:
        return []
    if not all(prefix.endswith("|") for prefix in key_prefixes):
        raise ValueError("each key prefix ends with '|'")
    listed = func.json_each(json.dumps(sorted(set(key_prefixes)))).table_valued("value")
    # Every key starting with "P|" sorts from "P|" up to, not including, "P}" ("}" follows "|").
    prefix = listed.c.value
    after = func.substr(prefix, 1, func.length(prefix) - 1, type_=String).concat("}")
    return list(
        session.scalars(
            select(SentActionRow)
            .join(
                listed,
                (SentActionRow.key >= prefix) & (SentActionRow.key < after),
            )
            .where(SentActionRow.message_id.is_not(None))
            .order_by(SentActionRow.key)
        )
    )


# -- publications (issue 14): one row per meeting whose notes are published ---------------


def _publication_is(meeting_id: int | None, vote_number: int | None) -> Any:
    """The condition that picks the publication of a meeting's notes or of a vote's results."""
    table = PublicationRow.__table__
    if vote_number is not None:
        return table.c.vote_number == vote_number
    return table.c.meeting_id == meeting_id


def publication(
    session: Session, meeting_id: int | None, vote_number: int | None = None
) -> PublicationRow | None:
    """The meeting's (or vote's) publication, as the database has it now (the statements below
    change it behind the session's back)."""
    return session.scalar(
        select(PublicationRow)
        .where(_publication_is(meeting_id, vote_number))
        .execution_options(populate_existing=True)
    )


def want_publication(
    session: Session,
    meeting_id: int | None,
    series_slug: str,
    now: datetime,
    vote_number: int | None = None,
) -> None:
    """Mark the meeting's notes to be published (again) now: one version more, pending; a
    new row for a meeting not published before. One statement: two processes may ask."""
    statement = (
        sqlite_insert(PublicationRow.__table__)
        .values(
            meeting_id=meeting_id,
            vote_number=vote_number,
            series_slug=series_slug,
            version=1,
            attempts=0,
            chairs_told=False,
            next_attempt_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=["vote_number" if vote_number is not None else "meeting_id"],
            set_={
                "version": PublicationRow.__table__.c.version + 1,
                "next_attempt_at": now,
                "updated_at": now,
            },
        )
    )
    _run(session, statement)


def due_publications(session: Session, now: datetime) -> list[PublicationRow]:
    """Publications whose next attempt is due, the earliest first."""
    return list(
        session.scalars(
            select(PublicationRow)
            .where(PublicationRow.next_attempt_at.is_not(None))
            .where(PublicationRow.next_attempt_at <= now)
            .order_by(PublicationRow.next_attempt_at, PublicationRow.meeting_id)
        )
    )


def next_publication_at(session: Session) -> datetime | None:
    """When the next pending publication is due; None when none is pending."""
    return session.scalar(select(func.min(PublicationRow.next_attempt_at)))


def update_publication(
    session: Session, meeting_id: int | None, vote_number: int | None = None, **values: Any
) -> None:
    """Set ``values`` on the meeting's (or vote's) publication."""
    _run(
        session,
        update(PublicationRow.__table__)
        .where(_publication_is(meeting_id, vote_number))
        .values(**values),
    )


def settle_publication(
    session: Session,
    meeting_id: int | None,
    version: int,
    next_attempt_at: datetime | None,
    vote_number: int | None = None,
) -> bool:
    """Set the next attempt of the meeting's publication, unless its notes were wanted again
    since ``version`` (that request stands); whether it was set."""
    table = PublicationRow.__table__
    result = _run(
        session,
        update(table)
        .where(_publication_is(meeting_id, vote_number), table.c.version == version)
        .values(next_attempt_at=next_attempt_at),
    )
    return bool(result.rowcount)


# -- quick votes (issue 15): votes taken during a meeting, and their ballots --------------


def quick_votes_of(session: Session, meeting_id: int) -> list[QuickVoteRow]:
    """The meeting's quick votes, in the order they were opened."""
    return list(
        session.scalars(
            select(QuickVoteRow)
            .where(QuickVoteRow.meeting_id == meeting_id)
            .order_by(QuickVoteRow.number)
        )
    )


def quick_vote(session: Session, vote_id: int) -> QuickVoteRow | None:
    return session.get(QuickVoteRow, vote_id)


def quick_vote_with_message(session: Session, message_id: int) -> QuickVoteRow | None:
    """The quick vote whose vote message is Zulip's ``message_id``, if any."""
    return session.scalar(select(QuickVoteRow).where(QuickVoteRow.message_id == message_id))


def open_quick_vote_message_ids(session: Session) -> list[int]:
    """The vote messages of quick votes still open, whatever the series."""
    return list(
        session.scalars(
            select(QuickVoteRow.message_id)
            .where(QuickVoteRow.closed_at.is_(None), QuickVoteRow.message_id.is_not(None))
            .order_by(QuickVoteRow.id)
        )
    )


def quick_ballots(session: Session, vote_id: int) -> list[QuickBallotRow]:
    """A quick vote's ballots, in the order they were last cast."""
    return list(
        session.scalars(
            select(QuickBallotRow)
            .where(QuickBallotRow.vote_id == vote_id)
            .order_by(QuickBallotRow.cast_at, QuickBallotRow.user_id)
        )
    )


def quick_ballot(session: Session, vote_id: int, user_id: int) -> QuickBallotRow | None:
    return session.get(QuickBallotRow, (vote_id, user_id))


# -- governance votes (issue 15): a roster's votes over days, ballots, reminders -----------------


def governance_vote(session: Session, number: int) -> GovernanceVoteRow | None:
    """The governance vote numbered ``number`` (numbers run across all series)."""
    return session.scalar(select(GovernanceVoteRow).where(GovernanceVoteRow.number == number))


def last_governance_vote_number(session: Session) -> int:
    """The highest number given to a governance vote so far (0: none yet)."""
    return session.scalar(select(func.max(GovernanceVoteRow.number))) or 0


def open_governance_votes(session: Session, series_slug: str | None) -> list[GovernanceVoteRow]:
    """Governance votes not closed nor cancelled (of one series, or all), oldest first."""
    query = select(GovernanceVoteRow).where(GovernanceVoteRow.closed_at.is_(None))
    if series_slug is not None:
        query = query.where(GovernanceVoteRow.series_slug == series_slug)
    return list(session.scalars(query.order_by(GovernanceVoteRow.number)))


def governance_votes_open_at(
    session: Session, series_slug: str, instant: datetime
) -> list[GovernanceVoteRow]:
    """The series' governance votes open at ``instant``: opened by then and not closed (nor
    cancelled) until after it, oldest first."""
    return list(
        session.scalars(
            select(GovernanceVoteRow)
            .where(
                GovernanceVoteRow.series_slug == series_slug,
                GovernanceVoteRow.opened_at <= instant,
                or_(GovernanceVoteRow.closed_at.is_(None), GovernanceVoteRow.closed_at > instant),
            )
            .order_by(GovernanceVoteRow.number)
        )
    )


def governance_votes_closed_between(
    session: Session, series_slug: str, since: datetime, until: datetime
) -> list[GovernanceVoteRow]:
    """The series' governance votes closed in [since, until), in the order they closed."""
    return list(
        session.scalars(
            select(GovernanceVoteRow)
            .where(
                GovernanceVoteRow.series_slug == series_slug,
                GovernanceVoteRow.closed_at >= since,
                GovernanceVoteRow.closed_at < until,
            )
            .order_by(GovernanceVoteRow.closed_at, GovernanceVoteRow.number)
        )
    )


def governance_ballots(session: Session, vote_id: int) -> list[GovernanceBallotRow]:
    """A governance vote's ballots, in the order they were last cast."""
    return list(
        session.scalars(
            select(GovernanceBallotRow)
            .where(GovernanceBallotRow.vote_id == vote_id)
            .order_by(GovernanceBallotRow.cast_at, GovernanceBallotRow.user_id)
        )
    )


def governance_ballot(session: Session, vote_id: int, user_id: int) -> GovernanceBallotRow | None:
    return session.get(GovernanceBallotRow, (vote_id, user_id))


def vote_reminders(session: Session, vote_id: int) -> list[VoteReminderRow]:
    """A governance vote's reminders claimed so far, in order."""
    return list(
        session.scalars(
            select(VoteReminderRow)
            .where(VoteReminderRow.vote_id == vote_id)
            .order_by(VoteReminderRow.ordinal)
        )
    )


def vote_reminder(session: Session, vote_id: int, ordinal: int) -> VoteReminderRow | None:
    return session.get(VoteReminderRow, (vote_id, ordinal))


# -- personal reminders (issue 16): `remind me`, a direct message before each meeting -----------


def personal_reminder(
    session: Session, series_slug: str, user_id: int
) -> PersonalReminderRow | None:
    return session.get(PersonalReminderRow, (series_slug, user_id))


def personal_reminders(session: Session, series_slug: str) -> list[PersonalReminderRow]:
    """The series' personal reminders, by user id."""
    return list(
        session.scalars(
            select(PersonalReminderRow)
            .where(PersonalReminderRow.series_slug == series_slug)
            .order_by(PersonalReminderRow.user_id)
        )
    )


# -- regrets (issue 16): who cannot come to a meeting ------------------------------------------


def regrets_of(session: Session, meeting_id: int) -> list[RegretRow]:
    """The meeting's regrets, in the order they were sent."""
    return list(
        session.scalars(
            select(RegretRow)
            .where(RegretRow.meeting_id == meeting_id)
            .order_by(RegretRow.created_at, RegretRow.user_id)
        )
    )


def regret(session: Session, meeting_id: int, user_id: int) -> RegretRow | None:
    return session.get(RegretRow, (meeting_id, user_id))


def sent_action_with_message(session: Session, message_id: int) -> SentActionRow | None:
    """The scheduled action whose post is Zulip's ``message_id`` (a reminder), if any."""
    return session.scalar(
        select(SentActionRow).where(SentActionRow.message_id == message_id).limit(1)
    )


# -- scheduling at scale (issue 17): what a reconcile reads, a few statements for all series ---


def meetings_since_of(
    session: Session, series_slugs: Collection[str], since: datetime
) -> list[MeetingRow]:
    """:func:`meetings_since` of several series in one statement, oldest first (for many
    series every series' rows are read: naming a thousand slugs costs more than it saves)."""
    moved_or_coming = (MeetingRow.occurrence_start >= since) | (MeetingRow.scheduled_start >= since)
    query = select(MeetingRow).where(moved_or_coming).order_by(MeetingRow.scheduled_start)
    if len(series_slugs) == 1:
        query = query.where(MeetingRow.series_slug == next(iter(series_slugs)))
    return [row for row in session.scalars(query) if row.series_slug in series_slugs]


def personal_reminders_of(
    session: Session, series_slugs: Collection[str]
) -> list[PersonalReminderRow]:
    """The personal reminders of several series in one statement, by series and user id."""
    query = select(PersonalReminderRow).order_by(
        PersonalReminderRow.series_slug, PersonalReminderRow.user_id
    )
    if len(series_slugs) == 1:
        query = query.where(PersonalReminderRow.series_slug == next(iter(series_slugs)))
    return [row for row in session.scalars(query) if row.series_slug in series_slugs]


def sent_action_keys(session: Session, keys: Collection[str]) -> set[str]:
    """Which of ``keys`` name scheduled actions recorded (taken, claimed or dropped): one
    statement however many (SQLite's json_each hands the list in as one parameter, looked up
    by the primary key)."""
    if not keys:
        return set()
    found = select(SentActionRow.key).where(SentActionRow.key.in_(_listed(keys)))
    return set(session.scalars(found))


def _listed(values: Collection[str]) -> Select[str]:
    """``values`` as a subquery bound as one parameter (a JSON array read by json_each):
    SQLite limits the parameters of one statement, not the length of one."""
    value = literal_column("value", String)
    return select(value).select_from(func.json_each(json.dumps(list(values))))


def running_meetings(session: Session) -> list[MeetingRow]:
    """Every series' running meetings (started, not ended), oldest first."""
    return list(
        session.scalars(
            select(MeetingRow)
            .where(MeetingRow.started_at.is_not(None), MeetingRow.ended_at.is_(None))
            .order_by(MeetingRow.scheduled_start)
        )
    )


def items_with_ids(session: Session, item_ids: Collection[int]) -> list[ItemRow]:
    """The items of these ids (any meeting's), in one statement."""
    if not item_ids:
        return []
    return list(session.scalars(select(ItemRow).where(ItemRow.id.in_(list(item_ids)))))


def vote_reminders_of(session: Session, vote_ids: Collection[int]) -> list[VoteReminderRow]:
    """The reminders claimed so far of several governance votes, by vote and ordinal."""
    if not vote_ids:
        return []
    return list(
        session.scalars(
            select(VoteReminderRow)
            .where(VoteReminderRow.vote_id.in_(list(vote_ids)))
            .order_by(VoteReminderRow.vote_id, VoteReminderRow.ordinal)
        )
    )


class JobStore(SQLAlchemyJobStore):  # type: ignore[misc]  # APScheduler 3 has no hints
    """APScheduler's job store in meetbot's database (its table, its pickled jobs), which can
    take a reconcile's changes together: inside :meth:`batch`, the jobs that thread adds,
    replaces and removes are written in one transaction as it ends (two statements, not a
    commit per job); other threads (APScheduler's own) read and write as ever."""

    def __init__(self, engine: Engine, tablename: str) -> None:
        super().__init__(engine=engine, tablename=tablename)
        self._batch: _JobBatch | None = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold this thread's job changes until the block ends, then write them at once."""
        if self._batch is not None:
            yield  # nested: the outer batch writes
            return
        with self.engine.connect() as connection:
            known = set(connection.scalars(select(self.jobs_t.c.id)))
        self._batch = _JobBatch(threading.get_ident(), known)
        try:
            yield
        finally:
            batch, self._batch = self._batch, None
            self._write(batch)

    def jobs_named(self, prefixes: Collection[str]) -> list[Any]:
        """The stored jobs whose ids start with one of ``prefixes`` (a range of the primary key
        each), as APScheduler's ``get_jobs`` gives them: one series' part of a thousand."""
        self._flush()
        ids = self.jobs_t.c.id
        # Any id starting with the prefix sorts before the prefix and the highest character.
        return list(self._get_jobs(or_(*((ids >= p) & (ids < f"{p}\U0010ffff") for p in prefixes))))

    def _batching(self) -> _JobBatch | None:
        batch = self._batch
        return batch if batch is not None and batch.thread == threading.get_ident() else None

    def add_job(self, job: Any) -> None:
        batch = self._batching()
        if batch is None:
            super().add_job(job)
        elif job.id in batch.known:
            raise ConflictingIdError(job.id)
        else:
            batch.put(job.id, self._row(job))

    def update_job(self, job: Any) -> None:
        batch = self._batching()
        if batch is None:
            super().update_job(job)
        elif job.id not in batch.known:
            raise JobLookupError(job.id)
        else:
            batch.put(job.id, self._row(job))

    def remove_job(self, job_id: str) -> None:
        batch = self._batching()
        if batch is None:
            super().remove_job(job_id)
        elif job_id not in batch.known:
            raise JobLookupError(job_id)
        else:
            batch.put(job_id, None)

    def lookup_job(self, job_id: str) -> Any:
        self._flush()  # a read in a batch sees the batch's changes
        return super().lookup_job(job_id)

    def get_all_jobs(self) -> list[Any]:
        self._flush()
        return list(super().get_all_jobs())

    def _flush(self) -> None:
        batch = self._batching()
        if batch is not None and batch.changes:
            self._write(batch)
            batch.changes = {}

    def _row(self, job: Any) -> dict[str, Any]:
        return {
            "id": job.id,
            "next_run_time": datetime_to_utc_timestamp(job.next_run_time),
            "job_state": pickle.dumps(job.__getstate__(), self.pickle_protocol),
        }

    def _write(self, batch: _JobBatch) -> None:
        rows = [row for row in batch.changes.values() if row is not None]
        gone = [job_id for job_id, row in batch.changes.items() if row is None]
        if not rows and not gone:
            return
        table = self.jobs_t
        with self.engine.begin() as connection:
            if gone:
                connection.execute(table.delete().where(table.c.id.in_(_listed(gone))))
            if rows:
                # Another thread (APScheduler's, after a job ran) may have added or removed a
                # row meanwhile: the batch's version wins, as its writes would one by one.
                upsert = sqlite_insert(table)
                upsert = upsert.on_conflict_do_update(
                    index_elements=[table.c.id],
                    set_={
                        "next_run_time": upsert.excluded.next_run_time,
                        "job_state": upsert.excluded.job_state,
                    },
                )
                connection.execute(upsert, rows)


class _JobBatch:
    """One thread's job changes not yet written: by id, the row to write or None to delete."""

    def __init__(self, thread: int, known: set[str]) -> None:
        self.thread = thread
        self.known = known  # the ids stored, as the batch's changes leave them
        self.changes: dict[str, dict[str, Any] | None] = {}

    def put(self, job_id: str, row: dict[str, Any] | None) -> None:
        self.changes[job_id] = row
        if row is None:
            self.known.discard(job_id)
        else:
            self.known.add(job_id)
