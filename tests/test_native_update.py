"""`scaffold update` of projects made by native blueprints: the recorded items rendered again
with the blueprint as it is now, merged three ways with what the last run wrote (the base the
history keeps).

Every test writes its blueprint in ``tmp_path`` (v1), makes a project from it with a real
`scaffold new` or `scaffold batch`, rewrites the blueprint (v2) and runs the real `scaffold
update`: a dry run shows the diff and writes nothing; untouched files are overwritten, edited
ones merged (``merge``), overlapping edits a conflict with markers (exit 1, nothing written,
unless ``--on-conflict``); dropped files deleted when untouched, kept when edited; a new
variable with a default updates fine, a recorded value that no longer validates is reported
with nothing written; a failing check rolls the update back byte for byte; a second update is
all identical; undo reverts an update; a project without a history falls back to the record;
every run in effect is updated (injections compose); an items file's dest: is recorded and
kept; several destinations (native and Copier) are one transaction, each with its own history.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffolder.blueprint import Origin
from scaffolder.errors import ScaffoldError
from scaffolder.history import read_history
from scaffolder.merge import merge
from scaffolder.native_update import in_effect
from scaffolder.record import RecordedPhase
from scaffolder.variables import Item
from tests.conftest import build_file_tree, scaffold, snapshot
from tests.test_copier_update import (
    edit,
    make_template,
    new_project,
    no_user_configuration,
    report_of,
    statuses,
)

__all__ = ["no_user_configuration"]  # git and Copier see no configuration of the machine's

MODULE_V1 = (
    '"""The {{ name }} module."""\n\nNAME = "{{ name }}"\n\n\n'
    "def first():\n    return 1\n\n\ndef second():\n    return 2\n"
)
MODULE_V2 = MODULE_V1.replace("return 2", "return 22")  # far from the user's edit
USER_EDIT = ('NAME = "x"\n', 'NAME = "x"\nMINE = "kept"\n')
CONFLICTING_EDIT = ("    return 2\n", "    return 3\n")  # where v2 changes
NAME_ONLY = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "pattern": "^[a-z_]+$"}},
}


def write_blueprint(
    root: Path,
    templates: Mapping[str, str],
    *,
    variables: Mapping[str, Any] | None = None,
    checks: tuple[str, ...] = ("py_compile",),
    **extra: Any,
) -> Path:
    """(Re)write the blueprint in ``root``: exactly these templates, nothing left of before
    (but a git repository's .git); ``extra``: more keys of its manifest."""
    shutil.rmtree(root / "template", ignore_errors=True)
    manifest = {
        "name": "demo",
        "description": "the demo blueprint",
        "variables": dict(variables or NAME_ONLY),
        "checks": list(checks),
        **extra,
    }
    files = {f"template/{path}": text for path, text in templates.items()}
    build_file_tree(root, {"blueprint.yaml": yaml.safe_dump(manifest, sort_keys=False), **files})
    return root


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def failed(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def made(tmp_path: Path, templates: Mapping[str, str], out: str = "proj", **manifest: Any) -> Path:
    """The blueprint ``bp`` (v1) written, and a project made from it with `scaffold new`."""
    write_blueprint(tmp_path / "bp", templates, **manifest)
    ok(scaffold(tmp_path, "new", "./bp", "--set", "name=x", "--out", out))
    return tmp_path / out


# -- the merge of one file


def test_merge_keeps_both_sides_or_marks_where_they_overlap(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base = b"one\ntwo\nthree\nfour\nfive\n"
    mine = base.replace(b"one", b"ONE")
    theirs = base.replace(b"five", b"FIVE")
    assert merge(base, mine, theirs).content == b"ONE\ntwo\nthree\nfour\nFIVE\n"
    assert merge(base, mine, theirs).clean
    assert merge(base, base, theirs).content == theirs  # only one side changed: no git needed
    assert merge(base, mine, base).content == mine
    clash = merge(base, mine, base.replace(b"one", b"uno"))
    assert clash.conflicts == 1 and not clash.clean
    assert clash.content == (
        b"<<<<<<< current\nONE\n=======\nuno\n>>>>>>> blueprint\ntwo\nthree\nfour\nfive\n"
    )
    binary = merge(b"\0a", b"\0b", b"\0c")
    assert binary.binary and binary.conflicts == 1 and binary.content == b"\0c"
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on PATH: a clear error, not a crash
    with pytest.raises(ScaffoldError, match="needs git"):
        merge(base, mine, theirs)


# -- one project, one blueprint


def test_dry_run_shows_the_update_then_it_is_applied_and_a_second_is_identical(
    tmp_path: Path,
) -> None:
    project = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1, "same.txt": "same\n"})
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": MODULE_V2, "same.txt": "same\n"})
    before = snapshot(project)

    dry = ok(scaffold(tmp_path, "update", "proj", "--dry-run"))
    assert "overwrite  x.py" in dry.stdout and "identical  same.txt" in dry.stdout, dry.stdout
    assert "-    return 2\n+    return 22" in dry.stdout
    assert "dry run: 1 identical, 1 to overwrite; nothing was written" in dry.stdout
    assert snapshot(project) == before

    done = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(done) == {"same.txt": "identical", "x.py": "overwrite"}
    assert done["checks"][0]["check"] == "py_compile" and done["checks"][0]["status"] == "passed"
    assert (project / "x.py").read_text() == MODULE_V2.replace("{{ name }}", "x")
    record = json.loads((project / ".scaffold/last-run.json").read_text())
    assert record["phases"][0]["items"][0]["files"] == ["same.txt", "x.py"]

    after = snapshot(project)
    again = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert set(statuses(again).values()) == {"identical"}
    assert snapshot(project) == after  # nothing written, not even a history entry


def test_an_edited_file_is_merged_and_stays_merged(tmp_path: Path) -> None:
    project = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1})
    edit(project / "x.py", USER_EDIT)
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": MODULE_V2})

    dry = ok(scaffold(tmp_path, "update", "proj", "--dry-run"))
    assert "merge  x.py" in dry.stdout and "1 to merge" in dry.stdout, dry.stdout
    assert "+    return 22" in dry.stdout and "MINE" not in dry.stdout.split("+++")[1]

    done = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(done) == {"x.py": "merge"} and done["counts"]["merge"] == 1
    text = (project / "x.py").read_text()
    assert 'MINE = "kept"' in text and "return 22" in text and "return 2\n" not in text

    # the history keeps the blueprint's render as the next base: the user's edit is no change
    # of the blueprint's, so the next update leaves the merged file as it is
    again = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(again) == {"x.py": "identical"}
    assert (project / "x.py").read_text() == text
    listed = json.loads(ok(scaffold(tmp_path, "history", "--out", "proj", "--json")).stdout)
    assert listed["runs"][0]["files"][0]["action"] == "merge"


