"""Every meetbot benchmark in one run, as one table: ``python bench/run.py`` from the repo root.

Takes about a minute on 2 cores. ``--only latency render`` runs some of them. Figures vary from
run to run and machine to machine; the table says which targets (issue 7) they meet.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

import benchkit
import footprint
import latency
import publish
import publish_latency
import punctuality
import render
import scale
import scale_reconcile
import scale_startup
import throughput
from benchkit import Figure

BENCHMARKS: dict[str, Callable[[], list[Figure]]] = {
    "throughput": throughput.measure,
    "latency": latency.measure,
    "render": render.measure,
    "punctuality": punctuality.measure,
    "footprint": footprint.measure,
    "publish": publish.measure,
    "publish_latency": publish_latency.measure,
    "scale": scale.measure,
    "scale_reconcile": scale_reconcile.measure,
    "scale_reconcile_2015": scale_reconcile.measure_begun_long_ago,
    "scale_startup": scale_startup.measure,
}


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS))
    args = parser.parse_args(argv)
    print(f"meetbot benchmarks: {benchkit.cpu_summary()}, {platform.machine()}", flush=True)
    # Other work on the machine moves every figure: say how busy it was.
    print(f"load average before: {_load()}", flush=True)
    figures: list[Figure] = []
    for name in args.only:
        started = time.monotonic()
        print(f"running {name} ...", end=" ", flush=True)
        figures += BENCHMARKS[name]()
        print(f"{time.monotonic() - started:.1f} s", flush=True)
    print(f"load average after: {_load()}\n")
    benchkit.print_table(figures)
    missed = [f.name for f in figures if f.met is False]
    print(f"\ntargets met: {sum(f.met is True for f in figures)}, missed: {len(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
