import pytest

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