def test_overlapping_edits_are_a_conflict_unless_on_conflict_says(tmp_path: Path) -> None:
    project = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1})
    edit(project / "x.py", CONFLICTING_EDIT)
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": MODULE_V2})
    for copy in ("skipped", "overwritten"):
        shutil.copytree(project, tmp_path / copy)
    before = snapshot(project)

    dry = failed(scaffold(tmp_path, "update", "proj", "--dry-run"))
    assert "conflict  x.py" in dry.stdout
    assert "+<<<<<<< current\n     return 3\n+=======\n+    return 22\n+>>>>>>> blueprint" in (
        dry.stdout
    )
    assert "x.py: your edits and the blueprint's changes touch the same lines" in dry.stdout
    assert "Nothing would be written" in dry.stdout
    stopped = failed(scaffold(tmp_path, "update", "proj"))
    assert "Nothing was written" in stopped.stdout and "--on-conflict" in stopped.stdout
    as_json = report_of(failed(scaffold(tmp_path, "update", "proj", "--json")))
    assert as_json["outcome"] == "conflicted" and statuses(as_json) == {"x.py": "conflict"}
    assert snapshot(project) == before

    kept = report_of(ok(scaffold(tmp_path, "update", "skipped", "--on-conflict", "skip", "--json")))
    assert statuses(kept) == {"x.py": "skip"}
    assert (tmp_path / "skipped/x.py").read_bytes() == (project / "x.py").read_bytes()

    taken = scaffold(tmp_path, "update", "overwritten", "--on-conflict", "overwrite", "--json")
    assert statuses(report_of(ok(taken))) == {"x.py": "overwrite"}
    assert (tmp_path / "overwritten/x.py").read_text() == MODULE_V2.replace("{{ name }}", "x")


