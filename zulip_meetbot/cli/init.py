"""``meetbot init``: a commented botrc written from a few answers, asked for or given as flags."""

from __future__ import annotations

import argparse
import getpass
import sys
import textwrap
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

# The flag helpers stay beside the questions and botrc keys they read (botrc_writer).
from zulip_meetbot.botrc_writer import (
    SCHEDULE_CHOICES,
    Answers,
    answers_from_zuliprc,
    ask_missing,
    ask_zuliprc,
    botrc_problems,
    default_answers,
    flag,
    flag_of_key,
    flag_warning,
    in_question_order,
    merged,
    not_asked,
    render_botrc,
    slug_of,
    write_private,
)
from zulip_meetbot.checks import value_problems
from zulip_meetbot.cli.options import (
    DEFAULT_BOTRC,
    EXIT_CONFIG,
    EXIT_OK,
    add_subcommand,
    output_problem,
)
from zulip_meetbot.config import TOPIC, parse_settings

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands


def add_parser(commands: Subcommands) -> None:
    """``meetbot init``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "init",
        main,
        help="write a commented botrc from a few answers",
        # Raw formatting keeps the epilog's examples; the description is wrapped here.
        description=textwrap.fill(
            "Write a botrc for one meeting series, commented key by key. Anything "
            "not given as a flag is asked for in the terminal; run from a script (stdin not a "
            "terminal), the flags must say it all, and --timezone defaults to this machine's "
            "zone, --schedule to weekly. The answers are checked as `meetbot run` would check "
            "them, and the file is made readable by you only.",
            79,
        ),
        epilog="examples:\n"
        "  meetbot init\n"
        "  meetbot init --zuliprc ~/Downloads/zuliprc --stream community \\\n"
        '      --title "Community Call" --start "2025-02-12 17:00" --timezone UTC \\\n'
        '      --schedule "every 2 weeks" --video-link https://meet.example.org/call\n'
        "\nPrefer --zuliprc to --key: a key on the command line shows in `ps` and in shell "
        "history.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_BOTRC,
        metavar="PATH",
        help=f"the file to write (default ./{DEFAULT_BOTRC})",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    zulip = parser.add_argument_group("the bot's Zulip account")
    zulip.add_argument(
        "--zuliprc", metavar="PATH", help="take site, email and key from the bot's zuliprc"
    )
    zulip.add_argument("--site", help="the Zulip server, e.g. https://example.zulipchat.com")
    zulip.add_argument("--email", help="the bot's email address")
    zulip.add_argument("--key", help="the bot's API key")
    meeting = parser.add_argument_group("the meeting")
    meeting.add_argument("--stream", help="the stream (channel) the meeting happens in")
    meeting.add_argument("--title", help="the meeting's name (default Community Meeting)")
    meeting.add_argument(
        "--slug", help="the series' short name in commands and files (default from the title)"
    )
    meeting.add_argument(
        "--start", metavar="'YYYY-MM-DD HH:MM'", help="the first meeting, in its time zone"
    )
    meeting.add_argument("--timezone", metavar="ZONE", help="an IANA zone such as Europe/Berlin")
    meeting.add_argument(
        "--schedule",
        metavar="RULE",
        help=f"{SCHEDULE_CHOICES} (default weekly)",
    )
    meeting.add_argument("--video-link", dest="video_link", metavar="URL", help="the call's URL")
    meeting.add_argument(
        "--video-label",
        dest="video_label",
        metavar="TEXT",
        help="the link's text in the notes, with --video-link (default Zoom link or "
        "Video call link)",
    )
    meeting.add_argument(
        "--description", metavar="TEXT", help="the paragraph under the notes' heading"
    )
    meeting.add_argument(
        "--topic",
        help=f"each meeting's topic; {{date}} becomes YYYY-MM-DD (default {TOPIC.default})",
    )
    meeting.add_argument(
        "--chairs", metavar="IDS", help="chairs besides the admins: user ids or emails"
    )


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot init`` with its parsed arguments."""
    return init(args, interactive=sys.stdin.isatty())


def init(args: argparse.Namespace, interactive: bool) -> int:
    """``meetbot init``: write the botrc, or explain which answer is wrong."""
    output = Path(args.output).expanduser()
    problem = output_problem(output, DEFAULT_BOTRC)
    if problem:
        print(f"meetbot init: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if output.exists() and not args.force:
        print(f"meetbot init: {output} exists; use --force to replace it", file=sys.stderr)
        return EXIT_CONFIG
    try:
        answers = _answers_from_flags(args, interactive)
        if interactive:
            answers = ask_zuliprc(answers, input, _tell)
            answers = ask_missing(answers, output, input, getpass.getpass, _tell)
    except ValueError as error:
        print(f"meetbot init: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except (EOFError, KeyboardInterrupt):
        print("\nmeetbot init: stopped; nothing was written", file=sys.stderr)
        return EXIT_CONFIG
    problems = botrc_problems(answers, output)
    if problems:
        unanswered = (field for field, message in problems.items() if message == "missing")
        missing = [] if interactive else in_question_order(unanswered)
        if missing:
            print(not_asked(missing), file=sys.stderr)
        for field in in_question_order(problems):
            if field not in missing:
                print(f"meetbot init: {flag(field)}: {problems[field]}", file=sys.stderr)
        return EXIT_CONFIG
    text = render_botrc(answers)
    try:
        write_private(output, text, replace_existing=args.force)
    except OSError as error:
        print(f"meetbot init: cannot write {output}: {error.strerror}", file=sys.stderr)
        return EXIT_CONFIG
    settings = parse_settings(text, output.absolute())
    # From flags, a warning names the flags that gave the values, not the botrc's keys.
    for warning in value_problems(settings, spell=str if interactive else flag_of_key):
        shown = str(warning) if interactive else flag_warning(warning)
        print(f"meetbot init: warning: {shown}", file=sys.stderr)
    print(
        f"Wrote {output} (readable by you only).\n"
        f"series slug: {slug_of(answers)} (used in commands and file names)\n"
        f"Next: `meetbot check --config {output}` asks Zulip whether it all works, then "
        f"`meetbot run --config {output}` starts the bot."
    )
    return EXIT_OK


def _answers_from_flags(args: argparse.Namespace, interactive: bool) -> Answers:
    given = Answers(**{f.name: getattr(args, f.name) or "" for f in fields(Answers)})
    base = answers_from_zuliprc(Path(args.zuliprc)) if args.zuliprc else Answers()
    answers = merged(base, given)
    # From a script nothing can be asked: the questions' defaults stand in for the answers.
    return answers if interactive else merged(default_answers(), answers)


def _tell(text: str) -> None:
    print(f"  {text}", file=sys.stderr)
