"""Batch runs and plans through the library: validate all, render in batches, one transaction."""

from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

import scaffolder
import scaffolder.batches
from scaffolder import FileStatus, Outcome
from scaffolder.errors import ScaffoldError, ValidationError
from scaffolder.resources import load_schema
from tests.conftest import build_file_tree, snapshot

COUNTER = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z_]+$"},
        "count": {"type": "integer", "default": 1},
        "shared": {"type": "string", "default": "same"},
    },
}


@pytest.fixture
def counter(make_blueprint):
    return make_blueprint(
        {
            "{{ name }}.txt.jinja": "{{ name }} x {{ count }}\n",
            "shared.txt.jinja": "{{ shared }}\n",
        },
        name="counter",
        variables=COUNTER,
    )


def items_file(tmp_path: Path, data: object, name: str = "items.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_renders_every_item_then_is_idempotent(tmp_path: Path, counter) -> None:
    path = items_file(
        tmp_path,
        {
            "blueprint": str(counter.root),
            "defaults": {"count": 5},
            "items": [{"name": "a"}, {"name": "b", "count": 2}],
        },
    )
    out = tmp_path / "out"
    report = scaffolder.run(path, out=out)
    assert report.outcome is Outcome.SUCCEEDED
    assert (out / "a.txt").read_text() == "a x 5\n"
    assert (out / "b.txt").read_text() == "b x 2\n"
    data = report.to_json()
    Draft202012Validator(load_schema("report")).validate(data)
    assert [(i["index"], i["name"], i["files"]) for i in data["items"]] == [
        (1, "a", ["a.txt", "shared.txt"]),
        (2, "b", ["b.txt", "shared.txt"]),
    ]
    assert data["summary"][0]["items"] == 2 and data["summary"][0]["create"] == 3

    again = scaffolder.run(path, out=out)
    assert {f.status for f in again.files} == {FileStatus.IDENTICAL}


def test_every_bad_item_is_reported_with_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "items.yaml"
    path.write_text(
        "blueprint: crud-endpoint\n"
        "items:\n"
        "  - resource: users\n"
        "  - resource: 42\n"  # wrong type
        "  - fields: [{name: title, type: str}]\n"  # missing required
        "  - resource: Bad-Name\n"  # pattern mismatch
    )
    out = build_file_tree(tmp_path / "out", {"keep.txt": "mine"})
    before = snapshot(out)
    with pytest.raises(ValidationError) as caught:
        scaffolder.run(path, out=out)
    problems = [(p.item, p.field, p.rule, p.line) for p in caught.value.problems]
    assert problems == [
        (2, "resource", "type", 4),
        (3, "resource", "required", 5),
        (4, "resource", "pattern", 6),
    ]
    assert f"{path}:6: item 4 (Bad-Name): resource:" in caught.value.message
    assert snapshot(out) == before


def test_problems_in_every_phase_are_reported_together(tmp_path: Path, counter) -> None:
    path = items_file(
        tmp_path,
        {
            "phases": [
                {
                    "name": "first",
                    "blueprint": str(counter.root),
                    "items": [{"name": "ok"}, {"name": 1}],
                },
                {
                    "name": "second",
                    "blueprint": str(counter.root),
                    "items": [{"count": "x", "name": "b"}],
                },
            ]
        },
    )
    with pytest.raises(ValidationError) as caught:
        scaffolder.run(path, out=tmp_path / "out")
    assert [p.describe().split(": ", 1)[1] for p in caught.value.problems] == [
        "phase first, item 2: name: 1 is not of type 'string' [type]",
        "phase second, item 1 (b): count: 'x' is not of type 'integer' [type]",
    ]
    assert not (tmp_path / "out").exists()


def test_csv_values_are_typed_by_the_schema(tmp_path: Path, counter) -> None:
    build_file_tree(tmp_path, {"rows.csv": "name,count\nalpha,3\nbeta,\n"})
    path = items_file(tmp_path, {"blueprint": str(counter.root), "items": {"from": "rows.csv"}})
    scaffolder.run(path, out=tmp_path / "out")
    assert (tmp_path / "out/alpha.txt").read_text() == "alpha x 3\n"
    assert (tmp_path / "out/beta.txt").read_text() == "beta x 1\n"  # empty cell: the default
    bad = build_file_tree(tmp_path, {"bad.csv": "name,count\ngamma,three\n"}) / "bad.csv"
    path = items_file(
        tmp_path, {"blueprint": str(counter.root), "items": {"from": bad.name}}, "bad.yaml"
    )
    with pytest.raises(
        ValidationError,
        match=r"bad\.csv:2: item 1 \(gamma\): count: 'three' is not of type 'integer'",
    ):
        scaffolder.run(path, out=tmp_path / "out2")


def test_two_items_rendering_one_path_differently_are_named(tmp_path: Path, counter) -> None:
    path = items_file(
        tmp_path,
        {
            "blueprint": str(counter.root),
            "items": [{"name": "a"}, {"name": "b", "shared": "other"}],
        },
    )
    with pytest.raises(
        ScaffoldError,
        match=r"shared\.txt: item 1 \(a\) and item 2 \(b\) render it with different content",
    ):
        scaffolder.run(path, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("serial_seconds", [2.0, 0.0])  # 0: every batch goes to a worker
def test_batches_and_jobs_do_not_change_the_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serial_seconds: float
) -> None:
    monkeypatch.setattr(scaffolder.batches, "SERIAL_SECONDS", serial_seconds)
    items = [
        {"resource": f"things_{n}", "fields": [{"name": "label", "type": "str"}]} for n in range(13)
    ]
    path = items_file(tmp_path, {"blueprint": "crud-endpoint", "batch_size": 2, "items": items})
    trees = []
    for jobs, batch_size in [(1, None), (4, None), (2, 5)]:
        progress = []
        out = tmp_path / f"out-{jobs}-{batch_size}"
        scaffolder.run(
            path, out=out, jobs=jobs, batch_size=batch_size, on_batch=progress.append, check=False
        )
        trees.append(snapshot(out))
        expected_batches = -(-13 // (batch_size or 2))
        assert [(p.batch, p.batches) for p in progress] == [
            (n, expected_batches) for n in range(1, expected_batches + 1)
        ]
        assert progress[-1].items == 13
    assert trees[0] == trees[1] == trees[2]
    assert len(trees[0]) > 13 * 3


def test_a_plan_commits_all_phases_in_one_transaction(
    tmp_path: Path, counter, make_blueprint
) -> None:
    other = make_blueprint({"later/{{ name }}.txt.jinja": "later {{ name }}\n"}, name="later")
    path = items_file(
        tmp_path,
        {
            "phases": [
                {"name": "first", "blueprint": str(counter.root), "items": [{"name": "a"}]},
                {
                    "name": "second",
                    "blueprint": str(other.root),
                    "items": [{"name": "b"}, {"name": "c"}],
                },
            ]
        },
    )
    out = build_file_tree(tmp_path / "out", {"later/c.txt": "edited by hand\n"})
    before = snapshot(out)
    report = scaffolder.run(path, out=out)
    # the second phase conflicts, so not even the first phase's files are written
    assert report.outcome is Outcome.CONFLICTED
    assert snapshot(out) == before

    report = scaffolder.run(path, out=out, on_conflict="overwrite")
    assert report.outcome is Outcome.SUCCEEDED
    assert [(s.phase, s.blueprint, s.items) for s in report.summaries] == [
        ("first", "counter", 1),
        ("second", "later", 2),
    ]
    assert (out / "a.txt").exists() and (out / "later/c.txt").read_text() == "later c\n"
    assert [i.phase for i in report.items] == ["first", "second", "second"]


def test_examples_run(tmp_path: Path) -> None:
    examples = Path(__file__).parents[1] / "examples"
    for path in sorted(examples.glob("*.yaml")):
        out = tmp_path / path.stem
        assert scaffolder.run(path, out=out, jobs=1).exit_code == 0, path
        assert {f.status for f in scaffolder.run(path, out=out, jobs=1).files} == {
            FileStatus.IDENTICAL
        }


@pytest.mark.parametrize(("option", "value"), [("batch_size", 0), ("jobs", 0)])
def test_batch_size_and_jobs_must_be_positive(tmp_path: Path, option: str, value: int) -> None:
    path = items_file(tmp_path, {"blueprint": "x", "items": []})
    with pytest.raises(ScaffoldError, match="at least 1"):
        scaffolder.run(path, out=tmp_path, **{option: value})