def test_dropped_files_go_when_untouched_and_stay_when_edited(tmp_path: Path) -> None:
    v1 = {"keep.txt": "keep\n", "gone.txt": "gone\n", "notes/edited.txt": "edited\n"}
    project = made(tmp_path, v1, checks=())
    (project / "notes/edited.txt").write_text("edited, by me\n")
    write_blueprint(tmp_path / "bp", {"keep.txt": "keep\n"}, checks=())

    dry = ok(scaffold(tmp_path, "update", "proj", "--dry-run"))
    assert "--- a/gone.txt\n+++ /dev/null" in dry.stdout
    done = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(done) == {
        "gone.txt": "delete",
        "keep.txt": "identical",
        "notes/edited.txt": "skip",
    }
    assert (
        "notes/edited.txt: no longer rendered by the blueprint, but edited since the last run: kept"
        in (done["notes"])
    )
    assert not (project / "gone.txt").exists()
    assert (project / "notes/edited.txt").read_text() == "edited, by me\n"
    record = json.loads((project / ".scaffold/last-run.json").read_text())
    assert record["phases"][0]["items"][0]["files"] == ["keep.txt"]


def test_new_files_and_files_the_user_deleted(tmp_path: Path) -> None:
    project = made(tmp_path, {"a.txt": "a\n", "b.txt": "b\n"}, checks=())
    (project / "a.txt").unlink()  # deleted by the user; the blueprint leaves it alone
    (project / "b.txt").unlink()  # deleted by the user; the blueprint changes it
    (project / "mine.txt").write_text("my own file\n")  # where v2 renders a file of its own
    v2 = {"a.txt": "a\n", "b.txt": "b, changed\n", "mine.txt": "the blueprint's\n", "c.txt": "c\n"}
    write_blueprint(tmp_path / "bp", v2, checks=())

    stopped = report_of(failed(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(stopped) == {
        "a.txt": "skip",
        "b.txt": "conflict",
        "c.txt": "create",
        "mine.txt": "conflict",
    }
    notes = "\n".join(stopped["notes"])
    assert "a.txt: deleted since the last run: left deleted" in notes
    assert "b.txt: deleted since the last run, and the blueprint changes it" in notes
    assert "mine.txt: a file of yours is there, which the blueprint did not write" in notes

    done = report_of(ok(scaffold(tmp_path, "update", "proj", "--on-conflict", "skip", "--json")))
    assert statuses(done)["c.txt"] == "create"
    assert sorted(p.name for p in project.iterdir() if p.is_file()) == ["c.txt", "mine.txt"]
    assert (project / "mine.txt").read_text() == "my own file\n"


def test_a_new_variable_with_a_default_updates_projects_made_before_it(tmp_path: Path) -> None:
    project = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1})
    with_greeting = {
        **NAME_ONLY,
        "properties": {**NAME_ONLY["properties"], "greeting": {"type": "string", "default": "hi"}},
    }
    template = MODULE_V1 + 'GREETING = "{{ greeting }}"\n'
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": template}, variables=with_greeting)

    done = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(done) == {"x.py": "overwrite"}
    assert (project / "x.py").read_text().endswith('GREETING = "hi"\n')
    record = json.loads((project / ".scaffold/last-run.json").read_text())
    assert record["phases"][0]["items"][0]["values"] == {"name": "x", "greeting": "hi"}


def test_recorded_values_the_blueprint_no_longer_accepts_are_all_reported(
    tmp_path: Path,
) -> None:
    project = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1})
    stricter = {
        "type": "object",
        "required": ["name", "owner"],  # a new variable without a default
        "properties": {
            "name": {"type": "string", "pattern": "^[A-Z]+$"},
            "owner": {"type": "string"},
        },
    }
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": MODULE_V2}, variables=stricter)
    before = snapshot(project)

    stopped = failed(scaffold(tmp_path, "update", "proj"))
    assert "2 invalid values; nothing was written" in stopped.stderr, stopped.stderr
    assert "name: 'x' does not match '^[A-Z]+$' [pattern]" in stopped.stderr
    assert "item 1 (x): owner: is required [required]" in stopped.stderr
    assert "proj/.scaffold/last-run.json" in stopped.stderr
    as_json = json.loads(failed(scaffold(tmp_path, "update", "proj", "--json")).stdout)
    assert as_json["error"]["kind"] == "validation" and len(as_json["error"]["problems"]) == 2
    assert snapshot(project) == before


def test_a_failing_check_rolls_the_update_back(tmp_path: Path) -> None:
    project = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1, "other.txt": "v1\n"})
    edit(project / "x.py", USER_EDIT)  # merged, then rolled back with the rest
    broken = MODULE_V2.replace("def first():", "def first(:")
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": broken, "other.txt": "v2\n"})
    before = snapshot(project)

    result = report_of(failed(scaffold(tmp_path, "update", "proj", "--json")))
    assert result["outcome"] == "checks_failed" and result["rolled_back"] is True
    assert statuses(result) == {"other.txt": "overwrite", "x.py": "merge"}
    assert snapshot(project) == before


