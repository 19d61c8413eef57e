"""What a new user reads: render errors that name every failing item, check rows that say
what they checked and counted, progress lines that count files as the summary does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffolder import batches, render_errors
from scaffolder.batches import BatchDone, render_batches
from scaffolder.blueprint import load_blueprint
from scaffolder.render_errors import RenderError
from scaffolder.variables import Item
from tests.conftest import build_file_tree, snapshot
from tests.test_cli import assert_report, run

SCAFFOLD = Path(sys.executable).parent / "scaffold"
VARIABLES = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "x": {"type": "object", "default": {}}},
}
NOPE = "ok\nvalue = {{ x.nope }}\n"  # fails for an item without x.nope (StrictUndefined)

pytestmark = pytest.mark.usefixtures("isolated")


def make_blueprint(root: Path, templates: dict[str, str], **manifest: Any) -> Path:
    data = {"name": "probe", "description": "a probe", "variables": VARIABLES, **manifest}
    build_file_tree(root, {"blueprint.yaml": yaml.safe_dump(data, sort_keys=False)})
    build_file_tree(root / "template", templates)
    return root


def scaffold(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
    env.pop("SCAFFOLD_PATH", None)
    return subprocess.run(
        [str(SCAFFOLD), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )


SIX_ITEMS = """\
blueprint: ./bp
items:
  - name: a
    x: {nope: 1}
  - name: b
  - name: c
    x: {nope: 1}
  - name: d
    x: {nope: 1}
  - name: e
  - name: f
    x: {nope: 1}
