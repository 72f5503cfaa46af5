"""Publishing: how long ``publish_file`` takes to commit a ~70 KB notes file and push it.

Against a local bare repository (no network: what is measured is git and meetbot's steps) that
holds a governance repository's history (``--history`` past notes files). Timed: the first
publish of a meeting (clone, new branch from the default branch, commit, push), a later one
(fetch, commit on top, push: a late correction) and one with nothing new (fetch, no commit).
The machine's git configuration is left out, as in the tests.

    python bench/publish.py [--repeats 10] [--kib 70] [--history 200]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import benchkit
from benchkit import Figure

from zulip_meetbot.publish.git import Author, publish_file

AUTHOR = Author("Meetbot", "meetbot-bot@zulip.example")
PATH = "meetings/archive/{day}-community.md"


def notes_text(kib: int, version: int) -> str:
    """A notes file of about ``kib`` KiB, in the shape meetbot writes (items, notes, people)."""
    lines = [f"# Community Call 2030-01-02 (version {version})", "", "## Attendees", ""]
    lines += [f"- Person {n} (@person{n})" for n in range(200)]
    lines += ["", "## Agenda and notes", ""]
    item = 0
    while sum(len(line) + 1 for line in lines) < kib * 1024:
        item += 1
        lines += [
            f"{item}. Item {item}: discuss the proposal on packaging channels, part {item}",
            f"   - Note: the group agreed to revisit item {item} next week with numbers.",
        ]
    lines += ["", f"Corrections: {version}", ""]
    return "\n".join(lines)


def git(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Maintainer", "-c", "user.email=maintainer@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def governance_repository(folder: Path, history: int) -> Path:
    """A bare repository whose main branch holds ``history`` past notes files of ~70 KB each."""
    remote = folder / "governance.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    seed = folder / "seed"
    git("clone", "--quiet", str(remote), str(seed))
    git("checkout", "--quiet", "-b", "main", cwd=seed)
    archive = seed / "meetings" / "archive"
    archive.mkdir(parents=True)
    (seed / "README.md").write_text("# Governance\n")
    for week in range(history):
        (archive / f"2029{week:04d}-community.md").write_text(notes_text(70, week))
    git("add", ".", cwd=seed)
    git("commit", "--quiet", "-m", "The archive so far", cwd=seed)
    git("push", "--quiet", "origin", "main", cwd=seed)
    return remote


def measure(repeats: int = 10, kib: int = 70, history: int = 200) -> list[Figure]:
    steps: dict[str, list[float]] = {"first": [], "later": [], "unchanged": []}
    with benchkit.temp_folder("publish") as folder:
        (folder / "gitconfig").write_text("")
        os.environ["GIT_CONFIG_GLOBAL"] = str(folder / "gitconfig")
        os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
        remote = governance_repository(folder, history)
        clone = folder / "state" / "clone"
        size = len(notes_text(kib, 1).encode())
        for meeting in range(repeats):
            branch, path = f"2030-01-{meeting + 1:02d}-meeting-notes", PATH.format(day=meeting)
            # The first meeting also makes the clone; later meetings reuse it, as the bot does.
            common = {"branch": branch, "base": None, "path": path, "author": AUTHOR}
            started = time.perf_counter()
            first = publish_file(
                clone, str(remote), content=notes_text(kib, 1), message="Add notes", **common
            )
            published = time.perf_counter()
            later = publish_file(
                clone,
                str(remote),
                content=notes_text(kib, 2),
                message="Update notes",
                previous=notes_text(kib, 1),
                **common,
            )
            corrected = time.perf_counter()
            same = publish_file(
                clone,
                str(remote),
                content=notes_text(kib, 2),
                message="Update notes",
                previous=notes_text(kib, 2),
                **common,
            )
            done = time.perf_counter()
            if first.sha is None or later.sha is None or same.sha is not None:
                raise RuntimeError(f"unexpected commits: {first}, {later}, {same}")
            if meeting == 0:
                clone_ms = (published - started) * 1000
            else:
                steps["first"].append(published - started)
            steps["later"].append(corrected - published)
            steps["unchanged"].append(done - corrected)
    ms = {name: [s * 1000 for s in samples] for name, samples in steps.items()}
    what = (
        f"{size / 1024:.0f} KiB notes file, local bare repository with {history} past notes "
        f"files; median of {len(ms['first'])}, max "
    )
    return [
        Figure(
            "publish: first, with the clone",
            clone_ms,
            "ms",
            detail="the very first publish clones the repository",
        ),
        Figure(
            "publish: first of a meeting",
            benchkit.median(ms["first"]),
            "ms",
            detail=what + f"{max(ms['first']):.0f} ms (new branch, commit, push)",
        ),
        Figure(
            "publish: a later correction",
            benchkit.median(ms["later"]),
            "ms",
            detail=f"median of {repeats}, max {max(ms['later']):.0f} ms "
            "(fetch, commit on top, push)",
        ),
        Figure(
            "publish: nothing new",
            benchkit.median(ms["unchanged"]),
            "ms",
            detail=f"median of {repeats}, max {max(ms['unchanged']):.0f} ms (fetch, no commit)",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--kib", type=int, default=70)
    parser.add_argument("--history", type=int, default=200)
    args = parser.parse_args()
    if args.repeats < 2:
        parser.error("--repeats must be at least 2 (the first publish also clones)")
    benchkit.print_table(measure(args.repeats, args.kib, args.history))
    return 0


if __name__ == "__main__":
    sys.exit(main())