def test_undo_reverts_an_update(tmp_path: Path) -> None:
    project = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1, "gone.txt": "gone\n"})
    edit(project / "x.py", USER_EDIT)
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": MODULE_V2, "new.txt": "new\n"})
    before = snapshot(project)

    done = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(done) == {"gone.txt": "delete", "new.txt": "create", "x.py": "merge"}
    undone = ok(scaffold(tmp_path, "undo", "--out", "proj"))
    assert "1 created, 1 overwritten, 1 deleted" in undone.stdout, undone.stdout
    assert snapshot(project) == before  # the files, the record and the history as before


def test_no_base_recorded_falls_back_to_the_record(tmp_path: Path) -> None:
    project = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1, "same.txt": "same\n"})
    shutil.rmtree(project / ".scaffold/history")  # a project made before the history existed
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": MODULE_V2, "same.txt": "same\n"})
    before = snapshot(project)

    stopped = failed(scaffold(tmp_path, "update", "proj"))
    assert "x.py: no base recorded for it" in stopped.stdout, stopped.stdout
    assert "conflict  x.py" in stopped.stdout and "identical  same.txt" in stopped.stdout
    assert snapshot(project) == before

    taken = scaffold(tmp_path, "update", "proj", "--on-conflict", "overwrite", "--json")
    assert statuses(report_of(ok(taken))) == {"same.txt": "identical", "x.py": "overwrite"}
    assert (project / "x.py").read_text() == MODULE_V2.replace("{{ name }}", "x")
    # the update kept a history: from now on files are merged
    edit(project / "x.py", USER_EDIT)
    v3 = {"{{ name }}.py.jinja": MODULE_V2 + "# v3\n", "same.txt": "same\n"}
    write_blueprint(tmp_path / "bp", v3)
    merged = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(merged) == {"same.txt": "identical", "x.py": "merge"}


# -- many items, several destinations, git


def test_a_batch_of_python_modules_four_updates_and_one_merge(tmp_path: Path) -> None:
    """The acceptance of issue 10: five python-module items, one file edited by hand, a
    method added to the template; the dry run shows four clean updates and one three-way
    merge with the hand edit kept; the update applies it and its checks pass."""
    blueprint = tmp_path / "python-module"
    shutil.copytree(Path(__file__).parents[1] / "blueprints/python-module", blueprint)
    names = ["exporter", "notifier", "auth_backend", "cache_backend", "storage"]
    items = {
        "blueprint": "./python-module",
        "defaults": {"package": "app.plugins"},
        "items": [
            {
                "name": name,
                "docstring": f"The {name} plugins.",
                "methods": [{"name": "run", "returns": "int", "doc": "Run it."}],
            }
            for name in names
        ],
    }
    (tmp_path / "items.yaml").write_text(yaml.safe_dump(items, sort_keys=False))
    ok(scaffold(tmp_path, "batch", "items.yaml", "--out", "svc", "--trust"))
    edited = tmp_path / "svc/app/plugins/notifier.py"
    hand = '"""Notifier plugins: their interface, and the registry that finds them."""\n'
    edit(edited, (hand, hand + "# Owned by the messaging team.\n"))
    template = blueprint / "template/{{ package_dir }}/{{ name }}.py.jinja"
    added = (
        "\n\ndef keys() -> list[str]:\n"
        '    """Return the keys of every registered implementation, sorted."""\n'
        "    return sorted(_registry)\n"
    )
    template.write_text(template.read_text() + added)
    before = snapshot(tmp_path / "svc")

    dry = report_of(ok(scaffold(tmp_path, "update", "svc", "--dry-run", "--trust", "--json")))
    changed = {path: status for path, status in statuses(dry).items() if status != "identical"}
    assert changed == {
        **{f"app/plugins/{name}.py": "overwrite" for name in names if name != "notifier"},
        "app/plugins/notifier.py": "merge",
    }
    assert snapshot(tmp_path / "svc") == before

    done = report_of(ok(scaffold(tmp_path, "update", "svc", "--trust", "--json")))
    assert done["counts"]["overwrite"] == 4 and done["counts"]["merge"] == 1
    assert {c["status"] for c in done["checks"]} == {"passed"} and len(done["checks"]) >= 2
    text = edited.read_text()
    assert "# Owned by the messaging team." in text and "def keys() -> list[str]:" in text


