"""The history of the runs: what a run keeps, when it keeps nothing, and `scaffold history`.

A run that changes something writes, in its own transaction, an entry
(`.scaffold/history/<number>-<id>.json`: id, UTC time, blueprints, items, its record, each
file's action and its before and after, sha256 and mode) and a pack of those contents, each
once, one zlib stream. A run that changes nothing writes nothing (guarantee 4 holds, byte for
byte); a run that conflicts, or whose checks fail and roll it back, leaves no history.
`base_of` is what the newest run left in a file (the base a native update merges against),
`recorded_phases` the record a run wrote. `scaffold history` lists the runs, newest first,
as a table or `--json`; a corrupt entry or pack is a clear error naming the file.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import zlib
from pathlib import Path

import pytest

import scaffolder
from scaffolder import ConflictPolicy, FileStatus
from scaffolder.api import history, undo
from scaffolder.blueprint import Blueprint
from scaffolder.errors import ConfinementError
from scaffolder.history import base_of, read_history, recorded_phases
from scaffolder.paths import confine
from tests.conftest import MakeBlueprint, snapshot
from tests.e2e_helpers import Result, no_traceback, run

HISTORY = Path(".scaffold/history")


@pytest.fixture
def blueprint(make_blueprint: MakeBlueprint) -> Blueprint:
    """Two files with the same bytes (stored once), one executable, one named by the item."""
    made = make_blueprint(
        {
            "main.py.jinja": "NAME = {{ name | tojson }}\n",
            "a/same.txt": "the same bytes\n",
            "b/same.txt": "the same bytes\n",
            "run.sh": "#!/bin/sh\necho hi\n",
        }
    )
    (made.root / "template/run.sh").chmod(0o755)
    return made


def entry_files(out: Path) -> list[str]:
    return sorted(p.name for p in (out / HISTORY).iterdir())


def test_a_run_keeps_an_entry_and_a_pack_of_every_content_once(
    blueprint: Blueprint, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    report = scaffolder.new(blueprint, {"name": "alpha"}, out=out)
    ended = datetime.datetime.now(datetime.UTC)
    assert report.exit_code == 0

    (run,) = read_history(out)
    name = f"000001-{run.id}"
    assert entry_files(out) == [f"{name}.json", f"{name}.pack"]
    entry = json.loads((out / HISTORY / f"{name}.json").read_text())
    assert entry["version"] == 1 and entry["number"] == 1 and len(entry["id"]) == 8
    when = datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert started <= when.replace(tzinfo=datetime.UTC) <= ended
    assert entry["blueprints"] == ["demo"]
    assert entry["items"] == [{"index": 1, "name": "alpha", "blueprint": "demo", "phase": None}]
    record = (out / ".scaffold/last-run.json").read_bytes()
    assert entry["record"] == hashlib.sha256(record).hexdigest()

    files = {f["path"]: f for f in entry["files"]}
    assert set(files) == {"main.py", "a/same.txt", "b/same.txt", "run.sh",
                          ".scaffold/last-run.json"}  # fmt: skip
    for path, change in files.items():
        content = (out / path).read_bytes()
        assert change["action"] == "create" and change["before"] is None
        assert change["after"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert files["run.sh"]["after"]["mode"] == 0o755
    assert files["main.py"]["after"]["mode"] == 0o644

    # the pack: every content the entry names, each once (the two same.txt share one)
    pack = zlib.decompress((out / HISTORY / f"{name}.pack").read_bytes())
    assert len(entry["contents"]) == 4
    for digest, (offset, size) in entry["contents"].items():
        assert hashlib.sha256(pack[offset : offset + size]).hexdigest() == digest
    assert len(pack) == sum(size for _, size in entry["contents"].values())


def test_an_overwrite_keeps_the_file_as_it_was(blueprint: Blueprint, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    (out / "a/same.txt").write_text("the user's own\n")
    (out / "a/same.txt").chmod(0o600)
    scaffolder.new(blueprint, {"name": "alpha"}, out=out, on_conflict=ConflictPolicy.OVERWRITE)

    (run,) = read_history(out)
    change = next(c for c in run.files if c.path == "a/same.txt")
    assert change.action == "overwrite"
    assert change.before is not None and change.before.mode == 0o600
    assert change.before.sha256 == hashlib.sha256(b"the user's own\n").hexdigest()


def test_a_run_that_changes_nothing_writes_nothing(blueprint: Blueprint, tmp_path: Path) -> None:
    out = tmp_path / "out"
    scaffolder.new(blueprint, {"name": "alpha"}, out=out)
    after_first = snapshot(out)
    raw_first = {p.name: p.read_bytes() for p in (out / HISTORY).iterdir()}

    again = scaffolder.new(blueprint, {"name": "alpha"}, out=out)

    assert {f.status for f in again.files} == {FileStatus.IDENTICAL}
    assert snapshot(out) == after_first
    assert {p.name: p.read_bytes() for p in (out / HISTORY).iterdir()} == raw_first
    assert len(read_history(out)) == 1


def test_a_conflicted_or_rolled_back_run_leaves_no_history(
    make_blueprint: MakeBlueprint, blueprint: Blueprint, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    scaffolder.new(blueprint, {"name": "alpha"}, out=out)
    (out / "main.py").write_text("edited\n")
    kept = entry_files(out)

    conflicted = scaffolder.new(blueprint, {"name": "beta"}, out=out)
    assert conflicted.outcome.value == "conflicted" and entry_files(out) == kept

    broken = make_blueprint({"broken.py": "def (:\n"}, name="broken", checks=["py_compile"])
    failed = scaffolder.new(broken, {"name": "x"}, out=out)
    assert failed.rolled_back and not (out / "broken.py").exists()
    assert entry_files(out) == kept and len(read_history(out)) == 1

    kept_failed = scaffolder.new(broken, {"name": "x"}, out=out, keep_failed=True)
    assert kept_failed.outcome.value == "checks_failed" and (out / "broken.py").exists()
    assert [run.blueprints for run in read_history(out)] == [("demo",), ("broken",)]


def test_base_of_is_what_the_newest_run_left(blueprint: Blueprint, tmp_path: Path) -> None:
    out = tmp_path / "out"
    scaffolder.new(blueprint, {"name": "alpha"}, out=out)
    alpha = (out / "main.py").read_bytes()
    (out / "main.py").write_text("edited by hand\n")  # the base stays what the run wrote
    assert base_of(out, "main.py") == alpha
    assert base_of(out, "nothing/here.py") is None

    scaffolder.new(blueprint, {"name": "beta"}, out=out, on_conflict="overwrite")
    assert base_of(out, "main.py") == b'NAME = "beta"\n'
    assert base_of(out, "a/same.txt") == b"the same bytes\n"  # from the first run

    newest = read_history(out)[-1]
    (phase,) = recorded_phases(out, newest)
    assert phase.blueprint == str(blueprint.root.resolve())
    assert [item.values["name"] for item in phase.items] == ["beta"]

    report = undo(out)  # main.py was edited before the second run, not since: no conflict
    assert report.exit_code == 0 and report.undone == (newest.id,)
    assert (out / "main.py").read_text() == "edited by hand\n"
    assert base_of(out, "main.py") == alpha
    assert [run.number for run in history(out).runs] == [1]


def test_no_rendered_path_goes_into_the_history() -> None:
    for path in (
        ".scaffold/history",
        ".scaffold/history/000001-0123abcd.json",
        "./.scaffold/history/x",
    ):
        with pytest.raises(ConfinementError, match="history of the runs"):
            confine(path)
    assert confine(".scaffold/blueprints/mine/blueprint.yaml")  # the project's blueprints


# -- `scaffold history` and a damaged history, as a user meets them

DEST = "svc"


def scaffold(*args: str, cwd: Path) -> Result:
    result = run(args, cwd)
    no_traceback(result)
    return result


def new(resource: str) -> tuple[str, ...]:
    return ("new", "crud-endpoint", "--set", f"resource={resource}", "--out", DEST, "--no-check")


def test_scaffold_history_lists_the_runs_newest_first(tmp_path: Path) -> None:
    assert "no runs recorded" in scaffold("history", "--out", DEST, cwd=tmp_path).stdout
    assert scaffold(*new("users"), cwd=tmp_path).returncode == 0
    assert scaffold(*new("projects"), cwd=tmp_path).returncode == 0

    listed = scaffold("history", "--out", DEST, "--json", cwd=tmp_path)

    assert listed.returncode == 0, listed.output
    data = json.loads(listed.stdout)
    newest, oldest = data["runs"]
    assert [newest["number"], oldest["number"]] == [2, 1]
    assert [newest["items"][0]["name"], oldest["items"][0]["name"]] == ["projects", "users"]
    assert newest["blueprints"] == oldest["blueprints"] == ["crud-endpoint"]
    actions = {f["path"]: f["action"] for f in newest["files"]}
    assert actions["app/api/projects.py"] == "create"
    assert actions["app/main.py"] in ("overwrite", "inject")  # the router included
    assert {f["action"] for f in oldest["files"]} == {"create"}

    text = scaffold("history", "--out", DEST, cwd=tmp_path)
    assert text.returncode == 0, text.output
    lines = text.stdout.splitlines()
    first = next(n for n, line in enumerate(lines) if newest["id"] in line)
    second = next(n for n, line in enumerate(lines) if oldest["id"] in line)
    assert first < second  # newest first
    assert "projects" in lines[first] and "users" in lines[second]
    assert "8 created" in lines[second] and "crud-endpoint" in lines[second]


def test_a_corrupt_history_is_a_clear_error_naming_the_file(tmp_path: Path) -> None:
    assert scaffold(*new("users"), cwd=tmp_path).returncode == 0
    (entry,) = (tmp_path / DEST / HISTORY).glob("*.json")
    (pack,) = (tmp_path / DEST / HISTORY).glob("*.pack")
    good = entry.read_bytes()

    entry.write_text('{"version": 1, "id": "nope"')  # cut short
    for args in (("history", "--out", DEST), ("undo", "--out", DEST)):
        result = scaffold(*args, cwd=tmp_path)
        assert result.returncode == 1, result.output
        assert f"{DEST}/{HISTORY}/{entry.name}" in result.stderr, result.output
        assert "cannot be read or trusted" in result.stderr
    as_json = json.loads(scaffold("history", "--out", DEST, "--json", cwd=tmp_path).stdout)
    assert as_json["outcome"] == "failed" and entry.name in as_json["error"]["message"]

    entry.write_bytes(good)
    pack.write_bytes(pack.read_bytes()[:-10])  # damaged: the listing needs no pack, undo does
    assert scaffold("history", "--out", DEST, cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    damaged = scaffold("undo", "--out", DEST, cwd=tmp_path)
    assert damaged.returncode == 1 and pack.name in damaged.stderr, damaged.output
    assert snapshot(tmp_path) == before
