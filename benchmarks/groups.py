"""The benchmark's groups of figures (batch, start-up, checks, dry run): each runs its
commands through ``Bench`` (interleaved runs, medians) and returns its rows of the table."""

from __future__ import annotations

import os
import shlex
import shutil
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from fixtures import ROUTER_LINES, make_templates, write_crud_items, write_router_items
from measure import BenchmarkError, Sample, run_once
from table import Row, Target, X

BIN = Path(sys.executable).parent
SCAFFOLD, COPIER = BIN / "scaffold", BIN / "copier"

Variant = Callable[[int], Sample]  # run number → one measured run (it prepares its folder)


class Bench:
    """The working folder, the measured processes' environment, and the runs."""

    def __init__(self, work: Path, runs: int, startup_runs: int) -> None:
        self.work, self.runs, self.startup_runs = work, runs, startup_runs
        self.cores = sorted(os.sched_getaffinity(0))
        env = dict(os.environ)
        for name in ("SCAFFOLD_PATH", "NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"):
            env.pop(name, None)
        env.pop("VIRTUAL_ENV", None)
        (work / "copier-settings.yml").write_text("{}\n")
        env.update(
            SCAFFOLD_SETTINGS=str(work / "no-scaffold-settings.yaml"),
            COPIER_SETTINGS_PATH=str(work / "copier-settings.yml"),
            TERM="xterm-256color",
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        )
        self.env = env
        self.identical: list[str] = []

    def folder(self, *parts: str) -> Path:
        """An empty folder under the working folder."""
        path = self.work.joinpath(*parts)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def run(
        self,
        command: list[str | Path],
        cwd: Path | None = None,
        terminal: bool = False,
        cores: frozenset[int] | None = None,
        sample_memory: bool = False,
    ) -> Sample:
        return run_once(
            command,
            cwd=cwd or self.work,
            env=self.env,
            terminal=terminal,
            cores=cores,
            sample_memory=sample_memory,
            scratch=self.work,
        )

    def interleave(
        self,
        label: str,
        variants: dict[str, Variant],
        runs: int,
        after_run: Callable[[int], None] | None = None,
    ) -> dict[str, tuple[float, float]]:
        """Run every variant ``runs`` times, alternating their order run by run; the median
        seconds and median peak MB of each."""
        samples: dict[str, list[Sample]] = {name: [] for name in variants}
        for number in range(runs):
            order = list(variants) if number % 2 == 0 else list(reversed(variants))
            for name in order:
                sample = variants[name](number)
                samples[name].append(sample)
                log(
                    f"{label}, run {number + 1}/{runs}: {name} {sample.seconds:.2f} s, "
                    f"{sample.peak_mb:.0f} MB, {sample.output_bytes / 1024:.0f} KB of output"
                )
            if after_run:
                after_run(number)
        return {
            name: (
                statistics.median(s.seconds for s in found),
                statistics.median(s.peak_mb for s in found),
            )
            for name, found in samples.items()
        }


def batch_rows(bench: Bench, sizes: list[int], copier_max: int) -> list[Row]:
    templates = make_templates(bench.folder("templates"))
    rows, by_size = [], {}
    for n in sizes:
        medians = batch_medians(bench, templates, n, with_loops=n <= copier_max)
        by_size[n] = medians["scaffold"]
        what = "`scaffold batch --no-check` vs"
        rows.append(
            _row(
                medians,
                "raw loop",
                f"{what} a raw Jinja2 loop (atomic writes, one flush)",
                n,
                _at(n, (1_000, 10_000), 1.5),
            )
        )
        if n <= copier_max:
            rows.append(
                _row(medians, "copier loop", f"{what} a `copier.run_copy` loop", n, _faster(n, 30))
            )
            rows.append(
                _row(
                    medians,
                    "cookiecutter loop",
                    f"{what} a `cookiecutter()` loop",
                    n,
                    _faster(n, 5),
                )
            )
            rows.append(
                _row(
                    medians,
                    "copier loop",
                    "`scaffold batch --no-check`, Copier template, vs a `copier.run_copy` loop",
                    n,
                    None,
                    scaffold="scaffold, copier template",
                )
            )
    big = sizes[-1]
    rows.append(memory_row(bench, templates, big))
    if len(sizes) >= 2:
        small = sizes[-2]
        rows.append(
            Row(
                f"`scaffold batch --no-check` at {big:,} items vs at {small:,}",
                f"{big:,} / {small:,}",
                by_size[big][0],
                by_size[small][0],
                Target(f"≤ 11{X}", 11) if (small, big) == (1_000, 10_000) else None,
                scaffold_mb=by_size[big][1],
                reference_mb=by_size[small][1],
            )
        )
    return rows


