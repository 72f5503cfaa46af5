"""Rendering and writing of a meeting's notes file (zulip_meetbot.notes)."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from zulip_meetbot.domain.record import (
    ActionItem,
    AgendaItem,
    AgendaSection,
    Attendee,
    Decision,
    DiscussionNote,
    MeetingRecord,
)
from zulip_meetbot.notes import (
    TemplateProblem,
    check_template,
    load_template,
    notes_filename,
    render_notes,
    write_notes,
)

GOLDEN = Path(__file__).parent / "golden"
COMMUNITY_REFERENCE = GOLDEN / "conda-community-meeting-2025-02-12.md"
ECOSYSTEM_REFERENCE = GOLDEN / "conda-ecosystem-meeting-2026-08-05.md"
COMMUNITY_EXPECTED = GOLDEN / "conda-community-meeting-2025-02-12.expected.md"
ECOSYSTEM_EXPECTED = GOLDEN / "conda-community-meeting-2025-02-12.ecosystem.expected.md"

ZOOM = "https://zoom.us/j/9138593505?pwd=SWh3dE1IK05LV01Qa0FJZ1ZpMzJLZz09"
DESCRIPTION = (
    "Various parts of the conda community gather on a regular basis. This meeting brings "
    "together all of these sub-communities for a community wide call."
)
PEOPLE = {
    "WV": "Wolf Vollprecht",
    "FF": "Filipe Fernandes",
    "TH": "Travis Hathaway",
    "DJC": "Daniel Ching",
    "SD": "Sam Doe",
}


def item(
    number: str,
    text: str,
    by: str,
    *children: AgendaItem,
    show_initials: bool = False,
    done: bool = False,
    notes: tuple[DiscussionNote, ...] = (),
) -> AgendaItem:
    return AgendaItem(
        number=number,
        text=text,
        proposer_initials=by,
        proposer_name=PEOPLE.get(by, by),
        show_initials=show_initials,
        done=done,
        notes=notes,
        children=children,
    )


def top(number: str, text: str, by: str, *children: AgendaItem, **kw: object) -> AgendaItem:
    return item(number, text, by, *children, show_initials=True, **kw)  # type: ignore[arg-type]


def reference_record() -> MeetingRecord:
    """The conda community meeting of 2025-02-12, as the bot would have recorded it."""
    wv, th = "WV", "TH"
    return MeetingRecord(
        series_slug="conda-community",
        title="Conda Community Meeting",
        date=date(2025, 2, 12),
        start_utc=datetime(2025, 2, 12, 17, 0, tzinfo=timezone.utc),
        timezone="UTC",
        video_link=ZOOM,
        video_label="Zoom link",
        description=DESCRIPTION,
        attendees=(
            Attendee(1, "Jaime Rodríguez-Guerra", "JRG", "Quansight/SC", "jaimergp"),
            Attendee(2, "Cheng H. Lee", "CHL", "Anaconda/CF", "chenghlee"),
            Attendee(3, "Filipe Fernandes", "FF", "conda-forge", "ocefpaf"),
            Attendee(4, "Matthew R. Becker", "MRB", "conda-forge", "beckermr"),
            Attendee(5, "Travis Hathaway", "TH", "Anaconda", "travishathaway"),
            Attendee(6, "Jonathan Helmus", "JJH", "Anaconda", "jjhelmus"),
            Attendee(7, "Daniel Ching", "DJC", "NVIDIA/CF", "carterbox"),
        ),
        sections=(
            AgendaSection("Introductions"),
            AgendaSection("Announcements"),
            AgendaSection(
                "New Agenda Items",
                (
                    top(
                        "1",
                        "Announce GSOC ideas",
                        wv,
                        item(
                            "1.1",
                            "Submitted for `conda` org (lower prio given more recent age)",
                            wv,
                        ),
                        item(
                            "1.2",
                            "Ideas:",
                            wv,
                            item("1.2.1", "WebAssembly", wv),
                            item(
                                "1.2.2",
                                "Security improvements in rattler (sandbox client-side scripts "
                                "like activation, post-link, maybe even figure out sandboxing on "
                                "Windows)",
                                wv,
                            ),
                        ),
                        item(
                            "1.3",
                            "Better chance to have both topics selected if one idea goes to "
                            "conda-forge and the other to conda",
                            "FF",
                            show_initials=True,
                        ),
                    ),
                    top(
                        "2",
                        "Discuss `cache` behavior for v1 recipe format",
                        wv,
                        item("2.1", "https://github.com/conda/ceps/pull/102", wv),
                        item(
                            "2.2",
                            "See discussion at "
                            "https://github.com/conda/ceps/pull/102/files#r1861339238 and points "
                            "raised by Daniel Ching",
                            wv,
                        ),
                        item(
                            "2.3",
                            "Daniel Ching will contribute some exemplar use cases to the CEP",
                            wv,
                        ),
                    ),
                    top(
                        "3",
                        "Run exports in repodata ready for vote",
                        wv,
                        item("3.1", "https://github.com/conda/ceps/pull/108", wv),
                        item(
                            "3.2",
                            "Concerns about extra size no longer apply thanks to the smaller "
                            "size in shards",
                            wv,
                        ),
                        item(
                            "3.3",
                            "Preview already available in prefix.dev, good results; allows a "
                            "few optimizations",
                            wv,
                        ),
                        item("3.4", "Patch run_exports?", wv),
                    ),
                    top(
                        "4",
                        "Thoughts on PyPI interoperability?",
                        th,
                        item(
                            "4.1",
                            "See this thread for background: https://conda.zulipchat.com/"
                            "#narrow/channel/457607-general/topic/PyPI.20interop",
                            th,
                        ),
                        item(
                            "4.2",
                            "Currently, we want better pypi interoperability libraries in rattler",
                            th,
                        ),
                        item(
                            "4.3",
                            "This is available in `uv` but its not stable or likely to be "
                            "published on crates.io",
                            th,
                        ),
                        item(
                            "4.4",
                            "Alternative being considered is bringing over work from rip "
                            "(https://github.com/prefix-dev/rip)",
                            th,
                        ),
                        item(
                            "4.5",
                            "We could later wrap these libraries and make them available via "
                            "py-rattler so conda plugins can utilize them (e.g. conda-pypi)",
                            th,
                        ),
                    ),
                ),
            ),
        ),
    )


def small_record(*sections: AgendaSection, **changes: object) -> MeetingRecord:
    record = replace(reference_record(), sections=sections)
    return replace(record, **changes)  # type: ignore[arg-type]


def assert_golden(path: Path, text: str) -> None:
    # MEETBOT_UPDATE_GOLDEN=1 rewrites the expected files; review the diff before committing.
    if os.environ.get("MEETBOT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="\n")
    assert text == path.read_text(encoding="utf-8")


def section_lines(text: str, name: str) -> list[str]:
    """The lines of a ``## name`` section, without its heading and blank lines."""
    body = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if line]