"""


# --- 1. a render error names every failing item ------------------------------------------


def test_a_render_error_names_every_failing_item_and_its_line(tmp_path: Path) -> None:
    make_blueprint(tmp_path / "bp", {"app/{{ name }}.py.jinja": NOPE})
    (tmp_path / "items.yaml").write_text(SIX_ITEMS)
    out = build_file_tree(tmp_path / "out", {"mine.txt": "mine\n"})
    before = snapshot(out)

    done = scaffold("batch", "items.yaml", "--out", "out", cwd=tmp_path)

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "2 of 6 items of blueprint probe" in done.stderr
    lines = [line.strip() for line in done.stderr.splitlines()]
    cause = "template/app/{{ name }}.py.jinja:2: 'dict object' has no attribute 'nope'"
    assert any(line.startswith(f"items.yaml:5: item 2 (b): {cause}") for line in lines), lines
    assert any(line.startswith(f"items.yaml:10: item 5 (e): {cause}") for line in lines), lines
    assert not any("item 1 " in line or "item 3 " in line for line in lines)
    # template paths relative to the blueprint: its folder is named once, in the heading
    assert done.stderr.count(str(tmp_path / "bp")) == 1
    assert str(tmp_path / "bp" / "template") not in done.stderr
    assert snapshot(out) == before  # nothing written


def test_render_failures_are_in_the_json_report(tmp_path: Path) -> None:
    make_blueprint(tmp_path / "bp", {"app/{{ name }}.py.jinja": NOPE})
    (tmp_path / "items.yaml").write_text(SIX_ITEMS)

    result = run("batch", "items.yaml", "--out", "out", "--json")

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert_report(data)
    error = data["error"]
    assert error["kind"] == "template"
    failures = [(f["item"], f["name"], f["line"], f["source"]) for f in error["failures"]]
    assert failures == [(2, "b", 5, "items.yaml"), (5, "e", 10, "items.yaml")]
    assert all(f["message"].startswith("template/app/") for f in error["failures"])
    assert not (tmp_path / "out").exists()


def test_failures_are_gathered_across_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "SERIAL_SECONDS", 0.0)  # every batch to a worker
    root = make_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": NOPE})
    good = {"nope": 1}
    items = [
        Item(i, {"name": f"n{i}", "x": {} if i in (2, 5) else good}, f"n{i}") for i in range(1, 7)
    ]
    told: list[BatchDone] = []

    with pytest.raises(RenderError) as caught:
        render_batches(load_blueprint(root), items, batch_size=2, jobs=2, on_batch=told.append)

    assert [f.index for f in caught.value.failures] == [2, 5]  # from two workers' batches
    assert [f.label for f in caught.value.failures] == ["item 2 (n2)", "item 5 (n5)"]
    assert len(told) == 3  # every batch rendered
    assert "2 of 6 items" in caught.value.message


def test_each_phase_names_its_items_by_their_number_in_it(tmp_path: Path) -> None:
    make_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": NOPE})
    (tmp_path / "plan.yaml").write_text(
        "phases:\n"
        "  - name: first\n    blueprint: ./bp\n    items:\n      - {name: a, x: {nope: 1}}\n"
        "  - name: second\n    blueprint: ./bp\n    items:\n"
        "      - {name: b, x: {nope: 1}}\n"
        "      - {name: c}\n"
    )

    result = run("batch", "plan.yaml", "--out", "out")

    assert result.exit_code == 1
    assert "plan.yaml:10: phase second, item 2 (c): template/{{ name }}.txt.jinja:2:" in (
        result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_many_failures_list_the_first_and_number_the_rest(tmp_path: Path) -> None:
    make_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": NOPE})
    names = [f"n{i}" for i in range(1, 31)]
    items = [
        {"name": n} if i not in (3, 4) else {"name": n, "x": {"nope": 1}}
        for i, n in enumerate(names, 1)
    ]
    (tmp_path / "items.yaml").write_text(yaml.safe_dump({"blueprint": "./bp", "items": items}))

    result = run("batch", "items.yaml", "--out", "out")

    assert result.exit_code == 1
    assert "28 of 30 items" in result.stderr
    listed = [line for line in result.stderr.splitlines() if ": item " in line]
    assert len(listed) == render_errors.LISTED
    assert "… and 8 more: items 23-30" in result.stderr


def test_slow_failures_stop_the_gathering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_errors, "FAILING_SECONDS", 0.0)  # any failure is too slow
    root = make_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": NOPE})
    items = [Item(i, {"name": f"n{i}", "x": {}}, f"n{i}") for i in range(1, 5)]

    with pytest.raises(RenderError) as caught:
        render_batches(load_blueprint(root), items, batch_size=2)

    assert [f.index for f in caught.value.failures] == [1]
    assert "Rendering stopped there" in caught.value.message


def test_one_render_keeps_its_one_line_error(tmp_path: Path) -> None:
    make_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": NOPE})

    result = run("new", "./bp", "--set", "name=a", "--out", "out")

    assert result.exit_code == 1
    assert "{{ name }}.txt.jinja:2: 'dict object' has no attribute 'nope'" in result.stderr
    assert " of 1 item" not in result.stderr
    assert not (tmp_path / "out").exists()


# --- 2. the pytest row says how many tests ran and passed --------------------------------

TESTS = """\
def test_{{ name }}_one():
    assert {{ ok }}


def test_{{ name }}_two():
    pass
