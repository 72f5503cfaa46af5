"""Schema migrations: older databases are brought up to date, newer ones refused, nothing lost."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from zulip_meetbot import cli, migrations
from zulip_meetbot.models import Base, OwedPostRow
from zulip_meetbot.store import Store, open_store

# A database made by the last release (fefd924: create_all, no alembic_version, no owed_post), by
# `meetbot shell` running the script beside it: every table but attendance_reaction holds rows.
RELEASE_DUMP = Path(__file__).parent / "data" / "release-0.1.0.sql"
FUTURE = "ffffffffffff"
# The tables revision 0004 added (governance votes): empty in a database upgraded past it.
GOVERNANCE_TABLES = ("governance_vote", "governance_ballot", "vote_reminder")


def release_database(path: Path, *, as_released: bool = False) -> Path:
    """The last release's database (commit fefd924) at ``path``. Unless ``as_released``, with
    the table added since (``owed_post``) made as ``create_all`` made it before migrations."""
    connection = sqlite3.connect(path)
    connection.executescript(RELEASE_DUMP.read_text())
    connection.commit()
    connection.close()
    if not as_released:
        engine = create_engine(f"sqlite:///{path}")
        Base.metadata.create_all(engine, tables=[OwedPostRow.__table__])
        engine.dispose()
    return path


def contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but Alembic's, in rowid order."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != ?",
                (migrations.VERSION_TABLE,),
            )
        ]
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            for table in tables
        }
    finally:
        connection.close()


def revision_of(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(f"SELECT version_num FROM {migrations.VERSION_TABLE}").fetchall()
    except sqlite3.OperationalError:
        return None  # no version table
    finally:
        connection.close()
    assert len(rows) == 1
    return rows[0][0]


def differences_from_models(path: Path) -> list[Any]:
    """What Alembic finds between the database's schema and models.py (nothing: up to date)."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": migrations.include_object}
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


# Columns later revisions add to existing tables, with the value each older row gets there,
# and the (empty) tables they add.
ADDED_COLUMNS: dict[str, dict[str, tuple[Any, ...]]] = {
    "0006": {"meeting": (None,), "item": (None, 0, None, 0), "sent_action": (None,)},
}
ADDED_TABLES: dict[str, tuple[str, ...]] = {"0006": ("regret", "personal_reminder")}