# --- golden files ------------------------------------------------------------------------------


def test_community_template_renders_the_reference_meeting_to_its_golden_file() -> None:
    assert_golden(COMMUNITY_EXPECTED, render_notes(reference_record(), "community"))


def test_community_golden_differs_from_the_reference_only_where_a_real_record_must() -> None:
    reference = COMMUNITY_REFERENCE.read_text(encoding="utf-8").splitlines()
    expected = COMMUNITY_EXPECTED.read_text(encoding="utf-8").splitlines()
    blank_row = "|                        |          |              |                  |"
    diff = list(difflib.unified_diff(reference, expected, n=0, lineterm=""))
    assert diff[2:] == [
        # The reference's three empty rows for latecomers to fill in by hand.
        "@@ -21,3 +20,0 @@",
        f"-{blank_row}",
        f"-{blank_row}",
        f"-{blank_row}",
        # The count the note-taker left as X.
        "@@ -25 +22 @@",
        "-X people in total",
        "+7 people in total",
        # A trailing space typed by hand.
        "@@ -39 +36 @@",
        "-    - [ ] Ideas: ",
        "+    - [ ] Ideas:",
    ]


def test_ecosystem_template_renders_the_reference_meeting_to_its_golden_file() -> None:
    assert_golden(ECOSYSTEM_EXPECTED, render_notes(reference_record(), "ecosystem"))


def test_ecosystem_format_follows_the_newer_reference() -> None:
    text = render_notes(reference_record(), "ecosystem")
    lines = text.splitlines()
    reference = ECOSYSTEM_REFERENCE.read_text(encoding="utf-8")
    assert lines[:4] == [
        "---",
        "tags: [meeting-notes]",
        "---",
        "# 2025-02-12 Conda Community Meeting",
    ]
    assert lines[5] == (
        f"[Zoom link]({ZOOM}) · [What time is the meeting in my time zone: 5pm]"
        "(https://dateful.com/convert/utc?t=5pm)"
    )
    assert lines[5] in reference  # the reference meeting has the same link and time
    comment = text.split("## Attendees\n\n", 1)[1].split("\n\n", 1)[0]
    assert comment.startswith("<!--") and comment.endswith("-->")
    assert f"## Attendees\n\n{comment}\n\n1. " in reference
    assert section_lines(text, "Introductions") == ["- [ ] ..."]
    assert section_lines(text, "New Agenda Items")[:6] == [
        "- [ ] WV: Announce GSOC ideas",
        "    - Submitted for `conda` org (lower prio given more recent age)",
        "    - Ideas:",
        "        - WebAssembly",
        "        - Security improvements in rattler (sandbox client-side scripts like "
        "activation, post-link, maybe even figure out sandboxing on Windows)",
        "    - FF: Better chance to have both topics selected if one idea goes to conda-forge "
        "and the other to conda",
    ]


def test_ecosystem_attendee_list_is_numbered_with_initials_name_github_and_affiliation() -> None:
    record = small_record(
        attendees=(
            Attendee(1, "Jaime Rodríguez-Guerra", "JRG", "Quansight", "jaimergp"),
            Attendee(2, "Matthew R. Becker", "MRB", "CF", ""),
            Attendee(3, "Dan Yeaw", "DY", "", "danyeaw"),
            Attendee(None, "Sam Doe", "SD", "", ""),
        )
    )
    text = render_notes(record, "ecosystem")
    listed = [line for line in text.splitlines() if line.startswith("1. ")]
    assert listed == [
        "1. JRG: Jaime Rodríguez-Guerra (@jaimergp), Quansight",
        "1. MRB: Matthew R. Becker, CF",
        "1. DY: Dan Yeaw (@danyeaw)",
        "1. SD: Sam Doe",
    ]


def test_ecosystem_attendee_list_without_attendees_keeps_a_placeholder() -> None:
    text = render_notes(small_record(attendees=()), "ecosystem")
    assert "-->\n\n1. ...\n" in text


# --- layout details ------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_discussion_notes_follow_the_children_of_their_item(template: str) -> None:
    said = (DiscussionNote("DJC", "Daniel Ching", "Enumerate everything?"),)
    record = small_record(
        AgendaSection(
            "New agenda items",
            (
                top(
                    "1",
                    "Policy on licenses",
                    "WV",
                    item("1.1", "License only in the minified file", "WV", notes=said),
                    item("1.2", "Open question", "FF", show_initials=True),
                    notes=said,
                    done=True,
                ),
            ),
        )
    )
    lines = section_lines(render_notes(record, template), "New agenda items")
    if template == "community":
        assert lines == [
            "- [x] (WV) Policy on licenses",
            "    - [ ] License only in the minified file",
            "        - (DJC) Enumerate everything?",
            "    - [ ] (FF) Open question",
            "    - (DJC) Enumerate everything?",
        ]
    else:
        assert lines == [
            "- [x] WV: Policy on licenses",
            "    - License only in the minified file",
            "        - DJC: Enumerate everything?",
            "    - FF: Open question",
            "    - DJC: Enumerate everything?",
        ]


def test_a_done_sub_item_is_ticked_in_the_community_format() -> None:
    record = small_record(
        AgendaSection("Items", (top("1", "Parent", "WV", item("1.1", "Child", "WV", done=True)),))
    )
    assert section_lines(render_notes(record, "community"), "Items") == [
        "- [ ] (WV) Parent",
        "    - [x] Child",
    ]