def test_every_run_in_effect_is_updated_and_injections_compose(tmp_path: Path) -> None:
    routes = {
        "skip_if_exists": ["routes.txt"],
        "inject": [{"into": "routes.txt", "snippet": "route {{ name }}\n", "at": "end"}],
    }
    v1 = {"{{ name }}.txt.jinja": "{{ name }} v1\n", "routes.txt": "# routes\n"}
    write_blueprint(tmp_path / "bp", v1, checks=(), **routes)
    for name in ("a", "b"):
        ok(scaffold(tmp_path, "new", "./bp", "--set", f"name={name}", "--out", "svc"))
    ok(scaffold(tmp_path, "new", "./bp", "--set", "name=a", "--out", "svc"))  # a re-run
    v2 = {**v1, "{{ name }}.txt.jinja": "{{ name }} v2\n"}
    write_blueprint(tmp_path / "bp", v2, checks=(), **routes)

    done = report_of(ok(scaffold(tmp_path, "update", "svc", "--json")))
    assert statuses(done) == {"a.txt": "overwrite", "b.txt": "overwrite", "routes.txt": "identical"}
    project = tmp_path / "svc"
    assert (project / "a.txt").read_text() == "a v2\n" and (
        project / "b.txt"
    ).read_text() == "b v2\n"
    assert (project / "routes.txt").read_text() == "# routes\nroute a\nroute b\n"
    record = json.loads((project / ".scaffold/last-run.json").read_text())
    items = [
        (i["index"], i["values"]["name"], i["files"]) for p in record["phases"] for i in p["items"]
    ]
    assert items == [(1, "a", ["a.txt", "routes.txt"]), (2, "b", ["b.txt", "routes.txt"])]
    update = read_history(project)[-1]  # one entry, of both items
    assert [(item.index, item.name) for item in update.items] == [(1, "a"), (2, "b")]

    before = snapshot(project)
    again = report_of(ok(scaffold(tmp_path, "update", "svc", "--json")))
    assert set(statuses(again).values()) == {"identical"}, statuses(again)
    assert snapshot(project) == before
    ok(scaffold(tmp_path, "undo", "--out", "svc"))  # the update, as one run
    assert (project / "a.txt").read_text() == "a v1\n" and (
        project / "b.txt"
    ).read_text() == "b v1\n"


def test_an_items_file_dest_is_recorded_and_updated_in_place(tmp_path: Path) -> None:
    write_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": "{{ name }} v1\n"}, checks=())
    items = {"blueprint": "./bp", "dest": "svc/{{ name }}", "items": [{"name": "a"}, {"name": "b"}]}
    (tmp_path / "items.yaml").write_text(yaml.safe_dump(items))
    ok(scaffold(tmp_path, "batch", "items.yaml", "--out", "proj"))
    record = json.loads((tmp_path / "proj/.scaffold/last-run.json").read_text())
    assert [phase["dest"] for phase in record["phases"]] == ["svc/{{ name }}"]
    write_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": "{{ name }} v2\n"}, checks=())

    done = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert statuses(done) == {"svc/a/a.txt": "overwrite", "svc/b/b.txt": "overwrite"}
    assert (tmp_path / "proj/svc/a/a.txt").read_text() == "a v2\n"
    assert (tmp_path / "proj/svc/b/b.txt").read_text() == "b v2\n"
    assert not (tmp_path / "proj/a.txt").exists() and not (tmp_path / "proj/b.txt").exists()
    again = report_of(ok(scaffold(tmp_path, "update", "proj", "--json")))
    assert set(statuses(again).values()) == {"identical"}


def test_a_record_from_before_dest_was_kept_is_refused(tmp_path: Path) -> None:
    write_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": "{{ name }}\n"}, checks=())
    items = {"blueprint": "./bp", "dest": "services/{{ name }}", "items": [{"name": "a"}]}
    (tmp_path / "items.yaml").write_text(yaml.safe_dump(items))
    ok(scaffold(tmp_path, "batch", "items.yaml", "--out", "proj"))
    # a project made before dest: was recorded, and before the history existed
    shutil.rmtree(tmp_path / "proj/.scaffold/history")
    record_path = tmp_path / "proj/.scaffold/last-run.json"
    record = json.loads(record_path.read_text())
    for phase in record["phases"]:
        del phase["dest"]
    record_path.write_text(json.dumps(record))
    before = snapshot(tmp_path / "proj")
    stopped = failed(scaffold(tmp_path, "update", "proj"))
    assert "into the folder services/a (an items file's dest:)" in stopped.stderr, stopped.stderr
    assert snapshot(tmp_path / "proj") == before


