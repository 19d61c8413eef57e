"""``scaffold batch`` through Typer's CliRunner (no terminal: plain progress lines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scaffolder.cli import app
from tests.conftest import build_file_tree, snapshot
from tests.test_cli import assert_report, no_traceback, run, runner, statuses

EXAMPLES = Path(__file__).parents[1] / "examples"


pytestmark = pytest.mark.usefixtures("isolated")


def test_example_batch_then_rerun_all_identical(tmp_path: Path) -> None:
    first = run(
        "batch", EXAMPLES / "crud-endpoints.yaml", "--out", "svc", "--jobs", "1", "--no-check"
    )
    assert first.exit_code == 0, first.output
    # progress in a pipe: a plain line per batch (8 items in batches of 6)
    assert "crud-endpoint: batch 1/2, 6 items" in first.stdout
    assert "crud-endpoint: batch 2/2, 8 items" in first.stdout
    assert statuses(first.stdout)["app/api/webhooks.py"] == "create"
    assert (tmp_path / "svc/tests/test_invoices_api.py").exists()
    # the summary table: a row per blueprint with items and files created
    row = next(line for line in first.stdout.splitlines() if line.split()[:1] == ["crud-endpoint"])
    assert row.split()[1:3] == ["8", "29"]  # 3 per item, 4 shared, and app/main.py

    tree = snapshot(tmp_path / "svc")
    again = run("batch", EXAMPLES / "crud-endpoints.yaml", "--out", "svc", "--no-check")
    assert again.exit_code == 0, again.output
    assert statuses(again.stdout) == {}  # identical files are counted, not listed
    assert "done: 29 identical" in again.stdout
    assert snapshot(tmp_path / "svc") == tree


def test_three_bad_items_are_listed_with_their_lines(tmp_path: Path) -> None:
    items = tmp_path / "items.yaml"
    items.write_text(
        "blueprint: crud-endpoint\nitems:\n"
        "  - resource: users\n"
        "  - resource: [not, text]\n"
        "  - fields: [{name: title, type: str}]\n"
        "  - resource: Bad-Name\n"
    )
    out = build_file_tree(tmp_path / "svc", {"README.md": "mine\n"})
    before = snapshot(out)
    result = run("batch", items, "--out", out)
    assert result.exit_code == 1
    no_traceback(result)
    for line, rule in ((4, "[type]"), (5, "[required]"), (6, "[pattern]")):
        assert any(
            f"items.yaml:{line}: " in text and rule in text for text in result.stderr.splitlines()
        ), result.stderr
    assert snapshot(out) == before


def test_jobs_do_not_change_the_tree(tmp_path: Path) -> None:
    for jobs in ("1", "4"):
        result = run(
            "batch",
            EXAMPLES / "crud-endpoints.yaml",
            "--out",
            f"out{jobs}",
            "--jobs",
            jobs,
            "--batch-size",
            "2",
            "--no-check",
        )
        assert result.exit_code == 0, result.output
        assert "batch 4/4" in result.stdout
    assert snapshot(tmp_path / "out1") == snapshot(tmp_path / "out4")


def test_plan_conflict_in_second_phase_leaves_everything_as_it_was(tmp_path: Path) -> None:
    out = build_file_tree(tmp_path / "svc", {"app/api/projects.py": "# edited\n"})
    before = snapshot(out)
    result = run("batch", EXAMPLES / "plan.yaml", "--out", out)
    assert result.exit_code == 1
    assert statuses(result.stdout)["app/api/projects.py"] == "conflict"
    assert statuses(result.stdout)["schemas/user.schema.json"] == "create"  # planned, not written
    assert "Nothing was written" in result.stdout
    assert snapshot(out) == before
    # a row per phase
    rows = [
        line.split()[:2]
        for line in result.stdout.splitlines()
        if line.strip().startswith(("schemas", "endpoints"))
    ]
    assert rows == [["schemas", "json-schema"], ["endpoints", "crud-endpoint"]]


def test_json_prints_only_the_report(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(EXAMPLES / "plan.yaml"), "--out", "svc", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # nothing but the JSON document
    assert_report(data)
    assert [(s["phase"], s["blueprint"], s["items"]) for s in data["summary"]] == [
        ("schemas", "json-schema", 2),
        ("endpoints", "crud-endpoint", 2),
        ("migrations", "sql-migration", 2),
    ]
    users = next(item for item in data["items"] if item["name"] == "users")
    assert users["phase"] == "endpoints"
    assert "app/api/users.py" in users["files"]


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    result = run("batch", EXAMPLES / "crud-from-csv.yaml", "--out", "svc", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+++ b/shop/api/orders.py" in result.stdout
    assert not (tmp_path / "svc").exists()


def test_bad_items_file_and_options(tmp_path: Path) -> None:
    (tmp_path / "items.yaml").write_text(
        yaml.safe_dump({"blueprint": "crud-endpoint", "itemz": []})
    )
    result = run("batch", "items.yaml")
    assert result.exit_code == 1
    assert "items.yaml:1: (top level): 'items' is a required property" in result.stderr
    assert run("batch", "missing.yaml").exit_code == 1
    assert run("batch", EXAMPLES / "plan.yaml", "--jobs", "0").exit_code == 2
    assert run("batch").exit_code == 2
