"""Golden scenarios: ``golden/<blueprint>/<scenario>/input.yaml`` renders to ``expected/``.

After an intended change to a blueprint, regenerate with
``SCAFFOLD_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

import scaffolder
from scaffolder.blueprint import Origin
from scaffolder.catalog import SearchPath
from scaffolder.resources import data_dir
from tests.conftest import snapshot

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = sorted(GOLDEN.glob("*/*/input.yaml"))
BUILT_IN = SearchPath(((data_dir("blueprints"), Origin.BUILT_IN),))


def scenario_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}"


def render_scenario(scenario: Path, out: Path) -> scaffolder.Report:
    values = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    return scaffolder.new(
        scenario.parent.parent.name, values, out=out, search=BUILT_IN, check=False
    )


def output_tree(out: Path) -> dict[str, bytes | None]:
    """The blueprint's output: the tree without scaffolder's own .scaffold/ folder."""
    return {k: v for k, v in snapshot(out).items() if not k.startswith(".scaffold")}


def test_every_built_in_blueprint_has_golden_scenarios() -> None:
    covered = {path.parent.parent.name for path in SCENARIOS}
    assert covered == {b.name for b in scaffolder.blueprints(BUILT_IN)}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=scenario_id)
def test_renders_exactly_the_expected_tree(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = render_scenario(scenario, out)
    assert report.exit_code == 0
    expected = scenario.parent / "expected"
    if os.environ.get("SCAFFOLD_UPDATE_GOLDEN"):
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out, expected, ignore=shutil.ignore_patterns(".scaffold"))
    assert output_tree(out) == snapshot(expected)


@pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if s.parent.parent.name == "crud-endpoint"], ids=scenario_id
)
def test_generated_crud_tests_pass_under_plain_pytest(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    render_scenario(scenario, out)
    pytest_command = Path(sys.executable).parent / "pytest"
    result = subprocess.run(
        [
            str(pytest_command),
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::DeprecationWarning:app",
        ],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


@pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if s.parent.parent.name == "json-schema"], ids=scenario_id
)
def test_generated_schemas_are_valid_and_accept_their_example(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    render_scenario(scenario, out)
    values = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    (path,) = out.rglob("*.schema.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(path.name)
    Draft202012Validator(schema).validate(values["example"])
    assert schema["examples"] == [values["example"]]
