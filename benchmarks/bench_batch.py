"""Benchmark: a batch of 1,000 crud-endpoint items, rendered and committed (no checks).

    python benchmarks/bench_batch.py [--items 1000] [--jobs N ...] [--with-checks]

Prints items/s for each number of jobs, and the figures as ratios measured in
this one run (the speed-up of N jobs over one, and a re-run where every file is
identical over the first run). Absolute numbers depend on the machine; ratios
taken in one run are what to compare.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml

import scaffolder


def write_items(folder: Path, count: int) -> Path:
    items = [
        {
            "resource": f"resource_{n:04d}",
            "fields": [
                {"name": "name", "type": "str"},
                {"name": "size", "type": "int"},
                {"name": "price", "type": "float", "required": False},
                {"name": "active", "type": "bool"},
            ],
        }
        for n in range(count)
    ]
    path = folder / "items.yaml"
    path.write_text(yaml.safe_dump({"blueprint": "crud-endpoint", "items": items}))
    return path


def timed(
    items_file: Path, out: Path, jobs: int, check: bool = False
) -> tuple[float, scaffolder.Report]:
    started = time.perf_counter()
    report = scaffolder.run(items_file, out=out, jobs=jobs, check=check)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument(
        "--with-checks",
        action="store_true",
        help="also time a run with the blueprint's checks (it runs every generated test)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        items_file = write_items(folder, args.items)
        results = {}
        for jobs in args.jobs:
            seconds, report = timed(items_file, folder / f"out-{jobs}", jobs)
            assert report.exit_code == 0
            files = len(report.files)
            results[jobs] = seconds
            print(
                f"jobs={jobs}: {args.items} items, {files} files in {seconds:.2f}s "
                f"= {args.items / seconds:.0f} items/s"
            )
        first = args.jobs[0]
        rerun, report = timed(items_file, folder / f"out-{first}", first)
        assert {f.status for f in report.files} == {scaffolder.FileStatus.IDENTICAL}
        print(
            f"re-run, all identical (jobs={first}): {rerun:.2f}s = {args.items / rerun:.0f} items/s"
        )
        for jobs in args.jobs[1:]:
            print(f"ratio: jobs={jobs} is {results[first] / results[jobs]:.2f}x jobs={first}")
        print(
            f"ratio: identical re-run is {results[first] / rerun:.2f}x the first run (jobs={first})"
        )
        if args.with_checks:
            checked, report = timed(items_file, folder / "out-checked", first, check=True)
            assert report.exit_code == 0, [c.problems for c in report.checks]
            processes = sum(c.processes for c in report.checks)
            print(f"with checks (jobs={first}): {checked:.2f}s, {processes} check processes")
            print(f"ratio: with checks is {checked / results[first]:.2f}x without (jobs={first})")


if __name__ == "__main__":
    main()