"""


def check_rows(output: str) -> dict[str, str]:
    """``{check: result}`` from the checks table (the result is the column before the
    time, which may be more than one word: ``3 failed of 24``)."""
    rows = {}
    lines = output.splitlines()
    start = lines.index("checks") if "checks" in lines else len(lines)
    for line in lines[start:]:
        cells = [cell for cell in line.strip().split("  ") if cell.strip()]
        if len(cells) >= 4 and cells[-1].strip().endswith("s") and cells[0].strip() == "probe":
            rows[cells[1].strip()] = cells[-2].strip()
    return rows


def pytest_blueprint(root: Path, **options: Any) -> Path:
    return make_blueprint(
        root,
        {"tests/test_{{ name }}.py.jinja": TESTS},
        variables={
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "ok": {"type": "boolean", "default": True}},
        },
        checks=[{"pytest": options}],
    )


def test_the_pytest_row_says_how_many_tests_passed(tmp_path: Path) -> None:
    pytest_blueprint(tmp_path / "bp", run=True)
    items = {"blueprint": "./bp", "items": [{"name": n} for n in ("a", "b", "c")]}
    (tmp_path / "items.yaml").write_text(yaml.safe_dump(items))

    done = scaffold("batch", "items.yaml", "--out", "out", "--trust", cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert check_rows(done.stdout) == {"pytest run": "6 passed"}, done.stdout


def test_the_pytest_row_says_how_many_failed_of_how_many(tmp_path: Path) -> None:
    pytest_blueprint(tmp_path / "bp", run=True)
    names = [{"name": "a"}, {"name": "b", "ok": False}, {"name": "c"}]
    (tmp_path / "items.yaml").write_text(yaml.safe_dump({"blueprint": "./bp", "items": names}))

    result = run("batch", "items.yaml", "--out", "out", "--trust")

    assert result.exit_code == 1, result.output
    assert check_rows(result.stdout) == {"pytest run": "1 failed of 6"}, result.stdout
    assert not (tmp_path / "out" / "tests").exists()  # rolled back


def test_a_collecting_check_says_it_passed_and_what_it_collected(tmp_path: Path) -> None:
    pytest_blueprint(tmp_path / "bp", collect_only=True, min_tests=3)
    items = {"blueprint": "./bp", "items": [{"name": "a"}, {"name": "b"}]}
    (tmp_path / "items.yaml").write_text(yaml.safe_dump(items))

    result = run("batch", "items.yaml", "--out", "out", "--trust")

    assert result.exit_code == 1, result.output  # 2 tests each, 3 expected
    assert check_rows(result.stdout) == {"pytest collect_only, min_tests=3": "failed: 4 collected"}


def test_pytest_summaries() -> None:
    from scaffolder.checks.model import CheckResult, CheckStatus, PytestCounts

    def summary(status: CheckStatus, **counts: int) -> str:
        tests = PytestCounts(**counts)
        return CheckResult("bp", None, "pytest", "pytest", (), status, 0.0, tests=tests).summary

    assert summary(CheckStatus.PASSED, collected=24, passed=24) == "24 passed"
    assert summary(CheckStatus.FAILED, collected=24, passed=21, failed=3) == "3 failed of 24"
    assert summary(CheckStatus.PASSED, collected=24) == "passed: 24 collected"
    assert summary(CheckStatus.FAILED, collected=5, errors=1) == "failed: 5 collected, 1 error"
    assert summary(CheckStatus.PASSED, collected=3, passed=2, skipped=1) == "2 passed, 1 skipped"
    assert summary(CheckStatus.FAILED, collected=2, passed=2, errors=2) == (
        "failed: 2 passed, 2 errors"
    )
    not_run = CheckResult("bp", None, "pytest", "pytest", (), CheckStatus.NOT_RUN, 0.0)
    assert not_run.summary == "not run"


# --- 3. check rows show rendered names, not raw Jinja ------------------------------------


def test_a_check_row_shows_the_names_each_item_renders(tmp_path: Path) -> None:
    make_blueprint(
        tmp_path / "bp",
        {"pkg/__init__.py": "", "pkg/{{ name }}.py.jinja": "NAME = {{ name | tojson }}\n"},
        checks=[{"import": "pkg.{{ name }}"}, "py_compile"],
    )
    names = ["users", "projects", "tasks", "teams", "labels"]
    items = {"blueprint": "./bp", "items": [{"name": n} for n in names]}
    (tmp_path / "items.yaml").write_text(yaml.safe_dump(items))

    result = run("batch", "items.yaml", "--out", "out", "--trust", "--json")

    assert result.exit_code == 0, result.output
    described = [check["check"] for check in json.loads(result.stdout)["checks"]]
    assert described == ["import pkg.users, pkg.projects, pkg.tasks and 2 more", "py_compile"]
    shown = run("check", "--out", "out", "--trust")
    assert "import pkg.users, pkg.projects, pkg.tasks and 2 more" in shown.stdout
    assert "{{" not in shown.stdout


def test_rendered_descriptions_together() -> None:
    from scaffolder.checks.base import described_together

    assert described_together(["import app.api.users"] * 3) == "import app.api.users"
    assert described_together(["import app.api.users", "import app.api.projects"]) == (
        "import app.api.users, app.api.projects"
    )
    commands = [f"command run --name {n} --fast" for n in "abcde"]
    assert described_together(commands) == "command run --name a, b, c and 2 more --fast"
    # several words differ: each item's whole part, separated by semicolons
    assert described_together(["import a.x, b.x", "import a.y, b.y"]) == "import a.x, b.x; a.y, b.y"
    assert described_together(["command foo", "command foo bar"]) == "command foo; command foo bar"


# --- 4. progress lines count each file once, as the summary does -------------------------


def summary_row(output: str, blueprint: str) -> list[str]:
    lines = output.splitlines()
    start = lines.index("summary")
    return next(line.split() for line in lines[start:] if blueprint in line.split())


def test_progress_lines_count_each_file_once(tmp_path: Path) -> None:
    # crud-endpoint: 3 files per item, 4 shared by every item, and app/main.py, into which
    # every item injects its router
    examples = Path(__file__).parents[1] / "examples"
    result = run("batch", examples / "crud-endpoints.yaml", "--out", "svc", "--no-check")

    assert result.exit_code == 0, result.output
    assert "crud-endpoint: batch 2/2, 8 items, 29 files" in result.stdout
    assert summary_row(result.stdout, "crud-endpoint")[1:3] == ["8", "29"]
    assert "done: 29 created" in result.stdout


def test_progress_lines_of_phases_add_up_to_the_summary(tmp_path: Path) -> None:
    make_blueprint(
        tmp_path / "bp",
        {"{{ name }}.txt.jinja": "{{ name }}\n", "shared.txt": "the same for all\n"},
        inject=[{"into": "index.txt", "snippet": "{{ name }}\n", "at": "end"}],
    )
    (tmp_path / "plan.yaml").write_text(
        yaml.safe_dump(
            {
                "phases": [
                    {"name": "one", "blueprint": "./bp", "items": [{"name": "a"}, {"name": "b"}]},
                    {"name": "two", "blueprint": "./bp", "items": [{"name": "c"}]},
                ]
            }
        )
    )
    build_file_tree(tmp_path / "out", {"index.txt": "index\n"})

    result = run("batch", "plan.yaml", "--out", "out")

    assert result.exit_code == 0, result.output
    # phase one: a.txt, b.txt, shared.txt and index.txt; phase two: c.txt only
    assert "probe (phase one): batch 1/1, 2 items, 4 files" in result.stdout
    assert "probe (phase two): batch 1/1, 1 item, 1 file," in result.stdout
    one, two = summary_row(result.stdout, "one"), summary_row(result.stdout, "two")
    # phase, blueprint, items, created, identical, injected
    assert sum(map(int, one[3:-1])) == 4 and sum(map(int, two[3:-1])) == 1, result.stdout


def test_paths_that_leave_the_destination_are_gathered_too(tmp_path: Path) -> None:
    make_blueprint(tmp_path / "bp", {"{{ name }}.txt.jinja": "{{ name }}\n"})
    items = [{"name": n} for n in ("a", "../up", "b", "/etc/abs")]
    (tmp_path / "items.yaml").write_text(yaml.safe_dump({"blueprint": "./bp", "items": items}))

    result = run("batch", "items.yaml", "--out", "out", "--json")

    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["kind"] == "confinement"
    assert [(f["item"], f["name"]) for f in error["failures"]] == [(2, "../up"), (4, "/etc/abs")]
    assert not (tmp_path / "out").exists()