@pytest.mark.parametrize(
    ("hour", "minute", "clock"),
    [(17, 0, "5pm"), (17, 30, "5:30pm"), (0, 0, "12am"), (12, 0, "12pm"), (9, 5, "9:05am")],
)
def test_time_zone_link_shows_the_utc_start(hour: int, minute: int, clock: str) -> None:
    start = datetime(2025, 2, 12, hour, minute, tzinfo=timezone.utc)
    record = small_record(start_utc=start)
    url = f"https://dateful.com/convert/utc?t={clock}"
    assert f"[What time is the meeting in my time zone]({url})" in render_notes(record, "community")
    ecosystem = render_notes(record, "ecosystem")
    assert f"[What time is the meeting in my time zone: {clock}]({url})" in ecosystem


def test_time_zone_link_converts_a_start_given_in_another_zone_to_utc() -> None:
    from zoneinfo import ZoneInfo

    start = datetime(2025, 2, 12, 18, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    assert "utc?t=5pm)" in render_notes(small_record(start_utc=start), "community")


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_without_a_video_link_only_the_time_zone_link_is_shown(template: str) -> None:
    lines = render_notes(small_record(video_link=""), template).splitlines()
    assert lines[4] == ""
    assert lines[5].startswith("[What time is the meeting in my time zone")
    assert "Zoom" not in lines[5]


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_an_empty_description_is_left_out_with_its_blank_line(template: str) -> None:
    text = render_notes(small_record(description="  "), template)
    assert "(https://dateful.com/convert/utc?t=5pm)\n\n## Attendees\n" in text


def test_without_attendees_the_table_keeps_its_header_and_counts_zero() -> None:
    text = render_notes(small_record(attendees=()), "community")
    assert (
        "## Attendees\n\n"
        "| Name                   | Initials | Affiliation  | GH Username      |\n"
        "| ---------------------- | -------- | ------------ | ---------------- |\n"
        "\n0 people in total\n"
    ) in text


def test_one_attendee_is_counted_as_one_person_in_total() -> None:
    one = reference_record().attendees[:1]
    text = render_notes(small_record(attendees=one), "community")
    assert "\n1 person in total\n" in text
    assert "people in total" not in text


def test_the_counted_filter_gives_a_user_template_singular_and_plural(tmp_path: Path) -> None:
    path = tmp_path / "counts.md.j2"
    path.write_text(
        '{{ meeting.attendees | length | counted("person", "people") }}, '
        '{{ meeting.sections | length | counted("section", "sections") }}, '
        '{{ 0 | counted("action", "actions") }}\n',
        encoding="utf-8",
    )
    one = reference_record().attendees[:1]
    assert render_notes(small_record(AgendaSection("Only"), attendees=one), str(path)) == (
        "1 person, 1 section, 0 actions\n"
    )
    assert render_notes(small_record(AgendaSection("A"), AgendaSection("B")), str(path)) == (
        "7 people, 2 sections, 0 actions\n"
    )


def test_a_long_cell_widens_its_column_and_keeps_every_row_aligned() -> None:
    long_name = "Maria de los Ángeles Fernández-Valderrama"
    record = small_record(
        attendees=(
            Attendee(1, long_name, "MAFV", "A Very Long Affiliation Name", "mafv"),
            Attendee(2, "Sam Doe", "SD", "", ""),
        )
    )
    table = [
        line for line in render_notes(record, "community").splitlines() if line.startswith("|")
    ]
    assert len({len(line) for line in table}) == 1
    assert (
        table[2] == f"| {long_name} | MAFV     | A Very Long Affiliation Name | mafv             |"
    )
    assert table[1].split(" | ")[0] == "| " + "-" * len(long_name)


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_an_empty_section_renders_an_empty_checkbox(template: str) -> None:
    text = render_notes(small_record(AgendaSection("Announcements")), template)
    expected = "- [ ]" if template == "community" else "- [ ] ..."
    assert text.endswith(f"\n## Announcements\n\n{expected}\n")


@pytest.mark.parametrize("template", ["community", "ecosystem"])
@pytest.mark.parametrize("record", [reference_record(), small_record()])
def test_the_file_ends_with_a_single_newline(template: str, record: MeetingRecord) -> None:
    text = render_notes(record, template)
    assert text.endswith("\n") and not text.endswith("\n\n")


# --- user text cannot break the structure ---------------------------------------------------

HOSTILE = [
    "# heading",
    "## another heading",
    "---",
    "--- front matter?",
    "<!-- comment",
    "<details>",
    "<DIV class='x'>",
    "<br>",
    "</span>",
    "```python",
    "~~~",
    "- nested item",
    "* nested item",
    "+ nested item",
    "1. ordered",
    "2) ordered",
    "[ ] checkbox",
    "[x] checkbox",
    "> quote",
    "***",
    "[ref]: https://example.org",
    ":::info",
    "    indented code",
    "line one\n# line two",
    "line one\r\n---\r\nline three",
]
# A line's content right after its list marker (and checkbox / initials) must not open a block.
RAW_OPENER = re.compile(
    r"#|>|[-+*](\s|$)|---|\*\*\*|`{3}|~{3}|<!--|</?[a-z]|\d+[.)](\s|$)|\[[ xX]\]|\[[^\]]*\]:|:::",
    re.IGNORECASE,
)


def hostile_record() -> MeetingRecord:
    children = tuple(item(f"1.{n}", text, "WV") for n, text in enumerate(HOSTILE, 1))
    tops = tuple(top(str(n), text, "") for n, text in enumerate(HOSTILE, 2))
    notes = tuple(DiscussionNote("", "", text) for text in HOSTILE)
    return small_record(
        AgendaSection("Items", (top("1", "Parent", "WV", *children, notes=notes), *tops)),
        title="Title\n# injected",
        description="Line\n---\nmore",
        attendees=(
            Attendee(1, "Pipe | Name\nSecond line", "P|N", "Aff|iliation\n", "gh|name"),
            Attendee(2, "Back\\slash \\| pipe", "#1", "```", "- x"),
        ),
    )


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_user_text_cannot_add_headings_front_matter_comments_or_fences(template: str) -> None:
    lines = render_notes(hostile_record(), template).splitlines()
    assert [i for i, line in enumerate(lines) if line.startswith("---")] == [0, 2]
    headings = [line for line in lines if line.startswith("#")]
    assert headings == [
        "# 2025-02-12 Title # injected",
        "## Attendees",
        "## Items",
    ]
    assert not [line for line in lines if line.lstrip().startswith(("```", "~~~"))]
    comments = [line for line in lines if line.lstrip().startswith("<")]
    assert comments == ([] if template == "community" else ["<!-- Use this syntax:"])


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_user_text_cannot_change_the_nesting_of_items(template: str) -> None:
    lines = section_lines(render_notes(hostile_record(), template), "Items")
    depth_of = [len(line) - len(line.lstrip(" ")) for line in lines]
    n = len(HOSTILE)
    # Parent, its children, its notes, then the top-level items: one line each.
    assert depth_of == [0] + [4] * n + [4] * n + [0] * n
    for line in lines:
        content = re.sub(r"^ *- (\[[ x]\] )?(\(\) |: )?", "", line)
        assert not RAW_OPENER.match(content), line


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("# heading", "\\# heading"),
        ("1. ordered", "1\\. ordered"),
        ("[x] checkbox", "\\[x] checkbox"),
        ("line one\n# line two", "line one # line two"),
        ("<!-- comment", "\\<!-- comment"),
    ],
)
def test_block_openers_are_escaped_so_they_render_as_typed(text: str, rendered: str) -> None:
    record = small_record(
        AgendaSection("Items", (top("1", "Parent", "WV", item("1.1", text, "WV")),))
    )
    assert section_lines(render_notes(record, "ecosystem"), "Items")[1] == f"    - {rendered}"


