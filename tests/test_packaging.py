"""A real (non-editable) install ships every subpackage and the data files the code reads.

The editable install the tests run from finds any folder on disk, so a subpackage missing from
``pyproject.toml`` would pass every other test and break only ``pip install zulip-meetbot``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent


def setuptools_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return dict(config["tool"]["setuptools"])


def source_folder(package: str, package_dir: dict[str, str]) -> Path:
    """Where setuptools takes ``package`` from: its nearest ``package-dir`` entry, then names."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        mapped = package_dir.get(".".join(parts[:cut]))
        if mapped is not None:
            return ROOT.joinpath(mapped, *parts[cut:])
    return ROOT.joinpath(*parts)


def packages_on_disk(package_dir: dict[str, str]) -> dict[str, Path]:
    """Every folder holding Python files under a ``package-dir`` root, by package name."""
    found: dict[str, Path] = {}
    for root_package, folder in package_dir.items():
        for python_file in (ROOT / folder).rglob("*.py"):
            relative = python_file.parent.relative_to(ROOT / folder)
            if "__pycache__" not in relative.parts:
                found[".".join([root_package, *relative.parts])] = python_file.parent
    return found


def test_pyproject_lists_every_package_on_disk() -> None:
    config = setuptools_config()
    on_disk = packages_on_disk(config["package-dir"])
    assert sorted(on_disk) == sorted(config["packages"])
    # A folder without __init__.py imports (a namespace package) until it is installed.
    assert [name for name, folder in on_disk.items() if not (folder / "__init__.py").exists()] == []


def test_a_non_editable_install_ships_every_package_and_its_data(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", minversion="70.1")  # bdist_wheel, without network
    config = setuptools_config()
    packages: list[str] = config["packages"]
    # Built from a copy: a build/ folder left in the work tree could add files the
    # configuration does not name.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in set(config["package-dir"].values()):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    target = tmp_path / "installed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-build-isolation",  # the venv's setuptools: nothing is downloaded
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            ".",
        ],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=300,
    )

    for package in packages:
        folder = target.joinpath(*package.split("."))
        wanted = {p.name for p in source_folder(package, config["package-dir"]).iterdir()}
        shipped = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        # Subpackages are checked as packages of their own; caches are not sources.
        missing = {
            name
            for name in wanted - shipped
            if name != "__pycache__" and f"{package}.{name}" not in packages
        }
        assert missing == set(), f"{package}: not installed"

    # Imported by the Python that runs the tests (it has the dependencies), from the install.
    script = textwrap.dedent(
        f"""
        import importlib, importlib.resources, pathlib
        target = pathlib.Path({str(target)!r})
        for name in {packages!r}:
            module = importlib.import_module(name)
            assert target in pathlib.Path(module.__file__).parents, (name, module.__file__)
        from zulip_meetbot.notes import SHIPPED_TEMPLATES
        templates = importlib.resources.files("zulip_meetbot.templates")
        for file in SHIPPED_TEMPLATES.values():
            assert templates.joinpath(file).read_text(encoding="utf-8"), file
        import zulip_meetbot.cli, zulip_meetbot.terminal, zulip_meetbot.zulip
        import zulip_meetbot.domain
        zulip_meetbot.cli.build_parser()
        print("ok")
        """
    )
    environment = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "ok", result.stderr
    assert (target / "bin" / "meetbot").exists()  # the console script