def widened(
    tables: dict[str, list[tuple[Any, ...]]], upto: str | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """``tables``' rows as they read once upgraded to ``upto`` (default: the head): with the
    columns the revisions since 0005 added, each at the value an older row gets, and their
    new tables empty."""
    rows = {table: list(found) for table, found in tables.items()}
    for revision, names in ADDED_TABLES.items():
        if upto is None or revision <= upto:
            rows.update({name: [] for name in names if name not in rows})
    for revision, added in sorted(ADDED_COLUMNS.items()):
        if upto is not None and revision > upto:
            continue
        for table, values in added.items():
            if table in rows:
                rows[table] = [(*row, *values) for row in rows[table]]
    return rows


def set_revision(path: Path, revision: str) -> None:
    connection = sqlite3.connect(path)
    connection.execute(f"UPDATE {migrations.VERSION_TABLE} SET version_num = ?", (revision,))
    connection.commit()
    connection.close()


def test_the_last_releases_database_goes_through_every_revision_with_nothing_lost(
    tmp_path: Path,
) -> None:
    path = release_database(tmp_path / "meetbot.sqlite3")
    before = contents(path)
    assert sum(map(len, before.values())) > 50  # a real record: meetings, items, actions...
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            migrations.stamp(connection, migrations.baseline())
        for revision in migrations.revisions():
            with engine.begin() as connection:
                migrations.upgrade(connection, revision)
                assert migrations.current(connection) == revision
            after = contents(path)
            for table, rows in widened(before, revision).items():
                assert after[table] == rows, f"revision {revision} changed {table}"
    finally:
        engine.dispose()
    assert revision_of(path) == migrations.head()
    assert differences_from_models(path) == []


def test_the_last_release_as_it_was_opened_by_run_keeps_every_row_and_is_up_to_date(
    tmp_path: Path,
) -> None:
    path = release_database(tmp_path / "meetbot.sqlite3", as_released=True)
    before = contents(path)
    assert "owed_post" not in before and sum(map(len, before.values())) > 50
    store = Store(path)  # what `meetbot run` and `meetbot shell` do first
    store.close()
    after = contents(path)
    expected = widened(before)
    assert {table: after[table] for table in expected} == expected
    assert after["owed_post"] == []
    assert revision_of(path) == migrations.head()
    assert differences_from_models(path) == []


def test_a_database_made_before_migrations_is_recognised_as_the_baseline_and_stamped(
    tmp_path: Path, meetbot: Any
) -> None:
    path = release_database(tmp_path / "meetbot.sqlite3")
    # `meetbot run` keeps APScheduler's jobs in the same file: not meetbot's table to change.
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE apscheduler_jobs (id VARCHAR(191) NOT NULL PRIMARY KEY, "
        "next_run_time FLOAT, job_state BLOB NOT NULL)"
    )
    connection.execute("INSERT INTO apscheduler_jobs VALUES ('reconcile', 1.5, x'00')")
    connection.commit()
    connection.close()
    before = contents(path)
    assert revision_of(path) is None
    store = Store(path)
    store.close()
    assert store.upgrade is not None and store.upgrade.before is None
    assert revision_of(path) == migrations.head()
    after = contents(path)
    assert after.pop("publication") == []  # added by 0002
    assert (after.pop("quick_vote"), after.pop("quick_ballot")) == ([], [])  # added by 0003
    assert [after.pop(table) for table in GOVERNANCE_TABLES] == [[], [], []]  # added by 0004
    assert after == widened(before)
    assert differences_from_models(path) == []
    # and the record reads as before: the meetings the release held are there
    status, out, err = meetbot("meetings", "demo", "--database", str(path))
    assert (status, err) == (0, "")
    assert "2025-02-12" in out and "2025-02-19" in out


def test_a_database_from_before_the_newest_table_gets_it_then_the_stamp(tmp_path: Path) -> None:
    path = release_database(tmp_path / "meetbot.sqlite3", as_released=True)
    before = contents(path)
    Store(path).close()
    assert revision_of(path) == migrations.head()
    after = contents(path)
    assert after.pop("owed_post") == []
    assert after.pop("publication") == []
    assert (after.pop("quick_vote"), after.pop("quick_ballot")) == ([], [])
    assert [after.pop(table) for table in GOVERNANCE_TABLES] == [[], [], []]
    assert after == widened(before)
    assert differences_from_models(path) == []


def test_a_new_database_is_made_at_the_newest_revision(tmp_path: Path) -> None:
    path = tmp_path / "meetbot.sqlite3"
    store = Store(path)
    store.close()
    assert store.upgrade is not None and store.upgrade.created
    assert revision_of(path) == migrations.head()
    assert differences_from_models(path) == []


def test_every_revision_run_from_nothing_makes_the_schema_of_models(tmp_path: Path) -> None:
    # A new database is made by create_all at the head: the revisions must agree with it.
    path = tmp_path / "meetbot.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            migrations.upgrade(connection)
    finally:
        engine.dispose()
    assert differences_from_models(path) == []


def test_db_current_prints_the_revision_and_changes_nothing(tmp_path: Path, meetbot: Any) -> None:
    path = tmp_path / "meetbot.sqlite3"
    status, _, err = meetbot("shell", "--database", str(path), stdin="@meetbot agenda add Hi\n")
    assert status == 0, err
    before = path.read_bytes()
    status, out, err = meetbot("db", "current", "--database", str(path))
    assert (status, err) == (0, "")
    assert out == f"database {path}: revision {migrations.head()} (head: up to date)\n"
    assert path.read_bytes() == before


def test_db_current_names_a_database_from_before_migrations_and_db_upgrade_stamps_it(
    tmp_path: Path, meetbot: Any
) -> None:
    path = release_database(tmp_path / "meetbot.sqlite3")
    status, out, _ = meetbot("db", "current", "--database", str(path))
    assert status == 0
    assert out.startswith(f"database {path}: made before meetbot kept schema revisions; ")
    assert revision_of(path) is None  # only looked
    status, out, err = meetbot("db", "upgrade", "--database", str(path))
    assert (status, err) == (0, "")
    assert out == (
        f"database {path}: upgraded from before schema revisions to revision {migrations.head()}\n"
    )
    status, out, _ = meetbot("db", "upgrade", "--database", str(path))
    assert out == f"database {path}: revision {migrations.head()} (head: up to date)\n"


def test_db_upgrade_does_not_make_a_database_that_does_not_exist(
    tmp_path: Path, meetbot: Any
) -> None:
    path = tmp_path / "typo.sqlite3"
    status, out, err = meetbot("db", "upgrade", "--database", str(path))
    assert (status, out) == (1, "")
    assert err.startswith(f"meetbot: database {path} does not exist: `meetbot run` with this")
    assert not path.exists()


def test_read_commands_leave_a_database_from_before_migrations_alone_and_read_it_upgraded(
    tmp_path: Path, meetbot: Any
) -> None:
    path = release_database(tmp_path / "meetbot.sqlite3")
    before = path.read_bytes()
    status, out, err = meetbot("attendance", "demo", "--database", str(path))
    assert (status, out) == (1, "")  # revisions came since the baseline: it needs an upgrade
    assert "`meetbot db upgrade`" in err
    assert path.read_bytes() == before
    assert meetbot("db", "upgrade", "--database", str(path))[0] == 0
    status, out, err = meetbot("attendance", "demo", "--database", str(path))
    assert (status, err) == (0, "")
    assert "Sam Doe       x" in out  # the release's record: Sam Doe at 2025-02-12


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["meetings", "demo"], "2025-02-12          1      3  ended"),
        (["render", "demo", "2025-02-12"], "# 2025-02-12 Demo Community Meeting"),
    ],
)
def test_meetings_and_render_read_a_database_from_before_revisions_once_it_is_upgraded(
    tmp_path: Path, meetbot: Any, command: list[str], shown: str
) -> None:
    # Every baseline table, but revisions came since (0002, publication): reading it would
    # need the upgrade a read command may not make.
    assert migrations.baseline() != migrations.head()
    path = release_database(tmp_path / "meetbot.sqlite3")
    before = path.read_bytes()
    status, out, err = meetbot(*command, "--database", str(path))
    assert (status, out) == (1, "")
    assert "was made by an older meetbot; `meetbot db upgrade`" in err
    assert path.read_bytes() == before
    assert revision_of(path) is None
    assert meetbot("db", "upgrade", "--database", str(path))[0] == 0
    status, out, err = meetbot(*command, "--database", str(path))
    assert (status, err) == (0, "")
    assert shown in out


