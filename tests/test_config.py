"""The botrc: what a valid file becomes, and the one-line problem each mistake produces."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from zulip_meetbot.config import (
    BUILTIN_TEMPLATES,
    ConfigError,
    Settings,
    check_site,
    check_zone,
    load_settings,
    parse_duration,
    parse_settings,
    stream_name,
    zones_using_abbreviation,
)
from zulip_meetbot.domain.record import MeetingRecord
from zulip_meetbot.notes import render_notes

REPO = Path(__file__).resolve().parent.parent
SECRET = "s3cr3tAPIkeyThatMustNeverLeak0042"

Sections = dict[str, dict[str, str]]


def valid_sections() -> Sections:
    """A full botrc with two series, as nested dicts the tests tweak."""
    return {
        "api": {
            "email": "meetbot-bot@example.zulipchat.com",
            "key": SECRET,
            "site": "https://example.zulipchat.com",
        },
        "meetbot": {
            "database": "data/meetbot.sqlite3",
            "notes_dir": "minutes",
            "timezones": "Europe/Berlin, Asia/Kolkata",
            "chairs": "chair@example.com, 42",
        },
        "series:community": {
            "title": "Conda Community Meeting",
            "stream": "conda",
            "topic": "community call {date}",
            "start": "2025-02-12 17:00",
            "timezone": "UTC",
            "schedule": "RRULE:FREQ=WEEKLY;INTERVAL=2",
            "duration": "1h30m",
            "video_link": "https://zoom.us/j/9138593505?pwd=abc",
            "reminders": "1h, 1d, 60m, 10m",
            "notes_path": "%Y%m%d_agenda_and_minutes.md",
            "description": "Various parts of the conda community gather on a regular basis.",
            "chairs": "7",
            "auto_start": "off",
            "carry_over": "unticked",
        },
        "series:ecosystem": {
            "title": "Conda Ecosystem Meeting",
            "stream": "conda",
            "topic": "ecosystem call {date}",
            "start": "2026-08-05 12:00:30",
            "timezone": "America/New_York",
            "schedule": "FREQ=WEEKLY",
            "video_link": "https://meet.example.org/ecosystem",
            "template": "ecosystem",
            "sections": "Introductions, Announcements, From previous meetings, "
            "New agenda items, Deferred to next meeting",
            "default_section": "new AGENDA items",
        },
    }


def render(sections: Sections) -> str:
    return "".join(
        f"[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in keys.items()) + "\n"
        for name, keys in sections.items()
    )


def parse(sections: Sections, folder: Path) -> Settings:
    return parse_settings(render(sections), folder / "botrc")


def problems_of(text: str, folder: Path) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, folder / "botrc")
    return caught.value.problems


def problems_with(folder: Path, section: str, **changes: str | None) -> tuple[str, ...]:
    """The problems of the valid botrc after setting (or, with None, deleting) some keys."""
    sections = valid_sections()
    keys = sections.setdefault(section, {})
    for key, value in changes.items():
        if value is None:
            keys.pop(key, None)
        else:
            keys[key] = value
    return problems_of(render(sections), folder)


# --- a valid file ---------------------------------------------------------------------------


def test_full_botrc_with_two_series_parses_to_expected_values(tmp_path: Path) -> None:
    settings = parse(valid_sections(), tmp_path)

    assert settings.path == tmp_path / "botrc"
    assert settings.api.email == "meetbot-bot@example.zulipchat.com"
    assert settings.api.key == SECRET
    assert settings.api.site == "https://example.zulipchat.com"
    assert settings.api.insecure is False
    assert settings.api.cert_bundle is None
    assert settings.database == tmp_path / "data" / "meetbot.sqlite3"
    assert settings.notes_dir == tmp_path / "minutes"
    assert settings.timezones == ("Europe/Berlin", "Asia/Kolkata")
    assert settings.chairs == ("chair@example.com", "42")
    assert [s.slug for s in settings.series] == ["community", "ecosystem"]

    community = settings.series[0]
    assert community.title == "Conda Community Meeting"
    assert community.stream == "conda"
    assert community.topic == "community call {date}"
    assert community.start == datetime(2025, 2, 12, 17, 0)
    assert community.timezone == "UTC"
    assert str(community.schedule) == "FREQ=WEEKLY;INTERVAL=2"
    assert community.duration == timedelta(hours=1, minutes=30)
    assert community.video_link == "https://zoom.us/j/9138593505?pwd=abc"
    assert community.video_label == "Zoom link"
    assert community.reminders == (timedelta(days=1), timedelta(hours=1), timedelta(minutes=10))
    assert community.sections == ("Introductions", "Announcements", "New Agenda Items")
    assert community.default_section == "New Agenda Items"
    assert community.template == "community"
    assert community.notes_path == "%Y%m%d_agenda_and_minutes.md"
    assert community.description.startswith("Various parts of the conda community")
    assert community.chairs == ("7",)
    assert community.auto_start is False
    assert community.carry_over == "unticked"

    ecosystem = settings.series[1]
    assert ecosystem.start == datetime(2026, 8, 5, 12, 0, 30)
    assert ecosystem.timezone == "America/New_York"
    assert ecosystem.zone.key == "America/New_York"
    assert ecosystem.duration == timedelta(minutes=60)
    assert ecosystem.video_label == "Video call link"
    assert ecosystem.reminders == (timedelta(days=1), timedelta(hours=1))
    assert ecosystem.template == "ecosystem"
    assert ecosystem.sections[2] == "From previous meetings"
    assert ecosystem.default_section == "New agenda items"  # canonical spelling
    assert ecosystem.notes_path == "%Y-%m-%d-ecosystem.md"
    assert ecosystem.auto_start is True
    assert ecosystem.carry_over == "deferred"


def test_percent_signs_are_literal_because_interpolation_is_off(tmp_path: Path) -> None:
    settings = parse(valid_sections(), tmp_path)

    assert settings.series[0].notes_path == "%Y%m%d_agenda_and_minutes.md"


def test_minimal_botrc_takes_every_default(tmp_path: Path) -> None:
    sections: Sections = {
        "api": valid_sections()["api"],
        "series:demo-1": {
            "title": "Demo",
            "stream": "demo",
            "start": "2025-01-01 09:00",
            "timezone": "Europe/Berlin",
        },
    }
    settings = parse(sections, tmp_path)

    assert settings.database == tmp_path / "meetbot.sqlite3"
    assert settings.notes_dir == tmp_path / "notes"
    assert settings.timezones == ()
    assert settings.chairs == ()
    demo = settings.series[0]
    assert demo.topic == "{date}"
    assert demo.schedule is None
    assert demo.duration == timedelta(hours=1)
    assert (demo.video_link, demo.video_label) == ("", "")  # no link, no label
    assert demo.reminders == (timedelta(days=1), timedelta(hours=1))
    assert demo.sections == ("Introductions", "Announcements", "New Agenda Items")
    assert demo.default_section == "New Agenda Items"
    assert demo.template == "community"
    assert demo.notes_path == "%Y-%m-%d-demo-1.md"
    assert (demo.description, demo.chairs, demo.auto_start) == ("", (), True)
    assert demo.carry_over == "deferred"


def test_empty_reminders_mean_no_reminders(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["reminders"] = ""

    assert parse(sections, tmp_path).series[0].reminders == ()


def test_template_file_resolves_against_the_botrc_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.md.j2").write_text("# {{ title }}\n")
    sections = valid_sections()
    sections["series:community"]["template"] = "mine.md.j2"

    assert parse(sections, tmp_path).series[0].template == str(tmp_path / "mine.md.j2")


def test_zuliprc_optional_api_keys_are_tolerated(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    sections = valid_sections()
    sections["api"].update(
        insecure="true", cert_bundle="ca.pem", client_cert="c.pem", client_cert_key="c.key"
    )
    api = parse(sections, tmp_path).api

    assert api.insecure is True
    assert api.cert_bundle == str(tmp_path / "ca.pem")


def test_schedule_accepts_until_as_floating_date_or_utc(tmp_path: Path) -> None:
    for until in ("20251231", "20251231T000000Z"):
        sections = valid_sections()
        sections["series:community"]["schedule"] = f"FREQ=WEEKLY;UNTIL={until}"

        assert str(parse(sections, tmp_path).series[0].schedule) == f"FREQ=WEEKLY;UNTIL={until}"


def test_lists_may_continue_on_indented_lines(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["sections"] = "Introductions,\n    Announcements\n    Other"

    assert parse(sections, tmp_path).series[0].sections == (
        "Introductions",
        "Announcements",
        "Other",
    )


def test_series_lookups(tmp_path: Path) -> None:
    settings = parse(valid_sections(), tmp_path)

    assert settings.series_by_slug("ecosystem") is settings.series[1]
    assert settings.series_by_slug("nope") is None
    assert [s.slug for s in settings.series_in_stream("CONDA")] == ["community", "ecosystem"]
    assert settings.series_in_stream("other") == ()


def test_topic_for_replaces_only_the_date_placeholder(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["topic"] = "call {date} } {"
    community = parse(sections, tmp_path).series[0]

    assert community.topic_for(date(2025, 2, 12)) == "call 2025-02-12 } {"


def test_find_section_ignores_case_and_spaces_and_returns_canonical_name(tmp_path: Path) -> None:
    community = parse(valid_sections(), tmp_path).series[0]

    assert community.find_section("  new agenda ITEMS ") == "New Agenda Items"
    assert community.find_section("Misc") is None


def test_load_settings_reads_the_file_and_resolves_its_folder(tmp_path: Path) -> None:
    (tmp_path / "botrc").write_text(render(valid_sections()), encoding="utf-8")

    settings = load_settings(tmp_path / "botrc")

    assert settings.path == tmp_path / "botrc"
    assert settings.notes_dir == tmp_path / "minutes"


# --- botrc.example --------------------------------------------------------------------------


def example_text() -> str:
    text = (REPO / "botrc.example").read_text(encoding="utf-8")
    return text.replace("YOUR-BOT-API-KEY", SECRET)


def test_botrc_example_parses(tmp_path: Path) -> None:
    settings = parse_settings(example_text(), tmp_path / "botrc")

    (community,) = settings.series
    assert community.title == "Conda Community Meeting"
    assert community.stream == "conda-community"
    assert community.topic_for(date(2025, 2, 12)) == "community call 2025-02-12"
    assert community.start == datetime(2025, 2, 12, 17, 0)
    assert str(community.schedule) == "FREQ=WEEKLY;INTERVAL=2"
    assert community.description.startswith("Various parts of the conda community gather")


def test_botrc_example_commented_second_series_parses_once_uncommented(tmp_path: Path) -> None:
    head, marker, tail = example_text().partition("# [series:ecosystem]")
    uncommented = re.sub(r"^# ?", "", marker + tail, flags=re.MULTILINE)

    settings = parse_settings(head + uncommented, tmp_path / "botrc")

    ecosystem = settings.series_by_slug("ecosystem")
    assert ecosystem is not None
    assert ecosystem.template == "ecosystem"
    assert str(ecosystem.schedule) == (
        "FREQ=WEEKLY;INTERVAL=2; 2026-01-14 14:00 FREQ=WEEKLY;INTERVAL=2"
    )
    assert str(ecosystem.schedule) == (
        "FREQ=WEEKLY;INTERVAL=2; 2026-01-14 14:00 FREQ=WEEKLY;INTERVAL=2"
    )
    assert ecosystem.sections == (
        "Introductions",
        "Announcements",
        "From previous meetings",
        "New agenda items",
        "Deferred to next meeting",
    )


def test_botrc_example_documents_every_key() -> None:
    from zulip_meetbot.config import API_KEYS, MEETBOT_KEYS, SERIES_KEYS

    text = (REPO / "botrc.example").read_text(encoding="utf-8")
    for key in (*API_KEYS, *MEETBOT_KEYS, *SERIES_KEYS):
        assert re.search(rf"\b{key}\b", text), key


def _example_entry(lines: list[str], section: str, name: str) -> tuple[str, str] | None:
    """In botrc.example, the first line setting ``name`` (commented or not) within
    ``section`` and the comment lines right above it; None when there is none."""
    header = lines.index(f"[{section}]")
    end = next((i for i in range(header + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    setting = re.compile(rf"#?\s*{name}\s*=(.*)")
    for index in range(header + 1, end):
        if setting.fullmatch(lines[index]):
            above = index
            while above > header + 1 and lines[above - 1].startswith("#"):
                above -= 1
            return lines[index], " ".join(line.lstrip("# ") for line in lines[above:index])
    return None


def test_botrc_example_shows_every_key_with_the_tables_default() -> None:
    from zulip_meetbot.config import KEYS

    lines = (REPO / "botrc.example").read_text(encoding="utf-8").splitlines()
    for key in KEYS:
        examples = {"series:SLUG": "series:community", "roster:NAME": "roster:steering"}
        section = examples.get(key.section, key.section)
        entry = _example_entry(lines, section, key.name)
        assert entry is not None, f"[{key.section}] {key.name} is not in botrc.example"
        line, comment = entry
        value = line.partition("=")[2].strip()
        if key.required:
            assert not line.startswith("#") and value, f"{key.name} is required: set it"
            continue
        shown = key.documented_default
        said = re.search(rf"\bdefaults? shown\b|\bdefault:? {re.escape(shown)}", comment)
        assert value == key.default or said, (
            f"[{key.section}] {key.name}: botrc.example shows neither {key.name} = "
            f"{key.default} nor 'default {shown}' in the comment above it"
        )


def test_readme_lists_every_key_of_the_table_with_its_default() -> None:
    from zulip_meetbot.config import keys_table

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert keys_table() in readme, (
        "README's botrc table differs from the keys' table: paste the output of "
        "python -c 'from zulip_meetbot.config import keys_table; print(keys_table())'"
    )


def test_problems_name_their_section_and_key(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["timezone"] = "Mars/Olympus"
    sections["meetbot"]["catch_up"] = "soon"
    sections["series:Bad Slug"] = {"title": "x"}
    sections["extra"] = {}
    del sections["series:ecosystem"]["start"]
    with pytest.raises(ConfigError) as caught:
        parse(sections, tmp_path)
    where = {(p.section, p.key) for p in caught.value.found}
    assert where == {
        ("extra", None),
        ("meetbot", "catch_up"),
        ("series:community", "timezone"),
        ("series:ecosystem", "start"),
        ("series:Bad Slug", None),
    }
    assert tuple(str(p) for p in caught.value.found) == caught.value.problems


def test_problems_of_the_file_itself_name_no_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("[api]\nemail = a@b.c\nemail = d@e.f\n", tmp_path / "botrc")
    assert [(p.section, p.key, p.line) for p in caught.value.found] == [("api", "email", 3)]
    assert str(caught.value) == "line 3: [api] email: set twice"
    with pytest.raises(ConfigError) as caught:
        parse_settings("[meetbot]\nnot a key\n", tmp_path / "botrc")
    found = caught.value.found
    assert (found[0].section, found[0].key, found[0].line) == (None, None, 2)
    assert (found[-1].section, found[-1].key) == (None, None)  # no [series:SLUG] at all


# --- one precise problem per mistake --------------------------------------------------------


def test_unknown_time_zone(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", timezone="Mars/Olympus") == (
        "[series:community] timezone: unknown time zone 'Mars/Olympus'",
    )


def test_unknown_time_zone_suggests_a_close_one(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", timezone="utc") == (
        "[series:community] timezone: unknown time zone 'utc' (did you mean 'UTC'?)",
    )
    assert problems_with(tmp_path, "series:community", timezone="America") == (
        "[series:community] timezone: unknown time zone 'America'",
    )


def test_unknown_reader_time_zone(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "meetbot", timezones="UTC, Europe/Berln") == (
        "[meetbot] timezones: unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?)",
    )


def test_bad_rrule(tmp_path: Path) -> None:
    (problem,) = problems_with(tmp_path, "series:community", schedule="FREQ=WEEKLY;INTERVL=2")

    assert problem.startswith("[series:community] schedule: not a valid RRULE (")
    assert "INTERVL" in problem


def test_rrule_yielding_no_meeting(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", schedule="FREQ=WEEKLY;UNTIL=20240101") == (
        "[series:community] schedule: the rule yields no meeting on or after 2025-02-12 17:00",
    )


@pytest.mark.parametrize("interval", ["0", "-1", "two"])
def test_schedule_interval_below_one_is_a_schedule_problem_not_a_notes_path_one(
    tmp_path: Path, interval: str
) -> None:
    schedule = f"FREQ=WEEKLY;INTERVAL={interval}"
    assert problems_with(tmp_path, "series:community", schedule=schedule) == (
        "[series:community] schedule: the interval must be 1 or more (1 is every week, "
        f"2 every other week), got INTERVAL={interval}",
    )


def test_schedule_with_count_zero_yields_no_meeting_at_all(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", schedule="FREQ=DAILY;COUNT=0") == (
        "[series:community] schedule: COUNT=0 yields no meeting at all (COUNT is how many "
        "meetings there are: 1 or more; leave it out for no end)",
    )


def test_rrule_with_dtstart(tmp_path: Path) -> None:
    schedule = "DTSTART:20250101T000000\nRRULE:FREQ=WEEKLY"
    sections = valid_sections()
    sections["series:community"]["schedule"] = schedule.replace("\n", "\n  ")
    (problem,) = problems_of(render(sections), tmp_path)
    assert problem.startswith("[series:community] schedule: ")

    (problem,) = problems_with(tmp_path, "series:community", schedule="FREQ=WEEKLY;DTSTART=2025")
    assert problem.startswith("[series:community] schedule: must not contain DTSTART")


def test_rrule_finer_than_daily(tmp_path: Path) -> None:
    (problem,) = problems_with(tmp_path, "series:community", schedule="FREQ=HOURLY")

    assert problem.startswith("[series:community] schedule: FREQ=HOURLY is not a meeting schedule")


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("series:community", "title"),
        ("series:community", "stream"),
        ("series:community", "start"),
        ("series:community", "timezone"),
        ("api", "email"),
        ("api", "key"),
        ("api", "site"),
    ],
)
def test_missing_required_key(tmp_path: Path, section: str, key: str) -> None:
    assert problems_with(tmp_path, section, **{key: None}) == (f"[{section}] {key}: missing",)


def test_empty_required_key(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", title="") == (
        "[series:community] title: empty",
    )


def test_missing_api_section(tmp_path: Path) -> None:
    sections = valid_sections()
    del sections["api"]

    assert problems_of(render(sections), tmp_path) == (
        "[api]: missing (it needs email, key and site, as in a zuliprc)",
    )


def test_unknown_section_name(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "serie:x", title="x") == (
        "[serie:x]: unknown section (expected [api], [meetbot], [series:SLUG], [roster:NAME] or [policies])",
    )


def test_default_section_is_an_unknown_section_not_a_fallback(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "DEFAULT", timezone="UTC") == (
        "[DEFAULT]: unknown section (expected [api], [meetbot], [series:SLUG], [roster:NAME] or [policies])",
    )


def test_bad_series_slug(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:Big Meeting", title="x") == (
        "[series:Big Meeting]: the slug 'Big Meeting' must match [a-z0-9][a-z0-9_-]* "
        "(lower-case letters, digits, '-' and '_')",
    )


def test_unknown_key_suggests_the_closest_known_one(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", timzone="UTC") == (
        "[series:community] timzone: unknown key (did you mean 'timezone'?)",
    )


def test_key_in_the_wrong_section_says_where_it_belongs(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "meetbot", carry_over="deferred") == (
        "[meetbot] carry_over: unknown key (it belongs in [series:SLUG])",
    )


def test_a_key_of_another_section_names_that_section_even_when_close_to_a_key_here(
    tmp_path: Path,
) -> None:
    assert problems_with(tmp_path, "series:community", site="https://x.org") == (
        "[series:community] site: unknown key (it belongs in [api])",
    )


def test_a_video_label_without_a_link_is_kept_for_check_to_point_out(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:ecosystem"]["video_label"] = "Jitsi"
    del sections["series:ecosystem"]["video_link"]
    ecosystem = parse(sections, tmp_path).series[1]
    assert (ecosystem.video_link, ecosystem.video_label) == ("", "Jitsi")


def test_bad_start(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", start="tomorrow") == (
        "[series:community] start: expected YYYY-MM-DD HH:MM[:SS], got 'tomorrow'",
    )


def test_bad_duration(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", duration="an hour") == (
        "[series:community] duration: expected a duration like 90s, 10m, 1h30m, 1d or 2w, "
        "got 'an hour'",
    )


def test_bad_reminder(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", reminders="1d, 0m") == (
        "[series:community] reminders: a duration must be positive, got '0m'",
    )


def test_every_bad_reminder_is_reported_not_only_the_first(tmp_path: Path) -> None:
    hint = "expected a duration like 90s, 10m, 1h30m, 1d or 2w"
    assert problems_with(tmp_path, "series:community", reminders="1d, 1h, -1h, 0m, 1x") == (
        f"[series:community] reminders: {hint}, got '-1h'",
        "[series:community] reminders: a duration must be positive, got '0m'",
        f"[series:community] reminders: {hint}, got '1x'",
    )


def test_every_bad_chair_and_time_zone_is_reported(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["meetbot"]["chairs"] = "bob, 42, carol@"
    sections["meetbot"]["timezones"] = "Europe/Nowhere, UTC, Mars/Olympus"
    sections["series:community"]["chairs"] = "7, dave\n  erin"

    problems = problems_of(render(sections), tmp_path)

    assert problems[:2] == (
        "[meetbot] timezones: unknown time zone 'Europe/Nowhere'",
        "[meetbot] timezones: unknown time zone 'Mars/Olympus'",
    )
    assert problems[2:] == (
        "[meetbot] chairs: 'bob' is neither an email nor a numeric user id",
        "[meetbot] chairs: 'carol@' is neither an email nor a numeric user id",
        "[series:community] chairs: 'dave' is neither an email nor a numeric user id",
        "[series:community] chairs: 'erin' is neither an email nor a numeric user id",
    )


def test_every_section_listed_twice_is_reported(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", sections="A, b, B, a, c") == (
        "[series:community] sections: 'B' is listed twice (names ignore case)",
        "[series:community] sections: 'a' is listed twice (names ignore case)",
    )


def test_default_section_not_in_sections(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", default_section="Misc") == (
        "[series:community] default_section: 'Misc' is not one of the sections "
        "(Introductions, Announcements, New Agenda Items)",
    )


def test_sections_must_be_unique_ignoring_case(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", sections="Intro, News, intro") == (
        "[series:community] sections: 'intro' is listed twice (names ignore case)",
    )


def test_sections_must_not_be_empty(tmp_path: Path) -> None:
    (problem,) = problems_with(tmp_path, "series:community", sections="Intro,, News")

    assert problem.startswith("[series:community] sections: a section name is empty")


def test_missing_template_file(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", template="missing.j2") == (
        f"[series:community] template: no template file at {tmp_path / 'missing.j2'} "
        "(the shipped ones are community or ecosystem)",
    )


def test_topic_with_unknown_placeholder(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", topic="{title} {date}") == (
        "[series:community] topic: unknown placeholder {title} (only {date} is replaced)",
    )


def test_notes_path_naming_one_file_for_every_meeting(tmp_path: Path) -> None:
    (problem,) = problems_with(tmp_path, "series:community", notes_path="%Y_minutes.md")

    assert problem.startswith("[series:community] notes_path: '%Y_minutes.md' gives the same file")


def test_notes_path_must_stay_inside_notes_dir(tmp_path: Path) -> None:
    (problem,) = problems_with(tmp_path, "series:community", notes_path="../%Y-%m-%d.md")

    assert problem.startswith("[series:community] notes_path: must name a file inside notes_dir")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("auto_start", "maybe", "expected yes or no, got 'maybe'"),
        ("carry_over", "all", "expected deferred or unticked, got 'all'"),
        ("video_link", "zoom.us/j/1", "expected an http(s) URL, got 'zoom.us/j/1'"),
        ("chairs", "bob", "'bob' is neither an email nor a numeric user id"),
    ],
)
def test_bad_series_value(tmp_path: Path, key: str, value: str, expected: str) -> None:
    assert problems_with(tmp_path, "series:community", **{key: value}) == (
        f"[series:community] {key}: {expected}",
    )


def test_two_series_with_same_stream_and_topic_are_ambiguous(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:ecosystem"]["topic"] = "Community Call {date}"

    assert problems_of(render(sections), tmp_path) == (
        "[series:ecosystem] topic: 'Community Call {date}' in stream 'conda' is also "
        "[series:community]'s, so their meetings could not be told apart",
    )


def test_no_series_section(tmp_path: Path) -> None:
    sections = valid_sections()
    del sections["series:community"], sections["series:ecosystem"]

    assert problems_of(render(sections), tmp_path) == (
        "no [series:SLUG] section: the botrc must describe at least one meeting",
    )


def test_ini_syntax_error_names_its_line(tmp_path: Path) -> None:
    text = render(valid_sections()).replace("[meetbot]\n", "[meetbot]\nthis is not a setting\n")
    lineno = text.splitlines().index("this is not a setting") + 1

    assert problems_of(text, tmp_path) == (
        f"line {lineno}: expected 'key = value' or a [section] header, got 'this is not a setting'",
    )


def test_key_set_twice_names_its_line(tmp_path: Path) -> None:
    text = render(valid_sections()).replace("title = Conda Community Meeting\n", "title = A\n" * 2)
    lineno = text.splitlines().index("title = A") + 2

    assert problems_of(text, tmp_path) == (f"line {lineno}: [series:community] title: set twice",)


def test_setting_before_any_section(tmp_path: Path) -> None:
    assert problems_of("title = x\n" + render(valid_sections()), tmp_path) == (
        "line 1: expected a [section] header first",
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nowhere" / "botrc")

    assert caught.value.problems == (
        f"botrc not found at {tmp_path / 'nowhere' / 'botrc'}: write one with `meetbot init`, "
        "or name one with --config",
    )


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    sections = valid_sections()
    del sections["api"]["site"]
    sections["series:community"].update(timezone="Mars/Olympus", schedule="FREQ=WEEKLI")
    sections["series:ecosystem"].update(timzone="UTC", duration="forever")
    sections["serie:x"] = {"title": "x"}

    problems = problems_of(render(sections), tmp_path)

    assert "[api] site: missing" in problems
    assert "[series:community] timezone: unknown time zone 'Mars/Olympus'" in problems
    assert any(p.startswith("[series:community] schedule: ") for p in problems)
    assert "[series:ecosystem] timzone: unknown key (did you mean 'timezone'?)" in problems
    assert any(p.startswith("[series:ecosystem] duration: ") for p in problems)
    assert any(p.startswith("[serie:x]: unknown section") for p in problems)
    assert len(problems) == 6


def test_config_error_str_has_one_problem_per_line(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"].update(title="", start="soon")
    with pytest.raises(ConfigError) as caught:
        parse(sections, tmp_path)

    assert str(caught.value).splitlines() == list(caught.value.problems)
    assert len(caught.value.problems) == 2


# --- the API key stays secret ---------------------------------------------------------------


def test_api_key_is_not_in_repr_of_settings(tmp_path: Path) -> None:
    settings = parse(valid_sections(), tmp_path)

    assert SECRET not in repr(settings)
    assert SECRET not in repr(settings.api)
    assert SECRET not in str(settings)


def test_api_key_is_not_in_any_problem(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["api"]["key"] = f"{SECRET}\n  continued"  # a value on two lines is a problem
    sections["api"]["kee"] = SECRET
    sections["series:community"]["video_label"] = f"see {SECRET}"  # valid, but no error echoes
    sections["series:community"]["start"] = SECRET
    sections["series:community"]["chairs"] = SECRET
    with pytest.raises(ConfigError) as caught:
        parse(sections, tmp_path)

    assert SECRET not in str(caught.value)
    assert "[api] key: must fit on one line" in caught.value.problems


def test_api_key_echoed_by_a_mistake_elsewhere_is_redacted(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["start"] = SECRET
    with pytest.raises(ConfigError) as caught:
        parse(sections, tmp_path)

    assert SECRET not in str(caught.value)
    assert caught.value.problems == (
        "[series:community] start: expected YYYY-MM-DD HH:MM[:SS], got '<api key>'",
    )


def test_syntax_error_in_api_section_does_not_show_the_line(tmp_path: Path) -> None:
    text = render(valid_sections()).replace(f"key = {SECRET}", f"key {SECRET}")

    problems = problems_of(text, tmp_path)

    assert SECRET not in "\n".join(problems)
    assert (
        "line 3: expected 'key = value' or a [section] header (the line is in [api], so it is "
        "not shown)" in problems
    )
    assert "[api] key: missing" in problems


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("10m", timedelta(minutes=10)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 1h 30m ", timedelta(hours=1, minutes=30)),
        ("1d", timedelta(days=1)),
        ("2w", timedelta(weeks=2)),
        ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
        ("1H30M", timedelta(hours=1, minutes=30)),
        ("1 hour 30 minutes", timedelta(hours=1, minutes=30)),
    ],
)
def test_parse_duration_accepts(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a duration like 90s, 10m, 1h30m, 1d or 2w, got ''"),
        ("90", "expected a duration like 90s, 10m, 1h30m, 1d or 2w, got '90'"),
        ("1x", "expected a duration like 90s, 10m, 1h30m, 1d or 2w, got '1x'"),
        ("h1", "expected a duration like 90s, 10m, 1h30m, 1d or 2w, got 'h1'"),
        ("-1h", "expected a duration like 90s, 10m, 1h30m, 1d or 2w, got '-1h'"),
        ("1.5h", "expected a duration like 90s, 10m, 1h30m, 1d or 2w, got '1.5h'"),
        ("0m", "a duration must be positive, got '0m'"),
    ],
)
def test_parse_duration_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)

    assert str(caught.value) == message


# --- issue 12: values accepted that should not be, or reported wrongly ----------------------


def test_a_zone_abbreviation_suggests_the_zones_that_use_it_not_a_close_spelling(
    tmp_path: Path,
) -> None:
    (problem,) = problems_with(tmp_path, "series:community", timezone="CEST")

    assert problem.startswith("[series:community] timezone: unknown time zone 'CEST' (CEST is an")
    suggested = problem.split("such as: ")[1].split(" and ")[0].split(", ")
    assert "Europe/Berlin" in suggested
    assert "EST" not in suggested and "America/New_York" not in suggested
    # Old aliases (CET, Poland) are left out: the Area/City name is what to write.
    assert all("/" in zone for zone in suggested)


def test_zones_using_an_abbreviation_come_from_tzdata_in_either_season_and_any_case() -> None:
    assert "America/Los_Angeles" in zones_using_abbreviation("PDT", 2025)
    assert "America/Los_Angeles" in zones_using_abbreviation("pst", 2025)
    # Southern summer time is in January: still found.
    assert "Australia/Sydney" in zones_using_abbreviation("AEDT", 2025)
    assert set(zones_using_abbreviation("IST", 2025)) >= {"Asia/Kolkata", "Europe/Dublin"}
    assert zones_using_abbreviation("XYZT", 2025) == ()


def test_a_misspelt_zone_name_still_gets_the_close_spelling(tmp_path: Path) -> None:
    assert problems_with(tmp_path, "series:community", timezone="Europe/Berln") == (
        "[series:community] timezone: unknown time zone 'Europe/Berln' "
        "(did you mean 'Europe/Berlin'?)",
    )
    with pytest.raises(ValueError, match="did you mean 'Europe/Berlin'"):
        check_zone("Europe/Berln")
    assert check_zone("Europe/Berlin") == "Europe/Berlin"


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (
            "2025-02-30 17:00",
            "'2025-02-30 17:00': the date 2025-02-30 does not exist (February 2025 has 28 days)",
        ),
        (
            "2024-02-30 17:00",
            "'2024-02-30 17:00': the date 2024-02-30 does not exist (February 2024 has 29 days)",
        ),
        (
            "2025-04-31 09:30:00",
            "'2025-04-31 09:30:00': the date 2025-04-31 does not exist (April 2025 has 30 days)",
        ),
        ("2025-13-01 17:00", "'2025-13-01 17:00': there is no month 13"),
        ("2025-02-12 24:00", "'2025-02-12 24:00': 24:00 is not a time of day (00:00-23:59)"),
    ],
)
def test_a_start_on_a_date_that_does_not_exist_says_so_not_format_error(
    tmp_path: Path, start: str, message: str
) -> None:
    assert problems_with(tmp_path, "series:community", start=start) == (
        f"[series:community] start: {message}",
    )


def test_a_start_with_seconds_or_single_digits_still_parses(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["start"] = "2025-2-3 7:05:09"

    assert parse(sections, tmp_path).series[0].start == datetime(2025, 2, 3, 7, 5, 9)


def test_an_indented_key_line_is_reported_as_continuing_the_value_above_it(
    tmp_path: Path,
) -> None:
    text = render(valid_sections()).replace("stream = conda\n", "  stream = conda\n", 1)
    lineno = text.splitlines().index("  stream = conda") + 1

    assert problems_of(text, tmp_path) == (
        f"[series:community] stream: line {lineno} is indented, so it continues the value of "
        "title above it instead of setting stream: remove the indentation",
    )


def test_an_indented_key_line_after_a_list_is_one_problem_too(tmp_path: Path) -> None:
    text = render(valid_sections()).replace("chairs = 7\n", "chairs = 7\n\tauto_start = off\n")

    (problem,) = problems_of(text, tmp_path)
    assert problem.startswith("[series:community] auto_start: line ")
    assert "continues the value of chairs above it" in problem


def test_indented_lines_that_are_not_keys_still_continue_a_value(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["description"] = "Our call.\n  Agenda: see the topic"

    assert parse(sections, tmp_path).series[0].description == "Our call.\nAgenda: see the topic"


@pytest.mark.parametrize("written", ["#conda", "#**conda**", "#** conda **"])
def test_a_stream_written_as_a_zulip_link_means_the_stream(tmp_path: Path, written: str) -> None:
    sections = valid_sections()
    sections["series:community"]["stream"] = written

    assert parse(sections, tmp_path).series[0].stream == "conda"
    assert stream_name("#**dev team**") == "dev team"
    assert stream_name("community") == "community"


def test_a_stream_that_is_only_a_hash_is_empty(tmp_path: Path) -> None:
    for written in ("#", "#****"):
        assert problems_with(tmp_path, "series:community", stream=written) == (
            "[series:community] stream: empty",
        )


def test_a_site_without_scheme_is_read_as_https_as_the_zulip_client_does(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["api"]["site"] = "chat.example.org"

    assert parse(sections, tmp_path).api.site == "https://chat.example.org"
    assert check_site("http://127.0.0.1:9") == "http://127.0.0.1:9"


@pytest.mark.parametrize("site", ["ftp://chat.example.org", "chat example org", "https://"])
def test_a_site_that_is_no_url_is_refused(tmp_path: Path, site: str) -> None:
    assert problems_with(tmp_path, "api", site=site) == (
        "[api] site: expected the Zulip server's URL, such as https://example.zulipchat.com, "
        f"got {site!r}",
    )


def test_a_description_keeps_its_paragraphs_in_both_templates(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["description"] = (
        "We meet every other week.\n  Everyone is welcome.\n\n  - bring your questions."
    )
    description = parse(sections, tmp_path).series[0].description
    assert (
        description == "We meet every other week.\nEveryone is welcome.\n\n- bring your questions."
    )
    record = MeetingRecord(
        series_slug="community",
        title="Community Call",
        date=date(2025, 2, 12),
        start_utc=datetime(2025, 2, 12, 17, 0, tzinfo=timezone.utc),
        timezone="UTC",
        video_link="",
        video_label="",
        description=description,
        attendees=(),
        sections=(),
    )
    for template in BUILTIN_TEMPLATES:
        notes = render_notes(record, template)
        # Each paragraph on its own, still escaped so it cannot open a list.
        assert (
            "\n\nWe meet every other week. Everyone is welcome.\n\n\\- bring your questions.\n\n"
            in notes
        ), template


def test_a_zone_abbreviation_lists_six_zones_of_its_commonest_area_first_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    (problem,) = problems_with(tmp_path, "series:community", timezone="CEST")
    listed, more = problem.split("such as: ")[1].rstrip(")").split(" and ")
    suggested = listed.split(", ")
    assert len(suggested) == 6
    assert all(zone.startswith("Europe/") for zone in suggested)
    assert suggested == sorted(suggested)
    everyone = zones_using_abbreviation("CEST", datetime.now().year)
    assert more == f"{len(everyone) - 6} more"


def test_a_template_file_must_be_named_j2(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# {{ meeting.title }}\n")
    assert problems_with(tmp_path, "series:community", template="notes.md") == (
        f"[series:community] template: {tmp_path / 'notes.md'} is not a template file: a "
        "template file is a Jinja2 template whose name ends in .j2, such as notes.md.j2",
    )


def test_a_template_file_holding_the_api_key_is_refused_without_showing_it(
    tmp_path: Path,
) -> None:
    sections = valid_sections()
    key = sections["api"]["key"]
    (tmp_path / "leak.md.j2").write_text(f"# {{{{ meeting.title }}}}\nkey = {key}\n")
    sections["series:community"]["template"] = "leak.md.j2"
    problems = problems_of(render(sections), tmp_path)
    assert problems == (
        f"[series:community] template: {tmp_path / 'leak.md.j2'} holds the bot's API key, so it "
        "is never rendered as a template",
    )


def test_the_botrc_itself_is_never_a_template(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["series:community"]["template"] = "botrc.j2"
    botrc = tmp_path / "botrc.j2"
    botrc.write_text(render(sections))
    with pytest.raises(ConfigError) as caught:
        load_settings(botrc)
    assert caught.value.problems == (
        f"[series:community] template: {botrc} is the botrc, which holds the bot's API key: "
        "not a template",
    )


def test_paths_from_the_botrc_are_shown_normalised(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    sections = valid_sections()
    sections.setdefault("meetbot", {})["database"] = "../garbage.db"
    settings = parse_settings(render(sections), tmp_path / "sub" / "botrc")
    assert settings.database == tmp_path / "garbage.db"
    assert ".." not in str(settings.database)


def test_a_rule_ending_before_the_start_yields_no_meeting_on_or_after_it(tmp_path: Path) -> None:
    (problem,) = problems_with(tmp_path, "series:community", schedule="FREQ=DAILY;UNTIL=20200101")
    assert problem.endswith("the rule yields no meeting on or after 2025-02-12 17:00")
