"""Large runs stay readable: past 50 files a table per folder (every line with -v, all of
it in --json), a dry run draws a few diffs (every one with --diff), conflicts always one by
one; and a progress bar for every slow stage — rendering, writing, the checks.

Real ``scaffold`` processes, on a terminal (rich told it is one: ``TTY_COMPATIBLE=1``) and in
a pipe, over a small blueprint made in ``tmp_path``; the progress events through the library.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

import scaffolder
from scaffolder import api
from scaffolder.cli.changes_output import DIFFS_SHOWN, FILE_LINES
from scaffolder.progress import Stage, StageProgress
from tests.conftest import build_file_tree, snapshot
from tests.e2e_helpers import Result, no_traceback, run
from tests.test_cli import assert_report, statuses

ITEMS = 300  # two files each: 600 files, far past the threshold
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def names(count: int, start: int = 0) -> list[str]:
    return [f"n{number:03d}" for number in range(start, start + count)]


@pytest.fixture
def blueprint(tmp_path: Path) -> Path:
    """Two files per item in two folders, and two checks that run in-process."""
    root = tmp_path / "note"
    manifest = {
        "name": "note",
        "description": "a note and its data",
        "variables": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}},
        },
        "checks": ["yaml", "json"],
    }
    return build_file_tree(
        root,
        {
            "blueprint.yaml": yaml.safe_dump(manifest, sort_keys=False),
            "template/notes/{{ name }}.yaml.jinja": "name: {{ name }}\nkind: note\n",
            "template/data/{{ name }}.json.jinja": '{"name": "{{ name }}"}\n',
        },
    )


def items_file(tmp_path: Path, blueprint: Path, resources: Sequence[str]) -> Path:
    path = tmp_path / f"items-{len(resources)}.yaml"
    items = [{"name": name} for name in resources]
    path.write_text(yaml.safe_dump({"blueprint": str(blueprint), "items": items}))
    return path


def on_terminal(args: Sequence[str], cwd: Path) -> Result:
    """``scaffold ARGS`` with rich told its output is a terminal (no colours: NO_COLOR), the
    cursor codes of its progress bars taken out and each redraw on a line of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TTY_COMPATIBLE", "1")  # the e2e helpers pass the environment on
        result = run(args, cwd)
    stdout = ANSI.sub("", result.stdout).replace("\r", "\n")
    return Result(result.args, result.returncode, stdout, result.stderr)