def test_a_baseline_database_upgraded_through_0002_keeps_its_record_and_can_publish(
    tmp_path: Path,
) -> None:
    from datetime import datetime, timezone

    from zulip_meetbot.domain import publications

    path = release_database(tmp_path / "meetbot.sqlite3")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        migrations.stamp(connection, "0001")
    engine.dispose()
    before = contents(path)
    store = Store(path)
    try:
        assert store.upgrade is not None and (store.upgrade.before, store.upgrade.after) == (
            "0001",
            migrations.head(),
        )
        (meeting_id, *_), *_ = before["meeting"]
        now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
        with store.transaction() as session:
            wanted = publications.want(session, meeting_id, "demo", now)
        assert (wanted.meeting_id, wanted.next_attempt_at) == (meeting_id, now)
    finally:
        store.close()
    after = contents(path)
    assert len(after.pop("publication")) == 1
    assert (after.pop("quick_vote"), after.pop("quick_ballot")) == ([], [])
    assert [after.pop(table) for table in GOVERNANCE_TABLES] == [[], [], []]
    assert after == widened(before)
    assert revision_of(path) == migrations.head()
    assert differences_from_models(path) == []


def test_a_database_at_0002_upgraded_through_0003_keeps_its_record_and_takes_a_quick_vote(
    tmp_path: Path,
) -> None:
    from datetime import datetime, timezone

    from zulip_meetbot.domain import quick_votes

    path = release_database(tmp_path / "meetbot.sqlite3")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        migrations.stamp(connection, "0001")
        migrations.upgrade(connection, "0002")  # as the release with publishing left it
    engine.dispose()
    before = contents(path)
    assert "quick_vote" not in before and "publication" in before
    store = Store(path)
    try:
        assert store.upgrade is not None
        assert (store.upgrade.before, store.upgrade.after) == ("0002", migrations.head())
        (meeting_id, *_), *_ = before["meeting"]
        now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
        with store.transaction() as session:
            vote = quick_votes.open_vote(session, meeting_id, "Ship it?", ("yes", "no"), 7, now)
            quick_votes.cast(session, vote.id, 7, 0, True, now)
    finally:
        store.close()
    after = contents(path)
    assert len(after.pop("quick_vote")) == 1
    assert len(after.pop("quick_ballot")) == 1
    assert [after.pop(table) for table in GOVERNANCE_TABLES] == [[], [], []]
    assert after == widened(before)
    assert revision_of(path) == migrations.head()
    assert differences_from_models(path) == []