def test_several_destinations_native_and_copier_are_one_update(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl")
    new_project(tmp_path, "copier-app")
    one = made(tmp_path, {"{{ name }}.py.jinja": MODULE_V1}, out="one")
    ok(scaffold(tmp_path, "new", "./bp", "--set", "name=y", "--out", "two"))
    edit(one / "x.py", USER_EDIT)
    write_blueprint(tmp_path / "bp", {"{{ name }}.py.jinja": MODULE_V2})
    before_one = snapshot(one)

    done = report_of(
        ok(scaffold(tmp_path, "update", "one", "two", "copier-app", "--vcs-ref", "v2", "--json"))
    )
    assert {k: v for k, v in statuses(done).items() if v != "identical"} == {
        "copier-app/config.txt": "overwrite",
        "copier-app/new.txt": "create",
        "copier-app/old.txt": "delete",
        "copier-app/docs/legacy/guide.md": "delete",
        "copier-app/.copier-answers.yml": "overwrite",
        "one/x.py": "merge",
        "two/y.py": "overwrite",
    }
    assert any(
        n.startswith("one: ") and "is not from git: --vcs-ref does not apply" in n
        for n in done["notes"]
    )
    # each destination keeps its own record and history: updated, and undone, on its own
    for folder in ("one", "two", "copier-app"):
        assert len(list((tmp_path / folder / ".scaffold/history").glob("*.json"))) == 2, folder
    assert not (tmp_path / ".scaffold/history").exists()
    again = report_of(ok(scaffold(tmp_path, "update", "one", "--json")))
    assert statuses(again) == {"x.py": "identical"}
    ok(scaffold(tmp_path, "undo", "--out", "one"))
    assert snapshot(one) == before_one
    assert (tmp_path / "two/y.py").read_text() == MODULE_V2.replace("{{ name }}", "y")


def test_a_native_blueprint_from_git_follows_the_ref_it_was_made_with(tmp_path: Path) -> None:
    repo = write_blueprint(tmp_path / "repo", {"{{ name }}.py.jinja": MODULE_V1})
    git = ["git", "-C", str(repo)]
    for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "v1"]):
        subprocess.run([*git, *args], check=True)
    subprocess.run([*git, "tag", "v1"], check=True)
    write_blueprint(repo, {"{{ name }}.py.jinja": MODULE_V2})
    for args in (["add", "--all"], ["commit", "--quiet", "-m", "v2"], ["tag", "v2"]):
        subprocess.run([*git, *args], check=True)
    ok(scaffold(tmp_path, "new", "./repo", "--vcs-ref", "v1", "--set", "name=x", "--out", "p"))
    assert "return 2\n" in (tmp_path / "p/x.py").read_text()

    same = report_of(ok(scaffold(tmp_path, "update", "p", "--json")))  # still v1, as asked
    assert statuses(same) == {"x.py": "identical"}
    newer = report_of(ok(scaffold(tmp_path, "update", "p", "--vcs-ref", "v2", "--json")))
    assert statuses(newer) == {"x.py": "overwrite"}
    record = json.loads((tmp_path / "p/.scaffold/last-run.json").read_text())
    assert record["phases"][0]["vcs"]["ref"] == "v2"
    ok(scaffold(tmp_path, "check", "--out", "p"))


def test_runs_in_effect_are_one_record_in_run_order() -> None:
    def run(*values: dict[str, str]) -> tuple[RecordedPhase, ...]:
        items = tuple(Item(i, v, v["name"]) for i, v in enumerate(values, start=1))
        files = {i: (f"{v['name']}.txt",) for i, v in enumerate(values, start=1)}
        return (RecordedPhase(None, "/bp", Origin.PATH, items, files),)

    first, second = run({"name": "a"}, {"name": "b"}), run({"name": "c"})
    rerun = run({"name": "b", "owner": "me"}, {"name": "a"})  # b with a variable added since
    (phase,) = in_effect([first, second, rerun])
    assert [(i.index, i.values) for i in phase.items] == [
        (1, {"name": "a"}),
        (2, {"name": "b", "owner": "me"}),
        (3, {"name": "c"}),
    ]
    assert dict(phase.files) == {1: ("a.txt",), 2: ("b.txt",), 3: ("c.txt",)}
