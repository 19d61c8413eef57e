"""The built-in catalogue: every blueprint's examples render and pass all its checks.

Nothing is skipped for a missing tool: the test extras install what the checks need.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import scaffolder
from scaffolder.blueprint import Origin
from scaffolder.catalog import SearchPath, resolve_blueprint, scan
from scaffolder.checks import CheckStatus
from scaffolder.cli import app
from scaffolder.itemsfile import load_items_file
from scaffolder.resources import data_dir

BUILT_IN = SearchPath(((data_dir("blueprints"), Origin.BUILT_IN),))
NAMES = sorted(b.name for b in scaffolder.blueprints(BUILT_IN))


CATALOGUE = {  # one blueprint per execution pattern, and project bootstrapping
    "module-manifest": "EXEC-001",
    "python-module": "EXEC-002",
    "test-suite": "EXEC-003",
    "module-doc": "EXEC-004",
    "env-config": "EXEC-005",
    "crud-endpoint": "EXEC-006",
    "json-schema": "EXEC-007",
    "sql-migration": "EXEC-008",
    "python-project": "BOOTSTRAP",
}


def test_the_catalogue_has_one_blueprint_per_pattern() -> None:
    assert {b.name: b.pattern for b in scaffolder.blueprints(BUILT_IN)} == CATALOGUE


def test_scaffold_list_shows_all_nine_with_their_pattern(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCAFFOLD_PATH", raising=False)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in result.stdout.splitlines()]
    rows = {c[0]: (c[1], c[2]) for c in cells if len(c) == 5 and c[4] == "built-in"}
    assert rows == {name: ("native", pattern) for name, pattern in CATALOGUE.items()}


def test_every_example_items_file_names_a_built_in_blueprint() -> None:
    examples = Path(__file__).parents[1] / "examples"
    named = set()
    for path in examples.glob("*.yaml"):
        for phase in load_items_file(path).phases:
            named.add(phase.blueprint)
    assert named == set(CATALOGUE), "an items file per blueprint in examples/"


def test_no_built_in_blueprint_is_broken() -> None:
    # a broken one would be skipped by the catalogue, and so by the tests below
    assert [error.message for error in scan(BUILT_IN).broken] == []


@pytest.mark.parametrize("name", NAMES)
def test_every_example_renders_and_passes_every_check(name: str, tmp_path: Path) -> None:
    blueprint = resolve_blueprint(name, BUILT_IN)
    assert blueprint.pattern and blueprint.checks
    assert len(blueprint.examples) >= 2, "at least two examples: documentation and self-test"
    reports = scaffolder.test_blueprint(blueprint, keep=tmp_path)
    for number, report in enumerate(reports, start=1):
        failures = [p.describe() for c in report.checks for p in c.problems]
        assert report.exit_code == 0, f"example {number}: {report.outcome}: {failures}"
        assert len(report.checks) == len(blueprint.checks), f"example {number}: a check is missing"
        assert {c.status for c in report.checks} == {CheckStatus.PASSED}, f"example {number}"
        assert all(c.files for c in report.checks), f"example {number}: a check covered no file"


@pytest.mark.parametrize("name", NAMES)
def test_every_variable_is_described(name: str) -> None:
    blueprint = resolve_blueprint(name, BUILT_IN)
    undescribed = [n for n, prop in blueprint.properties.items() if not prop.get("description")]
    assert not undescribed, (
        f"{name}: describe {', '.join(undescribed)} (it is the prompt's question)"
    )