def folder_rows(stdout: str) -> dict[str, list[str]]:
    """The rows of the table per folder: ``{folder: [counts…]}``."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("files by folder"))
    rows = {}
    for line in lines[start + 4 :]:
        cells = line.split()
        if not cells:
            break
        rows[cells[0]] = cells[1:]
    return rows


def headers(stdout: str) -> list[str]:
    """The files whose diff is drawn, in order."""
    return re.findall(r"^\+\+\+ b/(\S+)$", stdout, re.MULTILINE)


def test_a_large_batch_shows_a_table_per_folder_and_a_bar_per_stage(
    tmp_path: Path, blueprint: Path
) -> None:
    items = items_file(tmp_path, blueprint, names(ITEMS))

    result = on_terminal(["batch", str(items), "--out", "out", "--jobs", "1"], tmp_path)

    assert result.returncode == 0, result.output
    assert statuses(result.stdout) == {}  # not a line per file
    assert f"files by folder ({2 * ITEMS:,}; -v lists each one)" in result.stdout
    assert folder_rows(result.stdout) == {"data/": [str(ITEMS)], "notes/": [str(ITEMS)]}
    assert f"done: {2 * ITEMS} created" in result.stdout
    # a bar for each stage, ending full: items rendered, files written, checks run
    bars = result.stdout.splitlines()
    assert any(re.match(rf"rendering note .* {ITEMS}/{ITEMS} items", b) for b in bars), bars
    written = len([p for p, content in snapshot(tmp_path / "out").items() if content is not None])
    assert any(re.match(rf"writing .* {written}/{written} files", b) for b in bars)
    assert any(re.match(r"checking .* 2/2 checks", b) for b in bars)
    # the same run in a pipe: the table too, and the plain progress lines of old
    piped = run(["batch", str(items), "--out", "piped", "--jobs", "1"], tmp_path)
    assert piped.returncode == 0, piped.output
    assert statuses(piped.stdout) == {}
    assert folder_rows(piped.stdout) == folder_rows(result.stdout)
    assert f"note: batch 50/50, {ITEMS} items, {2 * ITEMS} files" in piped.stdout
    assert "rendering" not in piped.stdout and "writing" not in piped.stdout
    no_traceback(result, piped)


def test_verbose_lists_every_file_and_json_has_them_all(tmp_path: Path, blueprint: Path) -> None:
    items = items_file(tmp_path, blueprint, names(ITEMS))
    expected = {f"{folder}/{name}.{ext}" for name in names(ITEMS) for folder, ext in
                (("notes", "yaml"), ("data", "json"))}  # fmt: skip

    # -v after the command, or before it (the global option); a batch's identical files too
    for verbose, status in (
        (["batch", str(items), "-v"], "create"),
        (["-v", "batch", str(items)], "identical"),
    ):
        listed = on_terminal([*verbose, "--out", "out", "--no-check"], tmp_path)
        assert listed.returncode == 0, listed.output
        assert statuses(listed.stdout) == dict.fromkeys(expected, status)
        assert "files by folder" not in listed.stdout

    as_json = run(["batch", str(items), "--out", "fresh", "--json", "--dry-run"], tmp_path)
    assert as_json.returncode == 0, as_json.output
    data = json.loads(as_json.stdout)  # nothing but the report: no bar, no table
    assert_report(data)
    assert {f["path"]: f["status"] for f in data["files"]} == dict.fromkeys(expected, "create")
    assert all(f["diff"].startswith("--- /dev/null\n") for f in data["files"])
    assert data["counts"]["create"] == 2 * ITEMS
    # on a terminal too: --json prints the report and nothing else
    on_tty = json.loads(on_terminal(as_json.args, tmp_path).stdout)
    assert on_tty["files"] == data["files"]


def test_a_large_dry_run_draws_a_few_diffs_and_diff_draws_them_all(
    tmp_path: Path, blueprint: Path
) -> None:
    items = items_file(tmp_path, blueprint, names(ITEMS))
    args = ["batch", str(items), "--out", "out", "--dry-run"]

    few = on_terminal(args, tmp_path)

    assert few.returncode == 0, few.output
    every = sorted(f"{folder}/{name}.{ext}" for name in names(ITEMS) for folder, ext in
                   (("notes", "yaml"), ("data", "json")))  # fmt: skip
    assert headers(few.stdout) == every[:DIFFS_SHOWN]  # the first ones, whole
    assert "+name: n000" not in few.stdout and '+{"name": "n000"}' in few.stdout
    rest = 2 * ITEMS - DIFFS_SHOWN
    assert f"… and {rest} more files with a diff: use --diff to see every diff" in few.stdout
    assert f"dry run: {2 * ITEMS} to create; nothing was written" in few.stdout

    full = on_terminal([*args, "--diff"], tmp_path)
    assert full.returncode == 0, full.output
    assert headers(full.stdout) == every
    assert "+name: n299\n+kind: note\n" in full.stdout
    assert "more files with a diff" not in full.stdout
    assert headers(run([*args, "--diff"], tmp_path).stdout) == every  # in a pipe too

    alone = run(["batch", str(items), "--out", "out", "--diff"], tmp_path)
    assert alone.returncode == 2
    assert "--diff draws the diffs of a dry run: add --dry-run" in alone.stderr
    assert not (tmp_path / "out").exists()
    no_traceback(few, full, alone)


def test_a_small_run_still_lists_every_file_and_every_diff(tmp_path: Path, blueprint: Path) -> None:
    count = FILE_LINES // 2  # two files each: FILE_LINES files, at the threshold
    items = items_file(tmp_path, blueprint, names(count))

    result = on_terminal(["batch", str(items), "--out", "out", "--dry-run"], tmp_path)

    assert result.returncode == 0, result.output
    assert len(statuses(result.stdout)) == FILE_LINES
    assert len(headers(result.stdout)) == FILE_LINES
    assert "files by folder" not in result.stdout and "more files" not in result.stdout


def test_conflicts_are_listed_one_by_one_in_a_large_run(tmp_path: Path, blueprint: Path) -> None:
    first = run(["batch", str(items_file(tmp_path, blueprint, names(ITEMS))), "--out", "out"],
                tmp_path)  # fmt: skip
    assert first.returncode == 0, first.output
    edited = [f"notes/{name}.yaml" for name in names(60, start=100)]
    for path in edited:
        (tmp_path / "out" / path).write_text("mine\n")
    before = snapshot(tmp_path / "out")
    more = items_file(tmp_path, blueprint, names(ITEMS + 100))  # 200 files to create too

    for extra in ([], ["--dry-run"]):
        result = on_terminal(["batch", str(more), "--out", "out", *extra], tmp_path)

        assert result.returncode == 1, result.output
        assert statuses(result.stdout) == dict.fromkeys(edited, "conflict")  # each, only them
        rows = folder_rows(result.stdout)
        assert rows["notes/"] == ["100", str(ITEMS - 60), "60"]  # create, identical, conflict
        assert rows["data/"] == ["100", str(ITEMS), "0"]
        assert (
            "60 existing files differ from what the blueprint renders (each one is listed "
            "above as `conflict`; notes/n100.yaml, notes/n101.yaml, notes/n102.yaml, …)"
        ) in result.stdout
        assert snapshot(tmp_path / "out") == before
    # the diffs a dry run draws are the conflicts' first: they are what needs a decision
    assert headers(result.stdout) == edited[:DIFFS_SHOWN]
    assert "-mine\n+name: n100\n" in result.stdout


def test_undo_of_a_large_run_summarises_and_diff_draws_every_deletion(
    tmp_path: Path, blueprint: Path
) -> None:
    items = items_file(tmp_path, blueprint, names(ITEMS))
    assert run(["batch", str(items), "--out", "out", "--no-check"], tmp_path).returncode == 0
    before = snapshot(tmp_path / "out")

    few = on_terminal(["undo", "--out", "out", "--dry-run"], tmp_path)
    full = on_terminal(["undo", "--out", "out", "--dry-run", "--diff"], tmp_path)

    assert few.returncode == 0 and full.returncode == 0, few.output + full.output
    assert folder_rows(few.stdout)["data/"] == [str(ITEMS)]  # to delete
    assert "to delete" in few.stdout and statuses(few.stdout) == {}
    deleted = re.findall(r"^--- a/((?:notes|data)/\S+)$", full.stdout, re.MULTILINE)
    assert len(deleted) == 2 * ITEMS
    shown = re.findall(r"^--- a/((?:notes|data)/\S+)$", few.stdout, re.MULTILINE)
    assert shown == deleted[:DIFFS_SHOWN]
    assert f"… and {2 * ITEMS - DIFFS_SHOWN} more files with a diff" in few.stdout
    assert snapshot(tmp_path / "out") == before


def test_progress_events_of_every_stage_through_the_library(
    tmp_path: Path, blueprint: Path
) -> None:
    count = 250
    events: list[StageProgress] = []
    items = items_file(tmp_path, blueprint, names(count))

    report = scaffolder.run(items, out=tmp_path / "out", jobs=1, progress=events.append)

    assert report.exit_code == 0
    by_stage = {stage: [e for e in events if e.stage is stage] for stage in Stage}
    # in order: rendering, then writing, then the checks
    assert [e.stage for e in events] == sorted((e.stage for e in events), key=list(Stage).index)
    rendering = by_stage[Stage.RENDERING]
    assert {(e.total, e.label) for e in rendering} == {(count, "note")}
    assert [e.done for e in rendering] == sorted(e.done for e in rendering)
    assert (rendering[0].done, rendering[-1].done) == (0, count)
    writing = by_stage[Stage.WRITING]
    files = [p for p, content in snapshot(tmp_path / "out").items() if content is not None]
    assert {e.total for e in writing} == {len(files)}  # the files and the run's own records
    assert (writing[0].done, writing[-1].done) == (0, len(files))
    assert len(writing) <= len(files) // 100 + 2  # told in chunks, not per file
    checking = by_stage[Stage.CHECKING]
    assert {e.total for e in checking} == {2}
    assert len(checking) == 4  # each check: started, finished
    assert sorted(e.done for e in checking)[-1] == 2 and checking[-1].finished
    assert {e.label for e in checking} == {"note: yaml", "note: json"}

    # a dry run renders, and writes and checks nothing
    events.clear()
    scaffolder.run(items, out=tmp_path / "dry", dry_run=True, progress=events.append)
    assert {e.stage for e in events} == {Stage.RENDERING}
    # an undo writes (its records) and removes the files
    events.clear()
    undone = api.undo(tmp_path / "out", progress=events.append)
    assert undone.exit_code == 0 and {e.stage for e in events} == {Stage.WRITING}
    assert events[-1].finished


def test_progress_events_of_a_single_render(tmp_path: Path, blueprint: Path) -> None:
    events: list[StageProgress] = []
    report = scaffolder.new(
        str(blueprint), {"name": "solo"}, out=tmp_path / "out", progress=events.append
    )
    assert report.exit_code == 0
    rendering = [(e.done, e.total) for e in events if e.stage is Stage.RENDERING]
    assert rendering == [(0, 1), (1, 1)]
    assert [e for e in events if e.stage is Stage.CHECKING][-1].done == 2
    assert os.path.isfile(tmp_path / "out" / "notes" / "solo.yaml")


def test_many_folders_are_counted_a_level_up(tmp_path: Path) -> None:
    """A folder per item: 100 folders (past 30) are counted a level up, with the files of
    ``pages/`` itself, in one row: ``pages/…``."""
    root = build_file_tree(
        tmp_path / "page",
        {
            "blueprint.yaml": yaml.safe_dump(
                {
                    "name": "page",
                    "description": "a page in a folder of its own",
                    "variables": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}},
                    },
                }
            ),
            "template/pages/{{ name }}/index.md.jinja": "# {{ name }}\n",
            "template/pages/{{ name }}.md.jinja": "see {{ name }}/\n",
        },
    )
    items = items_file(tmp_path, root, names(100))

    result = run(["batch", str(items), "--out", "out", "--dry-run"], tmp_path)

    assert result.returncode == 0, result.output
    assert folder_rows(result.stdout) == {"pages/…": ["200"]}
