from pathlib import Path

import pytest

from scaffolder.blueprint import Check, load_blueprint
from scaffolder.errors import BlueprintError
from tests.conftest import build_file_tree


def write_manifest(root: Path, text: str) -> Path:
    build_file_tree(root, {"blueprint.yaml": text, "template/x.txt": "x"})
    return root


def test_loads_a_full_manifest(tmp_path: Path) -> None:
    root = write_manifest(
        tmp_path / "bp",
        """\
name: crud-thing
pattern: EXEC-006
description: things
variables:
  type: object
  required: [resource]
  properties:
    resource: {type: string}
computed:
  Model: "{{ resource | pascal }}"
checks:
  - py_compile
  - import: "app.{{ resource }}"
examples:
  - {resource: users}
""",
    )
    blueprint = load_blueprint(root)
    assert blueprint.name == "crud-thing"
    assert blueprint.pattern == "EXEC-006"
    assert blueprint.required == ("resource",)
    assert dict(blueprint.computed) == {"Model": "{{ resource | pascal }}"}
    assert blueprint.checks == (Check("py_compile"), Check("import", "app.{{ resource }}"))
    assert blueprint.examples == ({"resource": "users"},)
    assert blueprint.template_files() == [Path("x.txt")]


def test_bad_manifest_names_file_key_line_and_rule(tmp_path: Path) -> None:
    root = write_manifest(
        tmp_path / "bp",
        "name: Bad Name\ndescription: d\nvariables: {type: object}\nchecks: [frobnicate]\n",
    )
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(root)
    message = caught.value.message
    assert str(root / "blueprint.yaml") in message
    assert "blueprint.yaml:1: name: 'Bad Name' does not match" in message
    assert "[pattern]" in message
    assert "blueprint.yaml:4: checks.0:" in message


def test_unknown_key_lists_the_allowed_ones(tmp_path: Path) -> None:
    root = write_manifest(
        tmp_path / "bp", "name: x\ndescription: d\nvariables: {type: object}\nvariabels: {}\n"
    )
    with pytest.raises(BlueprintError, match=r"'variabels' was unexpected.*Allowed keys: name"):
        load_blueprint(root)


def test_missing_required_key(tmp_path: Path) -> None:
    root = write_manifest(tmp_path / "bp", "name: x\nvariables: {type: object}\n")
    with pytest.raises(BlueprintError, match=r"'description' is a required property \[required\]"):
        load_blueprint(root)


def test_variables_must_be_a_json_schema(tmp_path: Path) -> None:
    root = write_manifest(
        tmp_path / "bp",
        "name: x\ndescription: d\nvariables:\n  type: object\n  properties:\n    a: {type: strung}\n",
    )
    with pytest.raises(
        BlueprintError, match=r"variables.properties.a.type: not a valid JSON Schema"
    ):
        load_blueprint(root)


def test_not_a_blueprint(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError, match=r"not a blueprint \(no blueprint.yaml\)"):
        load_blueprint(tmp_path)


def test_template_folder_is_required(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path, {"blueprint.yaml": "name: x\ndescription: d\nvariables: {type: object}\n"}
    )
    with pytest.raises(BlueprintError, match="has no template/ folder"):
        load_blueprint(tmp_path)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    root = write_manifest(tmp_path / "bp", "name: x\ndescription: [d\n")
    with pytest.raises(Exception, match=r"blueprint.yaml:\d+: not valid YAML"):
        load_blueprint(root)