def memory_row(bench: Bench, templates: dict[str, Path], n: int) -> Row:
    """Peak memory of the whole process tree (scaffold renders in worker processes: their
    memory adds up), from runs of their own, since sampling it costs CPU."""
    loops = templates["raw"].parent / "loops"
    items = write_router_items(loops, templates, n)
    commands: dict[str, list[str | Path]] = {
        "scaffold": [SCAFFOLD, "batch", items["native"], "--no-check", "--out"],
        "raw loop": [sys.executable, loops / "raw.py", templates["raw"]],
    }
    peaks = {}
    for name, command in commands.items():
        out = bench.folder("out", f"memory-{name.replace(' ', '-')}")
        tail = [out] if command[-1] == "--out" else [out, items["json"]]
        sample = bench.run([*command, *tail], sample_memory=True)
        assert sample.tree_mb is not None
        peaks[name] = sample.tree_mb
        log(f"memory N={n:,}: {name} peaks at {sample.tree_mb:.0f} MB (all its processes)")
        shutil.rmtree(out)
    return Row(
        "peak memory of `scaffold batch --no-check`, all its processes, vs the raw loop",
        f"{n:,}",
        peaks["scaffold"],
        peaks["raw loop"],
        Target("< 300 MB", 300, on_ratio=False, strict=True) if n == 10_000 else None,
        unit="MB",
    )


def batch_medians(
    bench: Bench, templates: dict[str, Path], n: int, with_loops: bool
) -> dict[str, tuple[float, float]]:
    """``scaffold batch --no-check`` and the loops on the same N router items, interleaved;
    after the first run, every form's files must be byte-identical."""
    loops, python = templates["raw"].parent / "loops", sys.executable
    items = write_router_items(loops, templates, n)
    forms: dict[str, list[str | Path]] = {
        "scaffold": [SCAFFOLD, "batch", items["native"], "--no-check", "--out"],
        "raw loop": [python, loops / "raw.py", templates["raw"]],
    }
    if with_loops:
        forms["copier loop"] = [python, loops / "copier_loop.py", templates["copier"]]
        forms["cookiecutter loop"] = [
            python,
            loops / "cookiecutter_loop.py",
            templates["cookiecutter"],
        ]
        forms["scaffold, copier template"] = [
            SCAFFOLD,
            "batch",
            items["copier"],
            "--no-check",
            "--out",
        ]

    def out(name: str, number: int) -> Path:
        slug = "".join(char if char.isalnum() else "-" for char in name)
        return bench.work / "out" / f"{slug}-{n}-{number}"

    def variant(name: str) -> Variant:
        def measured(number: int) -> Sample:
            folder = bench.folder(*out(name, number).relative_to(bench.work).parts)
            tail = [folder] if forms[name][-1] == "--out" else [folder, items["json"]]
            return bench.run([*forms[name], *tail])

        return measured

    def check_and_clear(number: int) -> None:
        outs = {name: out(name, number) for name in forms}
        if number == 0:
            same_files(outs, n)
            bench.identical.append(f"N = {n:,}: {len(outs)} forms")
        for folder in outs.values():
            shutil.rmtree(folder)

    return bench.interleave(
        f"batch N={n:,}", {name: variant(name) for name in forms}, bench.runs, check_and_clear
    )


def startup_rows(bench: Bench) -> list[Row]:
    here = bench.folder("startup")
    commands: dict[str, list[str | Path]] = {
        "scaffold --help": [SCAFFOLD, "--help"],
        "scaffold list": [SCAFFOLD, "list"],
        "copier --version": [COPIER, "--version"],
    }

    def variant(command: list[str | Path]) -> Variant:
        return lambda _: bench.run(command, here)

    medians = bench.interleave(
        "start-up",
        {name: variant(command) for name, command in commands.items()},
        bench.startup_runs,
    )
    return [
        _row(
            medians,
            "copier --version",
            "`scaffold --help` vs `copier --version`",
            None,
            Target(f"≤ 0.5{X}", 0.5),
            scaffold="scaffold --help",
        ),
        _row(
            medians,
            "copier --version",
            "`scaffold list` vs `copier --version`",
            None,
            None,
            scaffold="scaffold list",
        ),
    ]


