"""``meetbot run``: connect to Zulip and run the meetings of the botrc until stopped."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from typing import TYPE_CHECKING

from zulip_meetbot import checks
from zulip_meetbot.cli.options import (
    DEFAULT_BOTRC,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    add_config,
    add_log_level,
    add_subcommand,
)
from zulip_meetbot.cli.reading import load_checked_settings
from zulip_meetbot.config import Settings

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands
    from zulip_meetbot.publish.publisher import Publisher
    from zulip_meetbot.scheduler import MeetingScheduler
    from zulip_meetbot.store import Store
    from zulip_meetbot.zulip.runtime import Runtime

log = logging.getLogger("zulip_meetbot")


def add_parser(commands: Subcommands) -> None:
    """``meetbot run``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "run",
        main,
        help="connect to Zulip and run the meetings of the botrc",
        description="Connect to Zulip as the bot in [api] and run every [series:SLUG] of the "
        "botrc until stopped (Ctrl-C or SIGTERM).",
    )
    add_config(parser)
    add_log_level(parser, "INFO", "how much to log (default INFO)")


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot run`` with its parsed arguments."""
    return run(args.config or DEFAULT_BOTRC, args.log_level)


def settle_heap() -> None:
    """Move the objects made at start-up (imports, settings) out of the garbage collector's
    sight: otherwise each full collection walks them all and stalls a reply by ~50 ms."""
    gc.collect()
    gc.freeze()


def run(config_path: str, log_level: str) -> int:
    """``meetbot run``: exit 2 on a broken botrc, before connecting to anything."""
    logging.basicConfig(
        level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    settings = load_checked_settings(config_path)
    if settings is None:
        return EXIT_CONFIG
    if warning := checks.permission_warning(settings.path):
        log.warning("%s", warning)
    for warning in checks.value_warnings(settings):
        log.warning("%s", warning)

    # Imported here so `meetbot --help` and botrc errors stay fast.
    from zulip_meetbot.store import open_store

    # Before connecting: a database the bot cannot write stops it at once, with one line.
    store = open_store(settings.database)
    try:
        runtime, scheduler, publisher = build_bot(settings, store)
    except Exception as error:  # the zulip client raises several kinds; all mean "cannot start"
        store.close()
        # Some failures (a site that is not a Zulip server) come with an empty message.
        why = str(error) or f"{type(error).__name__} (is this a Zulip server?)"
        log.error("%s", connect_failure(settings.api.site, why))
        return EXIT_FAILED

    # Finish the command in hand, then return from runtime.run(): a long-poll is cut short,
    # a command never is.
    signal.signal(signal.SIGTERM, runtime.stop_from_signal)
    signal.signal(signal.SIGINT, runtime.stop_from_signal)
    try:
        scheduler.start()
        if publisher is not None:
            publisher.start()  # first what a stop left pending
        settle_heap()
        runtime.run()
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        scheduler.shutdown()
        runtime.app.close()
        store.close()
    return EXIT_OK


def build_bot(
    settings: Settings, store: Store
) -> tuple[Runtime, MeetingScheduler, Publisher | None]:
    """The bot's parts, wired and connected to Zulip: the runtime that reads the events and the
    scheduler that posts on time, both driving one handler, and the publisher when a series
    publishes its notes. Raises when it cannot connect."""
    # Imported here so `meetbot --help` and botrc errors stay fast.
    from zulip_meetbot.app import make_app
    from zulip_meetbot.handler import MeetbotHandler
    from zulip_meetbot.scheduler import MeetingScheduler
    from zulip_meetbot.zulip.directory import ZulipDirectory
    from zulip_meetbot.zulip.runtime import Runtime, make_client

    # The zulip client asks the server for its settings as soon as it is made.
    client = make_client(settings)
    directory = ZulipDirectory(client, settings.affiliation_fields, settings.github_fields)
    app = make_app(settings, store, directory=directory)
    runtime = Runtime(app, client, MeetbotHandler(app))
    runtime.connect()
    assert runtime.bot is not None
    scheduler = MeetingScheduler(app, runtime.bot)
    publisher = None
    if any(series.publishing is not None for series in settings.series):
        from zulip_meetbot.domain.publications import is_publication_key
        from zulip_meetbot.publish.publisher import Publisher

        publisher = Publisher(app, runtime.bot)
        app.on_notes_written = publisher.want
        # Its worker delivers its owed posts (a summary's line an edit), also `meetbot publish`'s.
        app.delivered_elsewhere = is_publication_key
        app.on_close.append(publisher.stop)
    from zulip_meetbot.vote_lifecycle import results_recorder

    # A closed vote's results file is written, then published with the notes' publishing.
    app.on_vote_closed = results_recorder(app, publisher.want_vote if publisher else None)
    return runtime, scheduler, publisher


def connect_failure(site: str, why: str) -> str:
    """Why ``run`` could not connect to ``site``, naming the site once."""
    # The zulip client's own messages ("cannot connect to server SITE/api/") name it already.
    if site.rstrip("/") in why:
        return f"cannot start: {why}"
    return f"cannot connect to Zulip at {site}: {why}"
