"""The SQLite store: its write-ahead log is copied into the database off the commands' path."""

from __future__ import annotations

import stat
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from zulip_meetbot import store
from zulip_meetbot.models import HandledMessageRow, ReplyRow
from zulip_meetbot.store import Store

NOW = datetime(2030, 1, 2, 17, 0, tzinfo=timezone.utc)


def write_replies(database: Store, count: int, first: int = 1) -> None:
    for message_id in range(first, first + count):
        with database.transaction() as session:
            store.claim_message(session, message_id, NOW)
            store.owe_reply(session, message_id, "x" * 2_000, NOW)


def test_commits_leave_the_log_to_the_checkpoint_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "CHECKPOINT_SECONDS", 3600.0)  # not during this test
    path = tmp_path / "meetbot.sqlite3"
    database = Store(path)
    try:
        before = path.stat().st_size
        # Far past SQLite's own 1,000-page threshold, where a commit would have copied the log.
        write_replies(database, 3_000)
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size > 4_000_000
        assert path.stat().st_size == before
        database.checkpoint()
        assert path.stat().st_size > 4_000_000
    finally:
        database.close()


def test_the_log_is_checkpointed_in_the_background_and_nothing_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "CHECKPOINT_SECONDS", 0.05)
    path = tmp_path / "meetbot.sqlite3"
    database = Store(path)
    before = path.stat().st_size
    write_replies(database, 1_000)
    deadline = time.monotonic() + 10
    while path.stat().st_size == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert path.stat().st_size > before
    write_replies(database, 200, first=1_001)  # while the thread keeps checkpointing
    database.close()
    reopened = Store(path)
    try:
        with reopened.transaction() as session:
            assert session.query(HandledMessageRow).count() == 1_200
            assert session.query(ReplyRow).count() == 1_200
    finally:
        reopened.close()


def test_a_write_sqlite_refuses_is_reported_as_a_read_only_database(tmp_path: Path) -> None:
    # Root may write any file whatever its mode, so the refusal comes from a read-only
    # connection (SQLite's own mode=ro): the same SQLITE_READONLY a 0444 file gives others.
    path = tmp_path / "meetbot.sqlite3"
    store.open_store(path).close()
    reader = store.open_store(path, read_only=True)
    try:
        with (
            pytest.raises(store.DatabaseProblem) as problem,
            store.explained(path),
            reader.transaction() as session,
        ):
            store.claim_message(session, 1, NOW)
    finally:
        reader.close()
    assert str(problem.value) == (
        f"database {path} is read-only (attempt to write a readonly database)"
    )


def test_opening_read_only_never_creates_the_database(tmp_path: Path) -> None:
    path = tmp_path / "meetbot.sqlite3"
    with pytest.raises(store.DatabaseProblem, match="does not exist"):
        store.open_store(path, read_only=True)
    assert store.database_state(path).endswith("does not exist yet: `meetbot run` will create it")
    assert not path.exists()


def test_a_new_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    # It holds private streams' agendas and notes; an existing file keeps the mode it has.
    store = Store(tmp_path / "meetbot.sqlite3")
    with store.transaction() as session:
        session.execute(text("SELECT 1"))
    store.close()
    assert stat.S_IMODE((tmp_path / "meetbot.sqlite3").stat().st_mode) == 0o600
    shared = tmp_path / "shared.sqlite3"
    Store(shared).close()
    shared.chmod(0o640)
    Store(shared).close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