def test_table_cells_escape_pipes_and_join_lines() -> None:
    text = render_notes(hostile_record(), "community")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) == 6, row  # four cells between the outer pipes
    assert rows[2].startswith("| Pipe \\| Name Second line | P\\|N ")
    assert len({len(row) for row in rows}) == 1


@pytest.mark.parametrize(
    "text",
    [
        "[Repodata v3 CEP](https://github.com/conda/ceps/pull/146) vote to start soon",
        "`conda` 25.1 released, see https://github.com/conda/conda/releases?q=25.1&x=_y_",
        "<https://example.org/autolink> and <me@example.org>",
        "<https://example.org/autolink-alone>",
        "<kbd>Ctrl</kbd> + <kbd>C</kbd> copies",
        "**bold**, *emphasis* and _underscores_",
        "-1 from me; +1 from them; 1.5 is out",
        "(FF) initials in parentheses",
    ],
)
@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_legitimate_markdown_in_user_text_is_kept_intact(text: str, template: str) -> None:
    record = small_record(
        AgendaSection("Items", (top("1", "Parent", "WV", item("1.1", text, "WV")),))
    )
    line = section_lines(render_notes(record, template), "Items")[1]
    assert line in (f"    - [ ] {text}", f"    - {text}")


# --- decisions, action items and deferred items ---------------------------------------------

JAIME = "Jaime Rodríguez-Guerra"
OWNERS = {"KH": "Katherine Hale", "OTMOV": "Olu T. M. Oyelaran-Vance", "JRG": JAIME}
FEB_12 = date(2025, 2, 12)


def action(
    number: int,
    text: str,
    *owners: str,
    at: str | None = None,
    done: bool = False,
    on: date = FEB_12,
) -> ActionItem:
    """An action owned by the people with these initials (see OWNERS)."""
    return ActionItem(
        number=number,
        text=text,
        owners=tuple(OWNERS[initials] for initials in owners),
        owner_initials=owners,
        author_initials="WV",
        item_number=at,
        done=done,
        meeting_date=on,
    )


def outcomes_record() -> MeetingRecord:
    """A meeting that agreed things, assigned actions and deferred an item."""
    agreed_cache = Decision("Keep `cache` in the v1 format", "WV", "1")
    agreed_child = Decision("Exemplars go in the CEP", "DJC", "1.1")
    agreed_anywhere = Decision("Next meeting is in two weeks", "TH", None)
    examples = action(3, "@**Katherine Hale|41** writes the examples", "KH", at="1.1", done=True)
    vote_text = "@**Katherine Hale** and @_**Olu T. M. Oyelaran-Vance|7** start the vote"
    vote = action(4, vote_text, "KH", "OTMOV", at="1")
    nobody = action(5, "Find a reviewer for the CEP", at="1")
    blog = action(6, f"@**{JAIME}** posts on the blog", "JRG")
    cache = replace(
        top(
            "1",
            "Discuss `cache` behavior",
            "WV",
            replace(
                item("1.1", "Exemplar use cases", "WV"),
                decisions=(agreed_child,),
                actions=(examples,),
            ),
            notes=(DiscussionNote("DJC", "Daniel Ching", "Needs examples"),),
        ),
        decisions=(agreed_cache,),
        actions=(vote, nobody),
    )
    pypi = replace(top("2", "PyPI interoperability", "TH"), deferred=True)
    later = top("3", "Sharded repodata", "WV")
    return small_record(
        AgendaSection("New agenda items", (cache, pypi)),
        AgendaSection("Deferred to next meeting", (later,)),
        decisions=(agreed_cache, agreed_child, agreed_anywhere),
        actions=(vote, nobody, examples, blog),
        open_actions=(
            action(
                1, "@**Olu T. M. Oyelaran-Vance** drafts the CFEP", "OTMOV", on=date(2025, 1, 29)
            ),
            action(2, "Ask the steering council", done=True, on=date(2025, 2, 5)),
        ),
        deferred=(pypi,),
    )


DECISION_LINES = [
    "- Keep `cache` in the v1 format (item 1)",
    "- Exemplars go in the CEP (item 1.1)",
    "- Next meeting is in two weeks",
]
# Each owner named once: the mentions an action opens with, naming exactly its owners, are
# dropped beside their names.
ACTION_LINES = [
    "- [ ] **Jaime Rodríguez-Guerra**: posts on the blog (#6)",
    "- [x] **Katherine Hale**: writes the examples (#3)",
    "- [ ] **Katherine Hale and Olu T. M. Oyelaran-Vance**: start the vote (#4)",
    "- [ ] **Unowned**: Find a reviewer for the CEP (#5)",
]
OPEN_ACTION_LINES = [
    "- [ ] **Olu T. M. Oyelaran-Vance**: drafts the CFEP (#1, from 2025-01-29)",
    "- [x] Ask the steering council (#2, from 2025-02-05)",
]


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("## ")]


