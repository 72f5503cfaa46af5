"""The layers README promises, kept by reading every module's imports (issue 13, first rules).

Data moves one way: Zulip → runtime → handler → domain → store. These tests fail with the
import that broke a rule, so a shortcut across a layer is seen at once.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "zulip_meetbot"

# The Zulip adapter (zulip/): the only room that speaks to Zulip's client or HTTP library.
ZULIP_ADAPTER = {"zulip"}
# The publishing adapter (publish/): git and GitHub, above the domain like the Zulip adapter.
PUBLISHING = {"publish"}
# Storage: the only modules that build SQL (the migrations are storage too).
STORAGE = {"store", "models", "migrations"}
# The domain (domain/): rules of meetings, agendas, minutes, attendance and people.
DOMAIN = {"domain"}
# Leaves: pure modules every room may use, which import nothing of the package themselves.
LEAVES = {"markup"}
# What the domain and storage must never reach up to.
ABOVE = (
    ZULIP_ADAPTER
    | PUBLISHING
    | {
        "handler",
        "actions",
        "app",
        "cli",
        "terminal",
        "views",
        "vote_views",
        "lifecycle",
        "vote_lifecycle",
        "rosters",
        "scheduler",
        "checks",
    }
)
# The rooms above the domain: they get values (dataclasses) from it, never ORM rows.
ABOVE_THE_DOMAIN = (
    ZULIP_ADAPTER
    | PUBLISHING
    | {
        "handler",
        "actions",
        "app",
        "lifecycle",
        "vote_lifecycle",
        "rosters",
        "scheduler",
        "views",
        "vote_views",
        "notes",
        "archive",
        "upcoming",
        "cli",
        "terminal",
    }
)


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports (at any depth: imports inside functions count too)."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node.lineno))
            # `from zulip_meetbot import agenda`, `from sqlalchemy.orm import Session`: each name
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def modules() -> list[tuple[str, Path]]:
    """(room, file) of every module: the room is its first name below the package."""
    return [
        (path.relative_to(PACKAGE).parts[0].removesuffix(".py"), path)
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def test_only_the_zulip_adapter_imports_zulip_or_requests() -> None:
    broken = [
        f"{path.relative_to(PACKAGE)}:{line} imports {name}"
        for room, path in modules()
        if room not in ZULIP_ADAPTER
        for name, line in imports_of(path)
        if name.split(".")[0] in {"zulip", "requests", "zulip_bots"}
    ]
    assert broken == []


def test_only_the_adapters_speak_http() -> None:
    # Zulip through its client (zulip/), GitHub through urllib (publish/): nothing else dials out.
    speaking = {"urllib.request", "http.client", "socket", "httpx", "urllib3"}
    broken = [
        f"{path.relative_to(PACKAGE)}:{line} imports {name}"
        for room, path in modules()
        if room not in ZULIP_ADAPTER | PUBLISHING
        for name, line in imports_of(path)
        if name in speaking or any(name.startswith(f"{module}.") for module in speaking)
    ]
    assert broken == []


def test_only_storage_builds_sql() -> None:
    # Above storage, SQLAlchemy is a Session handed in (a type), never a statement.
    broken = [
        f"{path.relative_to(PACKAGE)}:{line} imports {name}"
        for room, path in modules()
        if room not in STORAGE
        for name, line in imports_of(path)
        if name.split(".")[0] == "sqlalchemy"
        and name not in {"sqlalchemy.orm", "sqlalchemy.orm.Session"}
    ]
    assert broken == []


@pytest.mark.parametrize("lower", sorted(DOMAIN | STORAGE))
def test_the_domain_and_storage_never_import_the_rooms_above_them(lower: str) -> None:
    paths = [path for room, path in modules() if room == lower]
    assert paths, f"no module {lower}: update the rooms above"
    broken = [
        f"{path.relative_to(PACKAGE)}:{line} imports {name}"
        for path in paths
        for name, line in imports_of(path)
        if name.startswith("zulip_meetbot.") and name.split(".")[1] in ABOVE
    ]
    assert broken == []


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_a_leaf_imports_nothing_of_the_package(leaf: str) -> None:
    (path,) = [path for room, path in modules() if room == leaf]
    own = [
        f"{path.name}:{line} imports {name}"
        for name, line in imports_of(path)
        if name.split(".")[0] == "zulip_meetbot"
    ]
    assert own == []


def test_imports_are_found_at_any_depth_with_each_name(tmp_path: Path) -> None:
    bad = tmp_path / "agenda.py"
    bad.write_text(
        "from sqlalchemy.orm import Session, aliased\n"
        "def f():\n    from zulip_meetbot import views\n    import requests\n"
    )
    found = imports_of(bad)
    assert ("zulip_meetbot.views", 3) in found and ("requests", 4) in found
    assert ("sqlalchemy.orm.aliased", 1) in found


def bold_in_strings(path: Path) -> list[int]:
    """Lines of ``path`` whose string literals (f-string parts too) hold Zulip's bold ``**``;
    docstrings are left out: they may show the markup a function reads."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return sorted(
        {
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "**" in node.value
            and id(node) not in docstrings
        }
    )