def test_a_database_at_0004_upgraded_through_0005_keeps_its_publications_and_publishes_a_vote(
    tmp_path: Path,
) -> None:
    from datetime import datetime, timezone

    from zulip_meetbot.domain import publications
    from zulip_meetbot.domain.publications import VoteResults

    path = release_database(tmp_path / "meetbot.sqlite3")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        migrations.stamp(connection, "0001")
        migrations.upgrade(connection, "0004")
    engine.dispose()
    (meeting_id, *_), *_ = contents(path)["meeting"]
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO publication (meeting_id, series_slug, version, commit_sha, attempts, "
        "chairs_told, updated_at) VALUES (?, 'demo', 2, 'abc123', 0, 0, '2026-12-04 12:00:00')",
        (meeting_id,),
    )
    connection.commit()
    connection.close()
    before = contents(path)
    store = Store(path)
    try:
        assert store.upgrade is not None
        assert (store.upgrade.before, store.upgrade.after) == ("0004", migrations.head())
        now = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
        with store.transaction() as session:
            kept = publications.publication(session, meeting_id)
            vote = publications.want(session, VoteResults(3), "demo", now)
            again = publications.want(session, VoteResults(3), "demo", now)
        assert kept is not None and (kept.version, kept.commit_sha) == (2, "abc123")
        assert (vote.meeting_id, vote.vote_number, vote.version) == (None, 3, 1)
        assert again.version == 2
    finally:
        store.close()
    after = contents(path)
    published = after.pop("publication")
    assert published[0] == (*before.pop("publication")[0], None)  # vote_number empty
    assert len(published) == 2
    assert after == widened(before)
    assert revision_of(path) == migrations.head()
    assert differences_from_models(path) == []


def test_read_commands_refuse_an_older_database_in_one_line_until_it_is_upgraded(
    tmp_path: Path, meetbot: Any
) -> None:
    path = release_database(tmp_path / "meetbot.sqlite3", as_released=True)
    before = path.read_bytes()
    status, out, err = meetbot("meetings", "demo", "--database", str(path))
    assert (status, out) == (1, "")
    assert err == (
        f"meetbot: database {path} was made by an older meetbot; `meetbot db upgrade` "
        "(or `meetbot run`) brings it up to date\n"
    )
    assert path.read_bytes() == before
    assert meetbot("db", "upgrade", "--database", str(path))[0] == 0
    status, out, err = meetbot("meetings", "demo", "--database", str(path))
    assert (status, err) == (0, "")


@pytest.mark.parametrize(
    "command",
    [
        ["db", "current"],
        ["db", "upgrade"],
        ["meetings", "demo"],
        ["attendance", "demo"],
        ["upcoming"],
        ["shell"],
    ],
)
def test_a_database_newer_than_the_code_is_refused_in_one_line(
    tmp_path: Path, meetbot: Any, command: list[str]
) -> None:
    path = tmp_path / "meetbot.sqlite3"
    Store(path).close()
    set_revision(path, FUTURE)
    before = path.read_bytes()
    status, out, err = meetbot(*command, "--database", str(path), stdin="@meetbot agenda\n")
    assert (status, out) == (1, "")
    assert err.startswith(
        f"meetbot: database {path} was made by a newer meetbot (schema revision {FUTURE}, "
    )
    assert len(err.splitlines()) == 1
    assert path.read_bytes() == before