def test_community_shows_decisions_and_actions_under_their_items_and_in_their_sections() -> None:
    text = render_notes(outcomes_record(), "community")
    assert section_lines(text, "New agenda items") == [
        "- [ ] (WV) Discuss `cache` behavior",
        "    - [ ] Exemplar use cases",
        "        - **Agreed:** Exemplars go in the CEP",
        "        - **Action** (done) (KH): writes the examples",
        "    - (DJC) Needs examples",
        "    - **Agreed:** Keep `cache` in the v1 format",
        "    - **Action** (KH, OTMOV): start the vote",
        "    - **Action** (unowned): Find a reviewer for the CEP",
        "- [ ] (TH) PyPI interoperability _(deferred to next meeting)_",
    ]
    # The community format has no special "Deferred to next meeting" section.
    assert section_lines(text, "Deferred to next meeting") == ["- [ ] (WV) Sharded repodata"]
    assert section_lines(text, "Decisions") == DECISION_LINES
    assert section_lines(text, "Action items") == ACTION_LINES
    assert section_lines(text, "Open action items from previous meetings") == OPEN_ACTION_LINES
    assert headings(text)[-3:] == [
        "## Decisions",
        "## Action items",
        "## Open action items from previous meetings",
    ]
    tail = text.split("\n## Decisions\n", 1)[1]
    assert tail == (
        "\n"
        + "".join(f"{line}\n" for line in DECISION_LINES)
        + "\n## Action items\n\n"
        + "".join(f"{line}\n" for line in ACTION_LINES)
        + "\n## Open action items from previous meetings\n\n"
        + "".join(f"{line}\n" for line in OPEN_ACTION_LINES)
    )


def test_ecosystem_shows_decisions_actions_and_the_deferred_items() -> None:
    text = render_notes(outcomes_record(), "ecosystem")
    assert section_lines(text, "New agenda items") == [
        "- [ ] WV: Discuss `cache` behavior",
        "    - Exemplar use cases",
        "        - Agreed: Exemplars go in the CEP",
        "        - Action (done) (KH): writes the examples",
        "    - DJC: Needs examples",
        "    - Agreed: Keep `cache` in the v1 format",
        "    - Action (KH, OTMOV): start the vote",
        "    - Action (unowned): Find a reviewer for the CEP",
        "- [ ] TH: PyPI interoperability _(deferred to next meeting)_",
    ]
    # The items already in the section first, then the ones deferred during the meeting.
    assert section_lines(text, "Deferred to next meeting") == [
        "- [ ] WV: Sharded repodata",
        "- [ ] TH: PyPI interoperability",
    ]
    assert section_lines(text, "Decisions") == DECISION_LINES
    assert section_lines(text, "Action items") == ACTION_LINES
    assert section_lines(text, "Open action items from previous meetings") == OPEN_ACTION_LINES
    assert headings(text)[-4:] == [
        "## Deferred to next meeting",
        "## Decisions",
        "## Action items",
        "## Open action items from previous meetings",
    ]


@pytest.mark.parametrize(
    "name", ["Deferred to next meeting", "DEFERRED TO NEXT MEETING", " deferred to next meeting "]
)
def test_ecosystem_deferred_section_replaces_its_placeholder_by_the_deferred_items(
    name: str,
) -> None:
    deferred = replace(top("1", "PyPI interoperability", "TH"), deferred=True)
    record = small_record(
        AgendaSection("New agenda items", (deferred,)),
        AgendaSection(name),
        deferred=(deferred,),
    )
    text = render_notes(record, "ecosystem")
    assert text.endswith(f"\n## {name.strip()}\n\n- [ ] TH: PyPI interoperability\n")
    # Without deferred items it keeps its placeholder, like any empty section.
    assert render_notes(replace(record, deferred=()), "ecosystem").endswith(
        f"\n## {name.strip()}\n\n- [ ] ...\n"
    )


def test_ecosystem_lists_an_item_deferred_from_the_deferred_section_once() -> None:
    deferred = replace(top("1", "Sharded repodata", "WV"), deferred=True)
    record = small_record(
        AgendaSection("Deferred to next meeting", (deferred,)), deferred=(deferred,)
    )
    assert section_lines(render_notes(record, "ecosystem"), "Deferred to next meeting") == [
        "- [ ] WV: Sharded repodata _(deferred to next meeting)_",
    ]


def test_other_sections_do_not_list_the_deferred_items() -> None:
    deferred = replace(top("1", "PyPI interoperability", "TH"), deferred=True)
    record = small_record(
        AgendaSection("New agenda items", (deferred,)),
        AgendaSection("From previous meetings"),
        deferred=(deferred,),
    )
    text = render_notes(record, "ecosystem")
    assert section_lines(text, "From previous meetings") == ["- [ ] ..."]


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_a_deferred_sub_item_is_marked_too(template: str) -> None:
    child = replace(item("1.1", "Later", "WV"), deferred=True)
    record = small_record(AgendaSection("Items", (top("1", "Parent", "WV", child),)))
    marked = "    - [ ] Later" if template == "community" else "    - Later"
    assert section_lines(render_notes(record, template), "Items")[1] == (
        f"{marked} _(deferred to next meeting)_"
    )


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_only_the_outcome_sections_with_something_in_them_are_shown(template: str) -> None:
    only_open = small_record(
        AgendaSection("Items"), open_actions=(action(1, "Left over", on=date(2025, 2, 5)),)
    )
    text = render_notes(only_open, template)
    assert headings(text) == [
        "## Attendees",
        "## Items",
        "## Open action items from previous meetings",
    ]
    assert text.endswith(
        "\n\n## Open action items from previous meetings\n\n- [ ] Left over (#1, from 2025-02-05)\n"
    )
    only_decisions = small_record(decisions=(Decision("Ship it", "WV", None),))
    assert render_notes(only_decisions, template).endswith("\n\n## Decisions\n\n- Ship it\n")


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_the_reference_meeting_has_no_outcome_sections(template: str) -> None:
    text = render_notes(reference_record(), template)
    assert not {"## Decisions", "## Action items"} & set(headings(text))
    assert "deferred to next meeting" not in text


