"""``meetbot check``: the botrc, then the bot's account and streams, explained one line each."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import TYPE_CHECKING, TextIO

from zulip_meetbot.checks import (
    ERROR,
    Finding,
    connect,
    offline_report,
    online_findings,
    publishing_online_findings,
    report_lines,
    verdict,
)
from zulip_meetbot.cli.options import (
    DEFAULT_BOTRC,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    add_config,
    add_subcommand,
)

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands


def add_parser(commands: Subcommands) -> None:
    """``meetbot check``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "check",
        main,
        help="check the botrc and, online, the bot's account and streams",
        # Raw formatting keeps the epilog's examples; the description is wrapped here.
        description=textwrap.fill(
            "Check everything `meetbot run` needs and explain each problem: the "
            "botrc's syntax and values, its templates, its file permissions; then, unless "
            "--offline, the bot's credentials (GET /users/me), each series' stream (it exists, "
            "the bot can see it and post in it), the chairs and any custom profile fields it "
            "names, and for each series that publishes its notes: `git ls-remote` of the "
            "repository with this user's credentials, its base branch, and (read-only) "
            "whether the GitHub token may open pull requests. Exit status: 0 when `run` "
            "would work, 1 when a check failed, 2 when the botrc cannot be used at all.",
            79,
        ),
        epilog="examples:\n  meetbot check\n  meetbot check --config /etc/meetbot/botrc --offline",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config(parser)
    parser.add_argument(
        "--offline",
        action="store_true",
        help="check the botrc only; ask neither the Zulip server nor the repositories",
    )


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot check`` with its parsed arguments."""
    return check(args.config or DEFAULT_BOTRC, args.offline, sys.stdout)


def check(config: str, offline: bool, out: TextIO) -> int:
    """``meetbot check``: print the report; 0 only when ``run`` would work."""
    report = offline_report(config)
    findings = list(report.findings)
    settings = report.settings
    if settings is not None and not offline:
        client = connect(settings)
        if isinstance(client, Finding):
            findings.append(client)
        else:
            findings += online_findings(settings, client)
        # Apart from Zulip: a server that cannot be reached says nothing about the repositories.
        findings += publishing_online_findings(settings)
    # Without settings the only lines are config.py's problems, which it has redacted.
    key = settings.api.key if settings is not None else ""
    for line in report_lines(findings, key):
        print(line, file=out)
    print(verdict(findings, online=not offline), file=out)
    if settings is None:
        return EXIT_CONFIG
    return EXIT_FAILED if any(f.level == ERROR for f in findings) else EXIT_OK
