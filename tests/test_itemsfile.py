from pathlib import Path

import pytest

from scaffolder.errors import ScaffoldError
from scaffolder.itemsfile import DEFAULT_BATCH_SIZE, load_items_file
from tests.conftest import build_file_tree


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    build_file_tree(tmp_path, files)
    return tmp_path / next(iter(files))


def test_single_blueprint_with_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "items.yaml": "blueprint: crud-endpoint\ndefaults: {package: svc}\nitems:\n  - resource: users\n  - {resource: tasks, package: other}\n"
        },
    )
    loaded = load_items_file(path)
    assert not loaded.is_plan
    (phase,) = loaded.phases
    assert (phase.name, phase.blueprint, phase.batch_size) == (
        None,
        "crud-endpoint",
        DEFAULT_BATCH_SIZE,
    )
    assert [(i.number, i.values, dict(i.defaults)) for i in phase.items] == [
        (1, {"resource": "users"}, {"package": "svc"}),
        (2, {"resource": "tasks", "package": "other"}, {"package": "svc"}),
    ]
    assert phase.items[1].document.line_of(phase.items[1].location) == 5


def test_json_items_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"items.json": '{"blueprint": "x", "batch_size": 2, "items": [{"a": 1}]}'}
    )
    (phase,) = load_items_file(path).phases
    assert phase.batch_size == 2 and phase.items[0].values == {"a": 1}


def test_plan_phases_inherit_top_level_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "plan.yaml": "batch_size: 3\ndefaults: {a: 1}\nphases:\n"
            "  - {name: one, blueprint: x, items: [{}]}\n"
            "  - {name: two, blueprint: ./local/bp, batch_size: 9, defaults: {a: 2}, items: []}\n"
        },
    )
    loaded = load_items_file(path)
    assert loaded.is_plan
    one, two = loaded.phases
    assert (one.name, one.batch_size, dict(one.items[0].defaults)) == ("one", 3, {"a": 1})
    # a blueprint path is relative to the items file
    assert (two.blueprint, two.batch_size) == (str((tmp_path / "local/bp").resolve()), 9)


def test_items_from_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "items.yaml": "blueprint: x\nitems: {from: data/rows.csv}\n",
            "data/rows.csv": "resource,count,package\nusers,3,\ntasks,4,svc\n",
        },
    )
    (phase,) = load_items_file(path).phases
    first, second = phase.items
    assert first.textual and first.values == {"resource": "users", "count": "3"}
    assert second.values == {"resource": "tasks", "count": "4", "package": "svc"}
    assert first.document.source.endswith("rows.csv")
    assert second.document.line_of((*second.location, "count")) == 3


def test_items_from_a_yaml_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"items.yaml": "blueprint: x\nitems: {from: list.yaml}\n", "list.yaml": "- a: 1\n- a: 2\n"},
    )
    (phase,) = load_items_file(path).phases
    assert [i.values for i in phase.items] == [{"a": 1}, {"a": 2}]
    assert not phase.items[0].textual


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("items: []\n", r"items.yaml:1: \(top level\): 'blueprint' is a required property"),
        (
            "blueprint: x\nitems: []\nbatch_size: 0\n",
            r"items.yaml:3: batch_size: 0 is less than the minimum of 1",
        ),
        ("blueprint: x\nitems: []\nitem: []\n", r"'item' was unexpected"),
        ("blueprint: x\nitems: {from: rows.txt}\n", r"items.from: 'rows.txt' does not match"),
        (
            "phases:\n  - {name: a, blueprint: x, items: []}\nitems: []\n",
            r"items: not allowed here: a plan lists its items in its phases",
        ),
        (
            "phases:\n  - {name: a, blueprint: x, items: []}\n  - {name: a, blueprint: y, items: []}\n",
            r"phase names must differ; repeated: a",
        ),
        ("- a\n", r"an items file is a mapping"),
        ("blueprint: x\nitems: {from: missing.csv}\n", r"missing.csv does not exist"),
    ],
)
def test_bad_items_files_say_where_and_why(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, {"items.yaml": text})
    with pytest.raises(ScaffoldError, match=message):
        load_items_file(path)


def test_csv_row_with_too_many_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"items.yaml": "blueprint: x\nitems: {from: rows.csv}\n", "rows.csv": "a\n1\n2,3\n"},
    )
    with pytest.raises(ScaffoldError, match=r"rows.csv:3: more cells than the header"):
        load_items_file(path)