def test_action_items_are_grouped_by_owner_sorted_by_name_with_unowned_last() -> None:
    people = {"AZ": "Zoë Adams", "BA": "Ángel Bravo", "CM": "carl Moss", "DB": "Dana Berg"}
    OWNERS.update(people)
    try:
        record = small_record(
            actions=(
                action(1, "First for nobody"),
                action(2, "Zoë alone", "AZ"),
                action(3, "Ángel and Dana", "BA", "DB"),
                action(4, "Carl", "CM", done=True),
                action(5, "Second for nobody", done=True),
                action(6, "Ángel again", "BA"),
            )
        )
        assert section_lines(render_notes(record, "community"), "Action items") == [
            "- [ ] **Ángel Bravo**: Ángel again (#6)",
            "- [ ] **Ángel Bravo and Dana Berg**: Ángel and Dana (#3)",
            "- [x] **carl Moss**: Carl (#4)",
            "- [ ] **Zoë Adams**: Zoë alone (#2)",
            "- [ ] **Unowned**: First for nobody (#1)",
            "- [x] **Unowned**: Second for nobody (#5)",
        ]
    finally:
        for initials in people:
            del OWNERS[initials]


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_an_action_with_two_owners_is_one_checkbox_naming_both(template: str) -> None:
    people = {"AZ": "Zoë Adams", "DB": "Dana Berg"}
    OWNERS.update(people)
    try:
        record = small_record(actions=(action(7, "Zoë and Dana", "AZ", "DB"),))
        assert section_lines(render_notes(record, template), "Action items") == [
            "- [ ] **Zoë Adams and Dana Berg**: Zoë and Dana (#7)"
        ]
    finally:
        for initials in people:
            del OWNERS[initials]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (f"@**{JAIME}** posts", f"@{JAIME} posts"),
        (f"@**{JAIME}|12** posts", f"@{JAIME} posts"),
        (f"@_**{JAIME}|12** posts", f"@{JAIME} posts"),
        (f"@_**{JAIME}** posts", f"@{JAIME} posts"),
        (f"ask @**{JAIME}|12**, @**Katherine Hale**", f"ask @{JAIME}, @Katherine Hale"),
        ("@*conda-maintainers* and @_*core*", "@conda-maintainers and @core"),
        ("**bold** and me@**example**.org stay", "**bold** and me@**example**.org stay"),
        ("see #**general** and #**conda>release 25.1**", "see #general and #conda > release 25.1"),
    ],
)
@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_zulip_mentions_are_written_as_plain_names(typed: str, shown: str, template: str) -> None:
    record = small_record(
        AgendaSection(
            "Items", (replace(top("1", "Parent", "WV"), actions=(action(7, typed, "JRG"),)),)
        ),
        actions=(action(7, typed, "JRG"),),
        decisions=(Decision(typed, "WV", "1"),),
        open_actions=(action(1, typed, "JRG"),),
    )
    text = render_notes(record, template)
    # Beside its owner's name (or initials), the action loses the mention of its owner it
    # opens with.
    task = "posts" if shown == f"@{JAIME} posts" else shown
    assert task in section_lines(text, "Items")[1]
    assert section_lines(text, "Decisions") == [f"- {shown} (item 1)"]
    assert section_lines(text, "Action items") == [f"- [ ] **{JAIME}**: {task} (#7)"]
    assert section_lines(text, "Open action items from previous meetings") == [
        f"- [ ] **{JAIME}**: {task} (#1, from 2025-02-12)"
    ]


def test_mentions_in_items_and_notes_are_plain_names_too() -> None:
    said = (DiscussionNote("WV", "Wolf Vollprecht", f"ping @**{JAIME}|12**"),)
    record = small_record(
        AgendaSection("Items", (top("1", "Ask @_**Sam Doe|3**", "WV", notes=said),))
    )
    assert section_lines(render_notes(record, "community"), "Items") == [
        "- [ ] (WV) Ask @Sam Doe",
        f"    - (WV) ping @{JAIME}",
    ]


def hostile_outcomes_record() -> MeetingRecord:
    decisions = tuple(Decision(text, "WV", "1") for text in HOSTILE)
    actions = tuple(action(n, text, "KH", at="1") for n, text in enumerate(HOSTILE, 1))
    parent = replace(top("1", "Parent", "WV"), decisions=decisions, actions=actions)
    return small_record(
        AgendaSection("Items", (parent,)),
        decisions=decisions,
        actions=actions,
        open_actions=actions,
    )


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_decision_and_action_text_cannot_break_the_structure(template: str) -> None:
    text = render_notes(hostile_outcomes_record(), template)
    lines = text.splitlines()
    assert [i for i, line in enumerate(lines) if line.startswith("---")] == [0, 2]
    assert headings(text) == [
        "## Attendees",
        "## Items",
        "## Decisions",
        "## Action items",
        "## Open action items from previous meetings",
    ]
    assert not [line for line in lines if line.lstrip().startswith(("```", "~~~"))]
    n = len(HOSTILE)
    items = section_lines(text, "Items")
    assert [len(line) - len(line.lstrip(" ")) for line in items] == [0] + [4] * (2 * n)
    prefix = r"^ *- (\*\*Agreed:\*\* |\*\*Action\*\* \(KH\): |Agreed: |Action \(KH\): )"
    for line in items[1:]:
        content, replaced = re.subn(prefix, "", line)
        assert replaced == 1, line
        assert not RAW_OPENER.match(content), line
    for name, pattern in [
        ("Decisions", r"^- (.*) \(item 1\)$"),
        ("Action items", r"^- \[ \] \*\*Katherine Hale\*\*: (.*) \(#\d+\)$"),
        ("Open action items from previous meetings", r"^- \[ \] (.*) \(#\d+, from 2025-02-12\)$"),
    ]:
        listed = section_lines(text, name)
        assert len(listed) == n
        for line in listed:
            match = re.match(pattern, line)
            assert match, line
            assert not RAW_OPENER.match(match.group(1)), line


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_a_hostile_decision_is_escaped_and_keeps_its_pipes(template: str) -> None:
    hostile = "# Use a | b\n- and @**Sam Doe|3** | c\r\n---"
    record = small_record(decisions=(Decision(hostile, "WV", "2"),))
    assert section_lines(render_notes(record, template), "Decisions") == [
        "- \\# Use a | b - and @Sam Doe | c --- (item 2)"
    ]