def test_the_domain_states_facts_not_zulip_markdown() -> None:
    # Refusals are facts (refusals.py) that views words; the domain writes no reply text.
    broken = [
        f"{path.relative_to(PACKAGE)}:{line} writes Zulip markdown (**): raise a fact instead"
        for room, path in modules()
        if room in DOMAIN | {"refusals"}
        for line in bold_in_strings(path)
    ]
    assert broken == []


def row_queries() -> dict[str, str]:
    """The store's functions that hand back ORM rows or its own row-shaped projections (the
    ``…Line`` tuples), with the return annotation that says so."""
    tree = ast.parse((PACKAGE / "store.py").read_text(encoding="utf-8"))
    rows = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "zulip_meetbot.models"
        for alias in node.names
        if alias.name.endswith("Row")
    }
    rows |= {
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name.endswith("Line")
    }
    return {
        node.name: ast.unparse(node.returns)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.returns is not None
        and {n.id for n in ast.walk(node.returns) if isinstance(n, ast.Name)} & rows
    }


def row_crossings(path: Path, queries: dict[str, str], base: Path = PACKAGE) -> list[str]:
    """Where ``path`` imports the ORM rows, or calls (or imports) a store query that returns
    rows: each as "file:line what" (the file named from ``base``)."""
    name = path.relative_to(base)
    found = [
        f"{name}:{line} imports {module} (ORM rows)"
        for module, line in imports_of(path)
        if module == "zulip_meetbot.models" or module.startswith("zulip_meetbot.models.")
    ]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "store"
            and node.func.attr in queries
        ):
            what = f"store.{node.func.attr}, which returns {queries[node.func.attr]}"
            found.append(f"{name}:{node.lineno} calls {what}")
        elif isinstance(node, ast.ImportFrom) and node.module == "zulip_meetbot.store":
            found += [
                f"{name}:{node.lineno} imports store.{alias.name} ({queries[alias.name]})"
                for alias in node.names
                if alias.name in queries
            ]
    return found


def test_rows_do_not_leave_the_domain() -> None:
    # Above the domain, a meeting, an item or a person is a value the domain returned: a row
    # handed up would let any room change the database behind the domain's rules.
    queries = row_queries()
    assert "running_meeting" in queries and "people" in queries, "the store's queries moved"
    broken = [
        crossing
        for room, path in modules()
        if room in ABOVE_THE_DOMAIN
        for crossing in row_crossings(path, queries)
    ]
    assert broken == []


def test_bold_is_found_in_f_strings_but_not_in_docstrings(tmp_path: Path) -> None:
    bad = tmp_path / "agenda.py"
    bad.write_text(
        'def f(title):\n    """Reads `@**Name**`."""\n'
        '    raise ValueError(f"**{title}** has no meeting.")\n'
    )
    assert bold_in_strings(bad) == [3]


def test_a_row_crossing_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "zz_layers_probe.py"
    bad.write_text(
        "from zulip_meetbot import store\n"
        "from zulip_meetbot.models import MeetingRow\n"
        "from zulip_meetbot.store import person\n"
        "def f(session):\n    return store.running_meeting(session, 'x').series_slug\n"
    )
    assert row_crossings(bad, row_queries(), base=tmp_path) == [
        "zz_layers_probe.py:2 imports zulip_meetbot.models (ORM rows)",
        "zz_layers_probe.py:2 imports zulip_meetbot.models.MeetingRow (ORM rows)",
        "zz_layers_probe.py:3 imports store.person (PersonRow | None)",
        "zz_layers_probe.py:5 calls store.running_meeting, which returns MeetingRow | None",
    ]


# The rooms that carry out commands: their replies and refusals are worded in views.
ACTING = {"handler", "actions"}


def test_the_handler_and_the_actions_leave_the_words_to_views() -> None:
    # A reply or refusal written here would be Zulip markdown only views should make.
    broken = [
        f"{path.relative_to(PACKAGE)}:{line} writes Zulip markdown (**): reply through views"
        for room, path in modules()
        if room in ACTING
        for line in bold_in_strings(path)
    ]
    assert {room for room, _ in modules()} >= ACTING, "the handler or actions/ moved"
    assert broken == []
