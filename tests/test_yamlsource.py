from pathlib import Path

import pytest

from scaffolder import yamlsource
from scaffolder.errors import ScaffoldError
from scaffolder.yamlsource import load_yaml, parse_yaml


def test_lines_are_kept_for_every_value() -> None:
    document = parse_yaml("name: x\nitems:\n  - resource: users\n  - resource: 3\n", "f.yaml")
    assert document.data == {"name": "x", "items": [{"resource": "users"}, {"resource": 3}]}
    assert document.line_of(("name",)) == 1
    assert document.line_of(("items", 1, "resource")) == 4
    # a missing value is placed at its nearest enclosing one
    assert document.line_of(("items", 1, "fields", 0)) == 4


def test_json_is_read_too() -> None:
    document = parse_yaml('{\n "a": [1,\n  2]\n}', "f.json")
    assert document.data == {"a": [1, 2]}
    assert document.line_of(("a", 1)) == 3


def test_syntax_error_names_file_and_line() -> None:
    with pytest.raises(ScaffoldError, match=r"^bad\.yaml:3: not valid YAML"):
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml")


def test_missing_file(tmp_path) -> None:
    with pytest.raises(ScaffoldError, match="no such file"):
        load_yaml(tmp_path / "nope.yaml")


def test_lines_found_on_demand_are_those_of_the_text_read() -> None:
    text = "items:\n" + "".join(f"  - name: n{i}\n    size: {i}\n" for i in range(500))
    document = parse_yaml(text, "items.yaml")
    assert document.data["items"][499] == {"name": "n499", "size": 499}
    assert document.line_of(("items", 499, "size")) == 1001
    assert document.line_of(("items", 0, "name")) == 2
    assert document.line_of(("items", 7, "missing")) == 16  # the item's own line
    assert len(document.lines) == 1 + 1 + 500 * 3


def test_a_document_with_aliases_within_the_limits_is_read_with_its_lines() -> None:
    document = parse_yaml("base: &b {x: 1}\nitems:\n  - *b\n  - y: 2\n", "a.yaml")
    assert document.data == {"base": {"x": 1}, "items": [{"x": 1}, {"y": 2}]}
    assert document.line_of(("items", 1, "y")) == 4


def test_an_alias_bomb_is_refused_at_its_line() -> None:
    rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    rows += [
        f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]"
        for a, b in zip("abcdef", "bcdefg", strict=True)
    ]
    with pytest.raises(ScaffoldError, match=r"^bomb.yaml:\d+: its aliases \(\*name\) expand"):
        parse_yaml("\n".join(rows) + "\n", "bomb.yaml")


def test_a_tree_nested_past_the_limit_is_refused_with_its_line() -> None:
    text = "[\n" * 150 + "]\n" * 150  # 150 levels, each opened on its own line
    # the outermost list that is itself more than 100 levels deep: the 50th
    with pytest.raises(ScaffoldError, match=r"^deep.yaml:50: nested deeper than 100 levels"):
        parse_yaml(text, "deep.yaml")


def test_values_past_the_limit_are_refused_without_aliases_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(yamlsource, "MAX_VALUES", 50)
    assert len(parse_yaml("[" + ", ".join(["x"] * 49) + "]\n", "few.yaml").data) == 49
    with pytest.raises(ScaffoldError, match=r"^many.yaml:1: its aliases \(\*name\) expand"):
        parse_yaml("[" + ", ".join(["x"] * 60) + "]\n", "many.yaml")


def test_a_folder_or_a_file_that_is_not_utf8_is_named_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "items.yaml").mkdir()
    with pytest.raises(ScaffoldError, match=r"items\.yaml: a folder, not a file\. Name the file"):
        load_yaml(tmp_path / "items.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(
        ScaffoldError, match=r"latin\.yaml: not UTF-8 text \(byte 0xe9 at offset 9\)"
    ):
        load_yaml(latin)