def checks_rows(bench: Bench, n: int) -> list[Row]:
    batch = bench.folder("checks")
    items = write_crud_items(bench.folder("checks-items"), n)
    bench.run([SCAFFOLD, "batch", items, "--out", batch, "--no-check"])
    python = shlex.quote(sys.executable)
    by_hand = f"{python} -m compileall -q app tests && {python} -m pytest -q tests"
    commands: dict[str, list[str | Path]] = {
        "scaffold": [SCAFFOLD, "check", "--out", batch, "--python", sys.executable],
        "by hand": ["sh", "-c", by_hand],
    }
    rows = []
    for count, limit in ((2, 0.7), (1, 1.3)):  # the targets of issue 11, at N = 50
        cores = frozenset(bench.cores[:count])

        def variant(command: list[str | Path], cores: frozenset[int] = cores) -> Variant:
            def measured(_: int) -> Sample:
                _clear_caches(batch)  # every run compiles and collects from scratch
                return bench.run(command, batch, cores=cores)

            return measured

        label = f"{len(cores)} core{'s' if len(cores) > 1 else ''}"
        medians = bench.interleave(
            f"checks, {label}",
            {name: variant(command) for name, command in commands.items()},
            bench.runs,
        )
        target = Target(f"≤ {limit}{X}", limit) if (n, len(cores)) == (50, count) else None
        rows.append(
            _row(
                medians,
                "by hand",
                f"`scaffold check` vs `compileall` + `pytest` by hand, {label}",
                n,
                target,
            )
        )
    return rows


def dry_run_rows(bench: Bench, n: int) -> list[Row]:
    items = write_crud_items(bench.folder("dry-run-items"), n)

    def variant(json: bool) -> Variant:
        def measured(number: int) -> Sample:
            out = bench.folder("dry-run", f"{'json' if json else 'terminal'}-{number}")
            command: list[str | Path] = [SCAFFOLD, "batch", items, "--out", out, "--dry-run"]
            sample = bench.run([*command, "--json"] if json else command, terminal=not json)
            if any(out.iterdir()):
                raise BenchmarkError(f"--dry-run wrote into {out}")
            return sample

        return measured

    medians = bench.interleave(
        f"dry-run N={n:,}", {"terminal": variant(False), "json": variant(True)}, bench.runs
    )
    return [
        _row(
            medians,
            "json",
            "`scaffold batch --dry-run` on a terminal vs with `--json`",
            n,
            _at(n, (1_000,), 1.5),
            scaffold="terminal",
        )
    ]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".scaffold" not in path.relative_to(root).parts
    }


def same_files(outs: dict[str, Path], n: int) -> None:
    """Every form wrote the same N files, byte for byte; else the figures are void."""
    trees = {name: _tree(out) for name, out in outs.items()}
    first, expected = next(iter(trees.items()))
    if len(expected) != n:
        raise BenchmarkError(f"{first} wrote {len(expected)} files, not {n}")
    for path, data in expected.items():
        lines = data.count(b"\n")
        if lines != ROUTER_LINES:
            raise BenchmarkError(f"{first}: {path} has {lines} lines, not {ROUTER_LINES}")
    for name, tree in trees.items():
        if tree != expected:
            differ = sorted(set(tree) ^ set(expected)) or [
                path for path in sorted(tree) if tree[path] != expected[path]
            ]
            raise BenchmarkError(
                f"not byte-identical: {name} and {first} differ at N = {n:,}, first at "
                f"{differ[0]} ({outs[name]} vs {outs[first]})"
            )
    log(f"byte-identical: {n:,} files from {', '.join(trees)}")


def _clear_caches(folder: Path) -> None:
    for cache in [*folder.rglob("__pycache__"), *folder.rglob(".pytest_cache")]:
        shutil.rmtree(cache, ignore_errors=True)


def _row(
    medians: dict[str, tuple[float, float]],
    reference: str,
    what: str,
    n: int | None,
    target: Target | None,
    scaffold: str = "scaffold",
) -> Row:
    (ours, ours_mb), (theirs, theirs_mb) = medians[scaffold], medians[reference]
    shown = "—" if n is None else f"{n:,}"
    return Row(what, shown, ours, theirs, target, scaffold_mb=ours_mb, reference_mb=theirs_mb)


def _at(n: int, sizes: tuple[int, ...], limit: float) -> Target | None:
    return Target(f"≤ {limit}{X}", limit) if n in sizes else None


def _faster(n: int, times: int) -> Target | None:
    return Target(f"≤ {1 / times:.3f}{X} ({times}{X} faster)", 1 / times) if n == 1_000 else None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