# --- file names and writing ----------------------------------------------------------------


def test_notes_filename_formats_the_pattern_with_the_meeting_date() -> None:
    assert (
        notes_filename("%Y%m%d_agenda_and_minutes.md", date(2025, 2, 12))
        == "20250212_agenda_and_minutes.md"
    )
    assert notes_filename("%Y-%m-%d.md", date(2025, 2, 12)) == "2025-02-12.md"
    assert notes_filename("notes..%Y.md", date(2025, 2, 12)) == "notes..2025.md"


@pytest.mark.parametrize(
    "pattern", ["../x", "..", "%Y/../x.md", "%Y/%m.md", "a\\b.md", "", " ", "."]
)
def test_notes_filename_rejects_anything_but_a_plain_file_name(pattern: str) -> None:
    with pytest.raises(ValueError):
        notes_filename(pattern, date(2025, 2, 12))


def test_write_notes_creates_folders_and_writes_utf8_with_unix_newlines(tmp_path: Path) -> None:
    target = tmp_path / "meetings" / "2025" / "notes.md"
    write_notes(target, "# Jaime Rodríguez-Guerra\r\nline\n")
    assert target.read_bytes() == "# Jaime Rodríguez-Guerra\nline\n".encode()
    assert os.listdir(target.parent) == ["notes.md"]


def test_write_notes_replaces_an_existing_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.md"
    write_notes(target, "first\n")
    write_notes(target, "second\n")
    assert target.read_text(encoding="utf-8") == "second\n"
    assert os.listdir(tmp_path) == ["notes.md"]


def test_write_notes_keeps_the_old_file_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "notes.md"
    write_notes(target, "old\n")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_notes(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["notes.md"]


# --- templates -----------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_shipped_templates_pass_the_start_up_check(template: str) -> None:
    check_template(template)


def test_compiled_templates_are_cached() -> None:
    assert load_template("community") is load_template("community")


def test_a_user_template_file_renders_and_is_reloaded_when_edited(tmp_path: Path) -> None:
    path = tmp_path / "series.md.j2"
    path.write_text("# {{ meeting.title }}\n", encoding="utf-8")
    assert render_notes(reference_record(), str(path)) == "# Conda Community Meeting\n"
    path.write_text("# {{ meeting.date }}\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert render_notes(reference_record(), str(path)) == "# 2025-02-12\n"


def test_a_user_template_includes_files_next_to_it(tmp_path: Path) -> None:
    (tmp_path / "header.j2").write_text("# {{ meeting.title }}\n", encoding="utf-8")
    main = tmp_path / "main.j2"
    main.write_text('{% include "header.j2" %}\n{{ utc_time }}\n', encoding="utf-8")
    assert render_notes(reference_record(), str(main)) == "# Conda Community Meeting\n5pm\n"


def test_check_template_names_an_unknown_variable_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.md.j2"
    path.write_text("# {{ meeting.title }}\n\n{{ meting.date }}\n", encoding="utf-8")
    with pytest.raises(TemplateProblem) as caught:
        check_template(str(path))
    problem = caught.value
    assert (problem.variable, problem.line) == ("meting", 3)
    assert str(path) in str(problem)
    assert "line 3" in str(problem)
    assert "'meting'" in str(problem)


def test_check_template_catches_a_misspelt_field_of_the_record_with_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.md.j2"
    path.write_text("# {{ meeting.title }}\n\n{{ meeting.actionz }}\n", encoding="utf-8")
    with pytest.raises(TemplateProblem) as caught:
        check_template(str(path))
    assert (caught.value.variable, caught.value.line) == ("actionz", 3)
    assert f"{path}, line 3: unknown variable 'actionz'" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "variable"),
    [
        ("{% for a in meeting.actions %}{{ a.ownerz }}{% endfor %}", "ownerz"),
        ("{% for a in meeting.open_actions %}{{ a.meeting_day }}{% endfor %}", "meeting_day"),
        ("{% for d in meeting.decisions %}{{ d.item }}{% endfor %}", "item"),
        ("{% for i in meeting.deferred %}{{ i.deferred_to }}{% endfor %}", "deferred_to"),
        (
            "{% for a in meeting.actions %}{% if not a.owners %}{{ nobody }}{% endif %}{% endfor %}",
            "nobody",
        ),
        (
            "{% for a in meeting.open_actions %}{% if a.done %}{{ a.closed }}{% endif %}{% endfor %}",
            "closed",
        ),
        (
            "{% for d in meeting.decisions %}{% if not d.item_number %}{{ d.x }}{% endif %}{% endfor %}",
            "x",
        ),
        (
            "{% for s in meeting.sections %}{% for i in s.items %}{% for a in i.actions %}"
            "{{ a.owner }}{% endfor %}{% endfor %}{% endfor %}",
            "owner",
        ),
        (
            "{% for s in meeting.sections %}{% for l in s | outline %}{% if l.kind == 'action' %}"
            "{{ l.action.txt }}{% elif l.kind == 'decision' %}{{ l.decision.text }}"
            "{% endif %}{% endfor %}{% endfor %}",
            "txt",
        ),
        ("{% for g in meeting.actions | by_owner %}{{ g.name }}{% endfor %}", "name"),
    ],
)
def test_check_template_exercises_decisions_actions_and_deferred_items(
    tmp_path: Path, body: str, variable: str
) -> None:
    path = tmp_path / "bad.md.j2"
    path.write_text(f"# notes\n{body}\n", encoding="utf-8")
    with pytest.raises(TemplateProblem) as caught:
        check_template(str(path))
    assert (caught.value.variable, caught.value.line) == (variable, 2)


