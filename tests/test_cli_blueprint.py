"""`scaffold blueprint test`: render a blueprint's examples in fresh folders and run its checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import MakeBlueprint
from tests.test_cli import no_traceback, run

VARIABLES = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "description": "module name"}},
}


pytestmark = pytest.mark.usefixtures("isolated")


def test_a_built_in_blueprint_passes(tmp_path: Path) -> None:
    result = run("blueprint", "test", "json-schema", "--keep", "kept")
    assert result.exit_code == 0, result.output
    assert "passed  example 1 user_profile" in result.stdout
    assert "json-schema: 2 examples, all passed" in result.stdout
    assert (tmp_path / "kept/example-2/schemas/order-line.schema.json").is_file()


def test_a_broken_example_fails_and_says_why(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.py.jinja": "{% if name == 'bad' %}def broken(:\n{% endif %}VALUE = 1\n"},
        variables=VARIABLES,
        checks=["py_compile"],
        examples=[{"name": "good"}, {"name": "bad"}],
    )
    result = run("blueprint", "test", blueprint.root)
    assert result.exit_code == 1
    no_traceback(result)
    assert "passed  example 1 good" in result.stdout
    assert "failed  example 2 bad" in result.stdout
    assert "bad.py:1:" in result.stdout
    assert "2 examples, 1 failed" in result.stdout

    data = json.loads(run("blueprint", "test", blueprint.root, "--json").stdout)
    assert data["failed"] == [2]
    assert data["examples"][1]["checks"][0]["problems"][0]["file"] == "bad.py"


def test_no_examples_is_an_error(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint({"a.txt": "a"}, variables=VARIABLES)
    result = run("blueprint", "test", blueprint.root)
    assert result.exit_code == 1
    assert "no `examples:` to test" in result.stderr


def test_commands_of_a_local_blueprint_need_trust(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"a.txt": "a"},
        variables=VARIABLES,
        checks=[{"command": {"run": "true"}}],
        examples=[{"name": "x"}],
    )
    refused = run("blueprint", "test", blueprint.root)
    assert refused.exit_code == 1
    assert "--trust" in refused.stderr
    assert run("blueprint", "test", blueprint.root, "--trust").exit_code == 0
