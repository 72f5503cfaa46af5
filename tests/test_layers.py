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
# Storage: the only modules that build SQL (the migrations are storage too).
STORAGE = {"store", "models", "migrations"}
# The domain (domain/): rules of meetings, agendas, minutes, attendance and people.
DOMAIN = {"domain"}
# What the domain and storage must never reach up to.
ABOVE = ZULIP_ADAPTER | {"handler", "cli", "terminal", "views", "lifecycle", "scheduler", "checks"}


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


def test_imports_are_found_at_any_depth_with_each_name(tmp_path: Path) -> None:
    bad = tmp_path / "agenda.py"
    bad.write_text(
        "from sqlalchemy.orm import Session, aliased\n"
        "def f():\n    from zulip_meetbot import views\n    import requests\n"
    )
    found = imports_of(bad)
    assert ("zulip_meetbot.views", 3) in found and ("requests", 4) in found
    assert ("sqlalchemy.orm.aliased", 1) in found
