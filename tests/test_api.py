"""The library API: one call renders, plans and commits; the report says what happened."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import scaffolder
from scaffolder import ConflictPolicy, FileStatus, Outcome
from scaffolder.errors import UsageError, ValidationError
from scaffolder.resources import load_schema
from tests.conftest import snapshot

REPORT = Draft202012Validator(load_schema("report"))


@pytest.fixture
def blueprint(make_blueprint):
    return make_blueprint(
        {"{{ name }}/main.py.jinja": "NAME = {{ name | tojson }}\n", "shared.txt": "shared\n"}
    )


def test_items_given_as_data_run_as_an_items_file_would(make_blueprint, tmp_path: Path) -> None:
    """``inline_items``: what an items file would hold, its folders relative to ``folder``,
    named in messages as asked; nothing is written to read it."""
    make_blueprint({"{{ name }}.txt.jinja": "{{ name }}\n"}, where=tmp_path / "project")
    project = tmp_path / "project"
    before = snapshot(project)
    items = scaffolder.inline_items(
        {"blueprint": "./demo", "items": [{"name": "alpha"}, {"name": "beta"}]}, project
    )
    assert snapshot(project) == before
    report = scaffolder.run(items, out=tmp_path / "out")
    assert report.exit_code == 0, report.to_json()
    assert (tmp_path / "out/alpha.txt").read_text() == "alpha\n"
    with pytest.raises(ValidationError) as refused:
        scaffolder.run(
            scaffolder.inline_items(
                {"blueprint": "./demo", "items": [{"name": "ok"}, {"name": "Not Valid"}]},
                project,
                name="the assistant's items",
            ),
            out=tmp_path / "refused",
        )
    assert [(p.item, p.source) for p in refused.value.problems] == [(2, "the assistant's items")]
    assert "Fix them in the assistant's items and run again." in str(refused.value)
    assert not (tmp_path / "refused").exists()


def test_a_destination_inside_scaffolders_own_folder_is_refused(blueprint, tmp_path: Path) -> None:
    scaffolder.new(blueprint, {"name": "demo"}, out=tmp_path / "project")
    before = snapshot(tmp_path)
    for out in ("project/.scaffold/history", "project/.scaffold", "elsewhere/.scaffold/x"):
        with pytest.raises(UsageError, match=r"inside a \.scaffold folder.*project's own folder"):
            scaffolder.new(blueprint, {"name": "demo"}, out=tmp_path / out)
    assert snapshot(tmp_path) == before


def test_check_and_undo_of_a_folder_that_is_not_there_say_so(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    for call in (scaffolder.check, scaffolder.undo):
        for out, what in (("nowhere", "does not exist"), ("a-file", "is not a folder")):
            with pytest.raises(UsageError, match=f"--out .*{out}: {what}"):
                call(tmp_path / out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_new_creates_then_is_idempotent(blueprint, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = scaffolder.new(blueprint, {"name": "demo"}, out=out)
    assert first.outcome is Outcome.SUCCEEDED and first.exit_code == 0
    assert [(f.path, f.status) for f in first.files] == [
        ("demo/main.py", FileStatus.CREATE),
        ("shared.txt", FileStatus.CREATE),
    ]
    assert (out / "demo/main.py").read_text() == 'NAME = "demo"\n'
    # no journal is left; the record of the run (for `scaffold check`) and its history are
    assert sorted(p.name for p in (out / ".scaffold").iterdir()) == ["history", "last-run.json"]
    record = json.loads((out / ".scaffold/last-run.json").read_text())
    assert record["phases"][0]["items"][0]["files"] == ["demo/main.py", "shared.txt"]
    assert record["phases"][0]["items"][0]["values"] == {"name": "demo"}
    tree = snapshot(out)

    again = scaffolder.new(blueprint, {"name": "demo"}, out=out)
    assert {f.status for f in again.files} == {FileStatus.IDENTICAL}
    assert again.exit_code == 0
    assert snapshot(out) == tree
    REPORT.validate(again.to_json())


def test_conflict_writes_nothing(blueprint, tmp_path: Path) -> None:
    out = tmp_path / "out"
    scaffolder.new(blueprint, {"name": "demo"}, out=out)
    (out / "shared.txt").write_text("mine\n")
    (out / "demo/main.py").unlink()
    before = snapshot(out)
    report = scaffolder.new(blueprint, {"name": "demo"}, out=out)
    assert report.outcome is Outcome.CONFLICTED and report.exit_code == 1
    assert snapshot(out) == before  # not even the missing file was created
    REPORT.validate(report.to_json())

    skipped = scaffolder.new(blueprint, {"name": "demo"}, out=out, on_conflict="skip")
    assert (out / "shared.txt").read_text() == "mine\n"
    assert (out / "demo/main.py").exists()
    assert skipped.count(FileStatus.SKIP) == 1

    forced = scaffolder.new(
        blueprint, {"name": "demo"}, out=out, on_conflict=ConflictPolicy.OVERWRITE
    )
    assert (out / "shared.txt").read_text() == "shared\n"
    assert forced.count(FileStatus.OVERWRITE) == 1


def test_dry_run_writes_nothing_and_carries_diffs(blueprint, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = scaffolder.new(blueprint, {"name": "demo"}, out=out, dry_run=True)
    assert not out.exists()
    assert report.dry_run and report.exit_code == 0
    assert report.files[0].diff is not None and '+NAME = "demo"' in report.files[0].diff
    data = report.to_json()
    REPORT.validate(data)
    assert data["counts"]["create"] == 2
    assert data["items"] == [
        {
            "index": 1,
            "phase": None,
            "name": "demo",
            "blueprint": "demo",
            "files": ["demo/main.py", "shared.txt"],
        }
    ]


def test_invalid_values_raise_and_write_nothing(blueprint, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        scaffolder.new(blueprint, {"name": "Bad-Name"}, out=tmp_path / "out")
    assert caught.value.problems[0].field == "name"
    assert not (tmp_path / "out").exists()


def test_bad_conflict_policy_is_a_usage_error(blueprint, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="choose one of fail, skip, overwrite"):
        scaffolder.new(blueprint, {"name": "x"}, out=tmp_path, on_conflict="merge")


def test_blueprints_by_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCAFFOLD_PATH", raising=False)
    names = [b.name for b in scaffolder.blueprints()]
    assert "crud-endpoint" in names and "json-schema" in names
    report = scaffolder.new(
        "json-schema", scaffolder.blueprints()[names.index("json-schema")].examples[0], out="o"
    )
    assert report.exit_code == 0
    assert any(path.suffix == ".json" for path in (tmp_path / "o").rglob("*"))


def test_the_record_and_the_checks_leave_out_skipped_files(make_blueprint, tmp_path: Path) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.json.jinja": '{"name": "{{ name }}"}\n', "other.json": "{}\n"},
        name="jsons",
        checks=["json"],
    )
    out = tmp_path / "out"
    (out).mkdir()
    (out / "other.json").write_text("not json, but the user's own file\n")
    report = scaffolder.new(blueprint, {"name": "demo"}, out=out, on_conflict="skip")
    assert report.exit_code == 0  # the user's file was kept, so it is not checked
    assert report.checks[0].files == ("demo.json",)
    record = json.loads((out / ".scaffold/last-run.json").read_text())
    assert record["phases"][0]["items"][0]["files"] == ["demo.json"]
    assert scaffolder.check(out).exit_code == 0  # nor by `scaffold check`
