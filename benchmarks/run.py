"""The performance benchmark of issue 11: one command, every figure, side by side.

    .venv/bin/python benchmarks/run.py                 # the full run (several minutes)
    .venv/bin/python benchmarks/run.py --quick         # a smoke pass: tiny N, one run
    .venv/bin/python benchmarks/run.py --write         # and rewrite docs/performance.md

Every figure is a whole process (start-up included), started fresh, timed by wall clock, its
peak memory read by ``/usr/bin/time``; each figure is the median of several runs, the variants
of one comparison interleaved run by run. The groups (``--only``):

- ``batch``: ``scaffold batch --no-check`` against a raw Jinja2 loop (compile once, write
  atomically, one filesystem flush, renames, one fsync per folder), a ``copier.run_copy`` loop
  and a ``cookiecutter()`` loop, each in one process, on the same items; every form must
  write byte-identical files (else the figures are void: exit 1, nothing written); and, in
  runs of their own, the peak memory of all the processes of each at the largest N;
- ``startup``: ``scaffold --help`` and ``scaffold list`` against ``copier --version``;
- ``checks``: ``scaffold check`` in a ``crud-endpoint`` batch against ``python -m compileall``
  then ``pytest`` run by hand over the same files, on two cores and on one;
- ``dry-run``: ``scaffold batch --dry-run`` of ``crud-endpoint`` items on a pseudo-terminal
  against the same with ``--json``.

It prints the table (what, N, scaffold, reference, ratio, target, met?); ``--write`` puts it,
with the machine and the date, in docs/performance.md between its two markers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from groups import (
    COPIER,
    SCAFFOLD,
    Bench,
    batch_rows,
    checks_rows,
    dry_run_rows,
    log,
    startup_rows,
)
from measure import BenchmarkError
from table import Row, rewrite, section, verdicts
from table import markdown as table_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
GROUPS = ("batch", "startup", "checks", "dry-run")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="scaffold-bench-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(work, args.runs, args.startup_runs)
    started, load = time.perf_counter(), ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rows: list[Row] = []
    groups: dict[str, Callable[[], list[Row]]] = {
        "batch": lambda: batch_rows(bench, args.sizes, args.copier_max),
        "startup": lambda: startup_rows(bench),
        "checks": lambda: checks_rows(bench, args.check_items),
        "dry-run": lambda: dry_run_rows(bench, args.dry_run_items),
    }
    failed = []
    try:
        if not args.quick:
            _warm_up(bench)
        for name in [group for group in GROUPS if group in args.only]:
            try:
                rows += groups[name]()
            except BenchmarkError as exc:  # the other groups still run; nothing is written
                failed.append(f"{name}: {exc}")
                log(f"benchmark group {name} failed: {exc}")
    except BenchmarkError as exc:
        print(f"benchmark failed before measuring: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    took = time.perf_counter() - started
    print(table_markdown(rows))
    print()
    print(*verdicts(rows), sep="\n")
    if bench.identical:
        print(f"byte-identical outputs: {'; '.join(bench.identical)}")
    print(f"took {took:.0f} s")
    if failed:
        print("benchmark failed (its figures are void, nothing written):", *failed, sep="\n")
        return 1
    if args.write:
        runs = (
            f"Each figure is the median of {args.runs} runs "
            f"({args.startup_runs} for start-up), interleaved"
        )
        command = " ".join([".venv/bin/python benchmarks/run.py", *(argv or sys.argv[1:])])
        rewrite(args.write, section(rows, command=command, runs=runs, took=took, load=load))
        print(f"wrote {args.write}")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time scaffold against the raw Jinja2 limit, Copier and Cookiecutter.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke pass: N = 2 and 20 (the loops at 2 only), one run, one check "
        "item, 20 dry-run items (the options below still override it)",
    )
    parser.add_argument("--sizes", type=_sizes, help="batch sizes (default 100,1000,10000)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3)")
    parser.add_argument("--startup-runs", type=int, help="runs per start-up figure (default 7)")
    parser.add_argument(
        "--copier-max",
        type=int,
        help="largest N for the Copier and Cookiecutter loops (default 1000)",
    )
    parser.add_argument("--check-items", type=int, help="crud-endpoint items checked (50)")
    parser.add_argument("--dry-run-items", type=int, help="crud-endpoint items (1000)")
    parser.add_argument(
        "--only",
        type=lambda text: text.split(","),
        default=list(GROUPS),
        help=f"groups to run, comma-separated: {','.join(GROUPS)}",
    )
    parser.add_argument("--workdir", help="where to work (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--write",
        nargs="?",
        type=Path,
        const=DOC,
        help="rewrite the marked section of this page (docs/performance.md)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(GROUPS)
    if unknown:
        parser.error(f"--only: no group {', '.join(sorted(unknown))}; groups: {GROUPS}")
    quick = args.quick
    defaults = {
        "sizes": [2, 20] if quick else [100, 1_000, 10_000],
        "copier_max": 2 if quick else 1_000,
        "runs": 1 if quick else 3,
        "startup_runs": 1 if quick else 7,
        "check_items": 1 if quick else 50,
        "dry_run_items": 20 if quick else 1_000,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def _sizes(text: str) -> list[int]:
    return sorted({int(part.replace("_", "")) for part in text.split(",")})


def _warm_up(bench: Bench) -> None:
    """Unmeasured: let every interpreter compile its bytecode before the first figure."""
    here = bench.folder("warm-up")
    bench.run([SCAFFOLD, "--help"], here)
    bench.run([COPIER, "--version"], here)
    bench.run([sys.executable, "-c", "import jinja2, copier, cookiecutter.main"], here)


if __name__ == "__main__":
    sys.exit(main())