def test_check_template_names_an_unknown_attribute_of_the_record(tmp_path: Path) -> None:
    path = tmp_path / "bad.md.j2"
    path.write_text("{% for a in meeting.attendees %}\n{{ a.email }}\n{% endfor %}\n")
    with pytest.raises(TemplateProblem, match=r"line 2: unknown variable 'email'"):
        check_template(str(path))


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("{{ meeting.titel }}", "meeting has no attribute 'titel'"),
        ("{% for a in meeting.attendees %}{{ a.nam }}{% endfor %}", "an attendee has no"),
        (
            "{% for s in meeting.sections %}{% for i in s.items %}{{ i.titel }}{% endfor %}"
            "{% endfor %}",
            "an agenda item has no attribute 'titel'",
        ),
        ("{% for s in meeting.sections %}{{ s.title }}{% endfor %}", "a section has no"),
        ("{% for d in meeting.decisions %}{{ d.txt }}{% endfor %}", "a decision has no"),
        ("{% for a in meeting.actions %}{{ a.txt }}{% endfor %}", "an action has no"),
        ("{% for g in meeting.actions | by_owner %}{{ g.name }}{% endfor %}", "a by_owner group"),
        ("{{ meeting.title.upper_case }}", "a text has no attribute 'upper_case'"),
        ("{{ meeting.date.weekday_name }}", "a date has no attribute 'weekday_name'"),
    ],
)
def test_an_unknown_attribute_is_named_in_the_templates_own_terms(
    tmp_path: Path, body: str, said: str
) -> None:
    path = tmp_path / "bad.md.j2"
    path.write_text(f"{body}\n", encoding="utf-8")
    with pytest.raises(TemplateProblem) as caught:
        check_template(str(path))
    assert said in caught.value.detail
    assert "zulip_meetbot" not in str(caught.value)
    assert " object" not in str(caught.value)


def test_check_template_finds_a_mistake_in_a_branch_only_sparse_meetings_take(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.md.j2"
    path.write_text(
        "{% if meeting.video_link %}{{ meeting.video_link }}{% else %}{{ no_video }}{% endif %}\n"
    )
    with pytest.raises(TemplateProblem, match="'no_video'"):
        check_template(str(path))


def test_a_template_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.md.j2"
    path.write_text("# {{ meeting.title }}\n\n{% for x in %}\n{% endfor %}\n")
    with pytest.raises(TemplateProblem) as caught:
        load_template(str(path))
    assert caught.value.line == 3
    assert f"{path}, line 3" in str(caught.value)


def test_an_unknown_filter_is_reported_at_load_time_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "filter.md.j2"
    path.write_text("ok\n{{ meeting.title | shout }}\n")
    with pytest.raises(TemplateProblem, match=r"line 2: .*shout"):
        check_template(str(path))


def test_a_missing_template_file_is_a_template_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md.j2"
    with pytest.raises(TemplateProblem, match="no such template file") as caught:
        check_template(str(missing))
    assert str(missing) in str(caught.value)


def test_a_syntax_error_in_an_included_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "part.j2").write_text("ok\n{% if %}\n", encoding="utf-8")
    main = tmp_path / "main.j2"
    main.write_text('{% include "part.j2" %}\n', encoding="utf-8")
    with pytest.raises(TemplateProblem) as caught:
        check_template(str(main))
    assert (caught.value.template, caught.value.line) == (str(tmp_path / "part.j2"), 2)


def test_the_video_link_cannot_break_out_of_its_markdown_link() -> None:
    record = small_record(video_label="Zoom [main]\nroom", video_link="https://x.org/a b(c)")
    line = render_notes(record, "community").splitlines()[5]
    assert line.startswith(r"[Zoom \[main\] room](https://x.org/a%20b%28c%29) · [What time")


def test_a_video_link_without_a_label_gets_a_generic_one() -> None:
    line = render_notes(small_record(video_label=""), "community").splitlines()[5]
    assert line.startswith(f"[Video call link]({ZOOM}) · ")


def test_ecosystem_lists_a_deferred_sub_item_once_marked_under_its_parent() -> None:
    child = replace(item("1.1", "WebAssembly", "WV"), deferred=True)
    parent = top("1", "Announce GSOC ideas", "WV", child)
    record = small_record(
        AgendaSection("New agenda items", (parent,)),
        AgendaSection("Deferred to next meeting", (top("2", "Talk about CEPs", "WV"),)),
        deferred=(replace(child, text="Announce GSOC ideas: WebAssembly"),),
    )
    text = render_notes(record, "ecosystem")
    assert section_lines(text, "New agenda items") == [
        "- [ ] WV: Announce GSOC ideas",
        "    - WebAssembly _(deferred to next meeting)_",
    ]
    assert section_lines(text, "Deferred to next meeting") == ["- [ ] WV: Talk about CEPs"]
    assert text.count("WebAssembly") == 1


def test_ecosystem_ticks_a_done_sub_item_as_the_community_format_does() -> None:
    record = small_record(
        AgendaSection(
            "Items",
            (top("2", "Talk about CEPs", "WV", item("2.1", "CEP 42", "WV", done=True)),),
        )
    )
    assert section_lines(render_notes(record, "ecosystem"), "Items") == [
        "- [ ] WV: Talk about CEPs",
        "    - [x] CEP 42",
    ]
    assert section_lines(render_notes(record, "community"), "Items")[1] == "    - [x] CEP 42"


def test_a_template_cannot_include_a_file_that_is_not_a_template(tmp_path: Path) -> None:
    (tmp_path / "botrc").write_text("[api]\nkey = s3cret-api-key\n")
    template = tmp_path / "notes.md.j2"
    template.write_text('# {{ meeting.title }}\n{% include "botrc" %}\n')
    with pytest.raises(TemplateProblem) as caught:
        check_template(str(template))
    assert "a template file's name ends in .j2" in str(caught.value)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("template", ["community", "ecosystem"])
def test_typed_html_and_script_links_show_as_typed_in_the_notes(template: str) -> None:
    typed = "see [x](javascript:alert(1)) <script>x</script> `<b>` <https://conda.org> a < b"
    record = small_record(AgendaSection("Items", (top("1", typed, "WV"),)))
    line = section_lines(render_notes(record, template), "Items")[0]
    assert "[x]\\(javascript:alert(1))" in line  # not a link
    assert "\\<script>x\\</script>" in line  # not a tag
    assert "`<b>`" in line and "<https://conda.org>" in line and "a < b" in line