def test_run_refuses_a_database_newer_than_the_code_in_one_line(
    tmp_path: Path, meetbot: Any
) -> None:
    path = tmp_path / "meetbot.sqlite3"
    Store(path).close()
    set_revision(path, FUTURE)
    (tmp_path / "botrc").write_text(
        "[api]\nemail = meetbot-bot@example.org\nkey = 0123456789abcdef0123456789abcdef\n"
        f"site = http://127.0.0.1:9\n\n[meetbot]\ndatabase = {path}\n\n"
        "[series:community]\ntitle = Community Call\nstream = community\n"
        "start = 2025-03-05 18:00\ntimezone = Europe/Berlin\nschedule = FREQ=WEEKLY\n"
    )
    (tmp_path / "botrc").chmod(0o600)
    status, _, err = meetbot("run")
    assert status == 1
    line = [line for line in err.splitlines() if "newer meetbot" in line]
    assert line == [
        f"meetbot: database {path} was made by a newer meetbot (schema revision {FUTURE}, "
        f"which meetbot {cli.__version__} does not know): run that meetbot, or restore a backup"
    ]


def test_check_says_an_older_database_will_be_upgraded(tmp_path: Path, meetbot: Any) -> None:
    path = release_database(tmp_path / "meetbot.sqlite3", as_released=True)
    (tmp_path / "botrc").write_text(
        "[api]\nemail = meetbot-bot@example.org\nkey = 0123456789abcdef0123456789abcdef\n"
        f"site = http://127.0.0.1:9\n\n[meetbot]\ndatabase = {path}\n\n"
        "[series:community]\ntitle = Community Call\nstream = community\n"
        "start = 2025-03-05 18:00\ntimezone = Europe/Berlin\nschedule = FREQ=WEEKLY\n"
    )
    (tmp_path / "botrc").chmod(0o600)
    status, out, _ = meetbot("check", "--offline")
    assert status == 0, out
    assert f"ok: database {path} was made by an older meetbot; `meetbot db upgrade`" in out


def test_the_revisions_read_from_versions_are_alembics_own_in_order() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrations.config())
    walked = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    assert list(migrations.revisions()) == walked
    assert migrations.head() == scripts.get_current_head()
    assert not migrations.is_known(FUTURE)


def test_opening_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    path = tmp_path / "meetbot.sqlite3"
    Store(path).close()  # new: made at the newest revision
    probe = (
        "import sys; from pathlib import Path; from zulip_meetbot.store import Store; "
        f"store = Store(Path({str(path)!r})); store.close(); "
        "print(store.upgrade, 'alembic' in sys.modules, 'mako' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["None", "False", "False"], result.stderr


def test_a_new_databases_stamp_is_the_one_alembic_makes(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.sqlite3", tmp_path / "theirs.sqlite3"
    Store(ours).close()
    engine = create_engine(f"sqlite:///{theirs}")
    with engine.begin() as connection:
        migrations.stamp(connection, migrations.head())  # Alembic's own command
    engine.dispose()

    def version_table(path: Path) -> tuple[str, list[tuple[Any, ...]]]:
        connection = sqlite3.connect(path)
        try:
            sql = connection.execute(
                "SELECT sql FROM sqlite_master WHERE name = ?", (migrations.VERSION_TABLE,)
            ).fetchone()[0]
            rows = connection.execute(f"SELECT * FROM {migrations.VERSION_TABLE}").fetchall()
        finally:
            connection.close()
        return "".join(sql.split()), rows  # the same statement, whatever its spacing

    assert version_table(ours) == version_table(theirs)
    engine = create_engine(f"sqlite:///{ours}")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == migrations.head()
    engine.dispose()


def test_a_new_database_is_reported_as_new_by_run_and_by_db_upgrade_alike(
    tmp_path: Path, meetbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    made = tmp_path / "run.sqlite3"
    with caplog.at_level(logging.INFO, logger="zulip_meetbot.store"):
        open_store(made).close()  # as `meetbot run` opens it
    new = f"new, made at revision {migrations.head()}"
    assert f"database {made}: {new}" in caplog.messages
    assert "before" not in " ".join(caplog.messages)
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    status, out, err = meetbot("db", "upgrade", "--database", str(empty))
    assert (status, err) == (0, "")
    assert out == f"database {empty}: {new}\n"
