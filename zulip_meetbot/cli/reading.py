"""How the subcommands find what they read: the botrc checked, a series by name, the record
opened read-only; and where what they print goes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from zulip_meetbot.cli.options import DEFAULT_BOTRC, EXIT_CONFIG, EXIT_OK, output_problem
from zulip_meetbot.config import (
    ConfigError,
    SeriesConfig,
    Settings,
    absolute_path,
    botrc_not_found,
    load_settings,
)
from zulip_meetbot.notes import template_problems, write_atomically

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Where the series come from with --database and no botrc: the shell keeps no botrc.
SHELL_DATABASE = "`meetbot shell` database"


def load_checked_settings(path: str, database_hint: bool = False) -> Settings | None:
    """The botrc and its templates, or None after printing one line per problem."""
    if not Path(path).expanduser().exists():
        # What a first try most often meets: say what to do (--database: for read commands).
        hint = " (or a shell database with --database)" if database_hint else ""
        print(f"meetbot: {botrc_not_found(path, hint)}", file=sys.stderr)
        return None
    try:
        settings = load_settings(path)
    except ConfigError as error:
        for problem in error.problems:
            # A problem with the file itself names it already.
            named = str(absolute_path(path)) in problem
            print(
                f"meetbot: {problem}" if named else f"meetbot: {path}: {problem}", file=sys.stderr
            )
        return None
    wrong = template_problems(series.template for series in settings.series)
    problems = [
        f"[series:{series.slug}] template: {wrong[series.template]}"
        for series in settings.series
        if series.template in wrong
    ]
    for problem in problems:
        print(f"meetbot: {path}: {problem}", file=sys.stderr)
    return None if problems else settings


def read_settings(config: str | None, database: str | None) -> tuple[Settings | None, str]:
    """The settings a read command uses, and where its series come from; None after saying
    what is wrong. ``database`` replaces the botrc's; with it and no botrc named or found,
    the series are ``meetbot shell``'s demo series (the shell keeps no botrc)."""
    from zulip_meetbot import demo

    path = config or DEFAULT_BOTRC
    source = path
    if config is None and database and not Path(path).exists():
        file = absolute_path(database)
        settings: Settings | None = demo.demo_settings(file.parent)
        source = SHELL_DATABASE
    else:
        settings = load_checked_settings(path, database_hint=True)
    if settings is not None and database:
        settings = replace(settings, database=absolute_path(database))
    return settings, source


def series_named(settings: Settings, source: str, slug: str) -> SeriesConfig | None:
    """The series ``slug``, or None after naming the ones there are."""
    series = settings.series_by_slug(slug)
    if series is None:
        known = ", ".join(s.slug for s in settings.series)
        if source == SHELL_DATABASE:
            where = f": with no botrc, --database reads a {source}, whose series is {known!r}"
        else:
            where = f" in {source} (series: {known})"
        print(f"meetbot: no series {slug!r}{where}", file=sys.stderr)
    return series


def read_series(
    config: str | None, database: str | None, slug: str
) -> tuple[Settings, SeriesConfig] | None:
    """The settings and the series ``slug`` of a command about one series; None after saying
    what is wrong with either."""
    settings, source = read_settings(config, database)
    if settings is None:
        return None
    series = series_named(settings, source, slug)
    return None if series is None else (settings, series)


@contextmanager
def reading(settings: Settings, required: bool = True) -> Iterator[Session]:
    """One read-only transaction on the database, which is never created or changed.

    A database that does not exist yet reads as an empty record unless ``required``;
    raises :class:`DatabaseProblem` for one that cannot be read.
    """
    from zulip_meetbot.store import Store, explained, missing_database, open_store

    if settings.database.exists():
        store = open_store(settings.database, read_only=True)
        if store.new:
            # An empty file is a database nothing was written to: read as one, left as it is.
            store.close()
            store = Store(None)
    elif required or not settings.database.parent.is_dir():
        raise missing_database(settings.database)
    else:
        store = Store(None)  # a bot that never ran has done nothing yet
    try:
        with explained(settings.database, opened=True), store.transaction() as session:
            yield session
    finally:
        store.close()


def write_out(data: str | bytes, output: str | None, file_name: str) -> int:
    """``data`` into the file ``output`` whole (or not at all), or on stdout when there is
    none; the exit code, after one line saying why not (``file_name``: a file it could be)."""
    if not output:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            sys.stdout.write(data)
        return EXIT_OK
    path = Path(output).expanduser()
    problem = output_problem(path, file_name)
    if problem is None:
        try:
            write_atomically(path, data.encode("utf-8") if isinstance(data, str) else data)
        except OSError as error:
            problem = f"cannot write {absolute_path(path)}: {error.strerror or error}"
    if problem:
        print(f"meetbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK
