"""Ground-truth checks through the ``scaffold`` command: the commit they gate, the tool and
trust guards, ``--keep-failed``, ``--no-check``, ``scaffold check``, and the ``--json`` report.

Every test runs in ``tmp_path`` (the current directory is moved there), so nothing is
written anywhere else. The user's settings file plays no part: ``SCAFFOLD_SETTINGS`` names
a file in ``tmp_path``, which exists only when a test writes it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from scaffolder.checks import base as check_base
from tests.conftest import MakeBlueprint, build_file_tree, snapshot
from tests.test_checks import NAMED
from tests.test_cli import assert_report, no_traceback, run, statuses

PYTHON = sys.executable

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture(autouse=True)
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "settings" / "settings.yaml"
    monkeypatch.setenv("SCAFFOLD_SETTINGS", str(path))
    return path


def new(blueprint: Path, out: Path, *extra: str, name: str = "alpha") -> Result:
    return run("new", blueprint, "--set", f"name={name}", "--out", out, *extra)


def as_json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    assert_report(data)
    return data


@pytest.fixture
def broken(make_blueprint: MakeBlueprint) -> Path:
    """Overwrites ``notes.txt``; creates ``pkg/sub/NAME.py``, whose line 3 is a syntax error."""
    return make_blueprint(
        {
            "notes.txt.jinja": "new notes for {{ name }}\n",
            "pkg/__init__.py": "",
            "pkg/sub/{{ name }}.py.jinja": "import os\n\ndef {{ name }}(:\n    return os.sep\n",
        },
        variables=NAMED,
        checks=["py_compile"],
    ).root


@pytest.fixture
def compiles(make_blueprint: MakeBlueprint) -> Path:
    """``pkg/NAME.py`` and ``conf/NAME.json``, checked by py_compile and json."""
    return make_blueprint(
        {
            "pkg/{{ name }}.py.jinja": "NAME = {{ name | tojson }}\n",
            "conf/{{ name }}.json.jinja": '{"name": {{ name | tojson }}}\n',
        },
        name="compiles",
        variables=NAMED,
        checks=["py_compile", "json"],
    ).root


# --- the commit they gate ------------------------------------------------------------------


def test_a_syntax_error_fails_the_run_and_restores_the_destination(
    tmp_path: Path, broken: Path
) -> None:
    out = build_file_tree(
        tmp_path / "out", {"notes.txt": "my old notes\n", "pkg/keep.txt": "mine\n"}
    )
    before = snapshot(out)
    result = new(broken, out, "--on-conflict", "overwrite")
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert statuses(result.stdout) == {
        "notes.txt": "overwrite",
        "pkg/__init__.py": "create",
        "pkg/sub/alpha.py": "create",
    }
    assert "pkg/sub/alpha.py:3:" in result.output  # the file and the line
    assert "py_compile" in result.output  # the check
    assert "rolled back" in result.output
    # exactly as before: notes.txt restored, pkg/__init__.py and pkg/sub/ gone, pkg/ kept
    assert snapshot(out) == before


def test_keep_failed_keeps_the_files_and_still_fails(tmp_path: Path, broken: Path) -> None:
    out = build_file_tree(tmp_path / "out", {"notes.txt": "my old notes\n"})
    result = new(broken, out, "--on-conflict", "overwrite", "--keep-failed")
    assert result.exit_code == 1, result.output
    assert "pkg/sub/alpha.py:3:" in result.output
    assert "--keep-failed" in result.output
    assert (out / "notes.txt").read_text() == "new notes for alpha\n"
    assert (out / "pkg/sub/alpha.py").exists()
    assert not (out / ".scaffold/journal").exists()


def test_a_destination_created_by_a_failed_run_is_removed(tmp_path: Path, broken: Path) -> None:
    result = new(broken, tmp_path / "fresh" / "out")
    assert result.exit_code == 1
    assert not (tmp_path / "fresh").exists()


def test_no_check_skips_the_checks(tmp_path: Path, broken: Path) -> None:
    result = new(broken, tmp_path / "out", "--no-check")
    assert result.exit_code == 0, result.output
    assert "checks" not in result.stdout
    assert (tmp_path / "out/pkg/sub/alpha.py").exists()


def test_passing_checks_are_listed(tmp_path: Path, compiles: Path) -> None:
    result = new(compiles, tmp_path / "out")
    assert result.exit_code == 0, result.output
    rows = {
        line.split()[1]: line.split() for line in result.stdout.splitlines() if "passed" in line
    }
    assert rows["py_compile"][:4] == ["compiles", "py_compile", "1", "passed"]
    assert rows["json"][:4] == ["compiles", "json", "1", "passed"]


def test_json_report_of_a_failed_run(tmp_path: Path, broken: Path) -> None:
    out = tmp_path / "out"
    result = new(broken, out, "--json")
    assert result.exit_code == 1
    data = as_json(result)
    assert data["outcome"] == "checks_failed"
    assert data["rolled_back"] is True
    (check,) = data["checks"]
    assert check["kind"] == "py_compile"
    assert check["status"] == "failed"
    assert check["processes"] == 0
    assert check["files"] == ["pkg/__init__.py", "pkg/sub/alpha.py"]
    (problem,) = check["problems"]
    assert (problem["file"], problem["line"]) == ("pkg/sub/alpha.py", 3)
    assert not out.exists()


LOUD = (
    f"{PYTHON} -c \"import sys; print('\\n'.join(f'line {{n:02d}}' for n in range(1, 41))); "
    'sys.exit(1)"'
)


def test_tool_output_is_trimmed_in_the_terminal_and_whole_in_json(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt": "x\n"}, variables=NAMED, checks=[{"command": LOUD}]
    ).root
    shown = new(blueprint, tmp_path / "out", "--trust")
    assert shown.exit_code == 1, shown.output
    assert "exited with 1" in shown.output
    assert "line 40" in shown.output
    assert "line 05" not in shown.output
    assert "more lines in --json" in shown.output

    data = as_json(new(blueprint, tmp_path / "out", "--trust", "--json"))
    output = data["checks"][0]["output"]
    assert all(f"line {n:02d}" in output for n in range(1, 41))
    assert data["checks"][0]["processes"] == 1


def test_a_relative_destination_is_importable_from_the_checks(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    probe = (
        f"{PYTHON} -c \"import os, sys; first = os.environ['PYTHONPATH'].split(os.pathsep)[0]; "
        'sys.exit(0 if os.path.samefile(first, os.getcwd()) else 1)"'
    )
    blueprint = make_blueprint(
        {"app/__init__.py": "", "app/{{ name }}.py.jinja": "X = 1\n"},
        variables=NAMED,
        checks=[{"import": "app.{{ name }}"}, {"command": probe}],
    ).root
    result = new(blueprint, Path("svc"), "--trust")  # relative to the current folder
    assert result.exit_code == 0, result.output
    assert (tmp_path / "svc/app/alpha.py").exists()


# --- tool guards ---------------------------------------------------------------------------


def assert_stopped_before_writing(result: Result, out: Path, before: dict[str, Any]) -> None:
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert "nothing was written" in result.output
    assert snapshot(out) == before


def test_a_missing_required_module_stops_the_run_before_writing(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"app/{{ name }}.py.jinja": "X = 1\n"},
        variables=NAMED,
        checks=[
            "py_compile",
            {"import": {"modules": "app.{{ name }}", "requires": ["some_module_not_there_xyz"]}},
        ],
    ).root
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    result = new(blueprint, out, "--trust")
    assert_stopped_before_writing(result, out, before)
    assert "some_module_not_there_xyz" in result.output  # the tool
    assert "import app.alpha" in result.output  # the check
    assert "pip install some_module_not_there_xyz" in result.output  # how to install it

    data = json.loads(new(blueprint, out, "--trust", "--json").stdout)
    assert_report(data)
    assert data["error"]["kind"] == "tool"
    assert snapshot(out) == before

    assert new(blueprint, out, "--no-check").exit_code == 0  # no checks, no guards
    assert (out / "app/alpha.py").exists()


def test_pytest_missing_stops_the_run_before_writing(
    tmp_path: Path, make_blueprint: MakeBlueprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = check_base.module_available
    monkeypatch.setattr(
        check_base, "module_available", lambda name: name != "pytest" and real(name)
    )
    blueprint = make_blueprint(
        {"tests/test_{{ name }}.py.jinja": "def test_a():\n    pass\n"},
        variables=NAMED,
        checks=[{"pytest": {"collect_only": True, "exact": 1}}],
    ).root
    out = tmp_path / "out"
    result = new(blueprint, out, "--trust")
    assert_stopped_before_writing(result, out, {})
    assert "pytest: needed by demo: pytest collect_only, exact=1" in result.output
    assert "pip install pytest" in result.output


def test_a_command_not_on_path_stops_the_run_before_writing(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt": "x\n"},
        variables=NAMED,
        checks=[{"command": "not_a_program_xyz {{ files }}"}],
    ).root
    out = tmp_path / "out"
    result = new(blueprint, out, "--trust")
    assert_stopped_before_writing(result, out, {})
    assert "not_a_program_xyz" in result.output
    assert "PATH" in result.output


# --- trust ---------------------------------------------------------------------------------


def test_a_command_from_a_local_blueprint_needs_trust(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt": "x\n"},
        variables=NAMED,
        checks=[{"command": f"{PYTHON} -c pass {{{{ files }}}}"}],
    ).root
    out = tmp_path / "out"
    refused = new(blueprint, out)
    assert refused.exit_code == 1, refused.output
    no_traceback(refused)
    assert "--trust" in refused.output
    assert "Nothing was run or written" in refused.output
    assert not out.exists()

    trusted = new(blueprint, out, "--trust")
    assert trusted.exit_code == 0, trusted.output
    assert (out / "alpha.txt").exists()

    # `scaffold check` asks for the same trust
    assert run("check", "--out", out).exit_code == 1
    assert run("check", "--out", out, "--trust").exit_code == 0


def test_a_project_blueprints_import_check_runs_no_code_without_trust(
    tmp_path: Path, make_blueprint: MakeBlueprint, settings_file: Path
) -> None:
    marker = tmp_path / "imported"
    make_blueprint(
        {"app/__init__.py": "", "app/{{ name }}.py.jinja": f"open({str(marker)!r}, 'w')\n"},
        name="handler",
        variables=NAMED,
        checks=[{"import": "app.{{ name }}"}],
        where=tmp_path / ".scaffold/blueprints",
    )
    out = build_file_tree(tmp_path / "svc", {"README.md": "mine\n"})
    before = snapshot(out)
    for extra in ((), ("--dry-run",)):
        refused = run("new", "handler", "--set", "name=ping", "--out", out, *extra)
        assert refused.exit_code == 1, refused.output
        no_traceback(refused)
        assert "handler (import app.ping)" in refused.output
        assert "Nothing was run or written" in refused.output
        assert "--trust" in refused.output
    data = json.loads(run("new", "handler", "--set", "name=ping", "--out", out, "--json").stdout)
    assert_report(data)
    assert data["error"]["kind"] == "trust"
    assert snapshot(out) == before
    assert not marker.exists()

    # listed in the settings file, it is trusted without --trust, in `scaffold check` too
    root = tmp_path / ".scaffold/blueprints/handler"
    settings_file.parent.mkdir()
    settings_file.write_text(f"trust:\n  - {root}\n")
    trusted = run("new", "handler", "--set", "name=ping", "--out", out)
    assert trusted.exit_code == 0, trusted.output
    assert marker.exists()
    marker.unlink()
    assert run("check", "--out", out).exit_code == 0
    assert marker.exists()

    settings_file.write_text("trust:\n  - /somewhere/else/\n")
    assert run("check", "--out", out).exit_code == 1
    assert run("check", "--out", out, "--trust").exit_code == 0


# --- scaffold check ------------------------------------------------------------------------


def test_scaffold_check_reruns_the_checks_of_the_last_run(tmp_path: Path, compiles: Path) -> None:
    out = tmp_path / "out"
    assert new(compiles, out).exit_code == 0

    passed = run("check", "--out", out)
    assert passed.exit_code == 0, passed.output
    assert "checks passed: 2" in passed.output

    (out / "pkg/alpha.py").write_text("NAME = 'alpha'\nif NAME\n")
    failed = run("check", "--out", out)
    assert failed.exit_code == 1, failed.output
    no_traceback(failed)
    assert "pkg/alpha.py:2:" in failed.output
    assert "checks failed" in failed.output
    assert (out / "pkg/alpha.py").read_text() == "NAME = 'alpha'\nif NAME\n"  # checks only

    data = as_json(run("check", "--out", out, "--json"))
    assert data["outcome"] == "checks_failed"
    assert [(c["kind"], c["status"]) for c in data["checks"]] == [
        ("py_compile", "failed"),
        ("json", "passed"),
    ]

    (out / "pkg/alpha.py").write_text("NAME = 'alpha'\n")
    assert run("check", "--out", out).exit_code == 0


def test_a_failed_run_restores_the_record_of_the_run_before(
    tmp_path: Path, compiles: Path, broken: Path
) -> None:
    out = tmp_path / "out"
    assert new(compiles, out).exit_code == 0
    before = snapshot(out)
    failed = new(broken, out)  # it writes its own record, then rolls it back with the rest
    assert failed.exit_code == 1, failed.output
    assert snapshot(out) == before
    assert not (out / ".scaffold/journal").exists()
    rechecked = run("check", "--out", out, "--json")
    assert rechecked.exit_code == 0
    assert {c["blueprint"] for c in as_json(rechecked)["checks"]} == {"compiles"}


def test_scaffold_check_of_a_deleted_file(tmp_path: Path, compiles: Path) -> None:
    out = tmp_path / "out"
    assert new(compiles, out).exit_code == 0
    (out / "conf/alpha.json").unlink()
    result = run("check", "--out", out)
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert "conf/alpha.json: the file is missing" in result.output


def test_scaffold_check_without_a_record(tmp_path: Path) -> None:
    out = build_file_tree(tmp_path / "out", {"a.py": "x = 1\n"})
    result = run("check", "--out", out)
    assert result.exit_code == 1
    no_traceback(result)
    assert "no record of a run" in result.output
    data = json.loads(run("check", "--out", out, "--json").stdout)
    assert_report(data)
    assert data["outcome"] == "failed"


def test_scaffold_check_after_keep_failed(tmp_path: Path, broken: Path) -> None:
    out = tmp_path / "out"
    assert new(broken, out, "--keep-failed").exit_code == 1
    result = run("check", "--out", out)
    assert result.exit_code == 1
    assert "pkg/sub/alpha.py:3:" in result.output


def test_scaffold_check_of_a_batch_with_json(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"tests/test_{{ name }}.py.jinja": "def test_{{ name }}():\n    assert True\n"},
        variables=NAMED,
        checks=[{"pytest": {"run": True, "exact": 1}}],
    )
    items = tmp_path / "items.yaml"
    items.write_text(
        yaml.safe_dump({"blueprint": str(blueprint.root), "items": [{"name": "a"}, {"name": "b"}]})
    )
    out = tmp_path / "out"
    first = as_json(run("batch", items, "--out", out, "--jobs", "1", "--json", "--trust"))
    assert first["outcome"] == "succeeded"
    assert first["checks"][0]["processes"] == 1
    assert "2 passed" in first["checks"][0]["output"]

    (out / "tests/test_b.py").write_text("def test_b():\n    assert 'b' == 'B'\n")
    again = run("check", "--out", out, "--json", "--trust")
    assert again.exit_code == 1
    data = as_json(again)
    (check,) = data["checks"]
    assert check["status"] == "failed"
    assert check["problems"][0]["file"] == "tests/test_b.py"
    assert "AssertionError" in check["output"]  # the tool's whole output
    assert "assert 'b' == 'B'" in check["output"]


# --- plans ---------------------------------------------------------------------------------


def test_a_plan_whose_first_phase_fails(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    models = make_blueprint(
        {"models/{{ name }}.py.jinja": "class {{ name | pascal }}(:\n    pass\n"},
        name="models",
        variables=NAMED,
        checks=["py_compile"],
    )
    api = make_blueprint(
        {"api/{{ name }}.py.jinja": "X = 1\n"},
        name="api",
        variables=NAMED,
        checks=["py_compile", {"pytest": {"collect_only": True}}],
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "phases": [
                    {"name": "models", "blueprint": str(models.root), "items": [{"name": "user"}]},
                    {"name": "api", "blueprint": str(api.root), "items": [{"name": "users"}]},
                ]
            }
        )
    )
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    result = run("batch", plan, "--out", out, "--jobs", "1", "--trust")
    assert result.exit_code == 1, result.output
    assert "models/user.py:1:" in result.output
    rows = {tuple(line.split()[:3]): line for line in result.stdout.splitlines()}
    assert "failed" in rows[("models", "models", "py_compile")]
    assert "not run" in rows[("api", "api", "py_compile")]
    assert "not run" in rows[("api", "api", "pytest")]
    assert snapshot(out) == before

    data = as_json(run("batch", plan, "--out", out, "--jobs", "1", "--json", "--trust"))
    assert [(c["phase"], c["status"]) for c in data["checks"]] == [
        ("models", "failed"),
        ("api", "not_run"),
        ("api", "not_run"),
    ]
    assert data["rolled_back"] is True
    assert snapshot(out) == before


# --- the built-in crud-endpoint ------------------------------------------------------------


def test_crud_endpoint_batch_passes_its_checks(tmp_path: Path) -> None:
    items = tmp_path / "items.yaml"
    items.write_text(
        "blueprint: crud-endpoint\n"
        "items:\n"
        "  - resource: users\n"
        "    fields: [{name: name, type: str}, {name: email, type: str, required: false}]\n"
        "  - resource: projects\n"
        "    fields: [{name: title, type: str}, {name: priority, type: int}]\n"
        "  - resource: stock_items\n"
        "    package: acme.inventory\n"
        "    fields: [{name: sku, type: str}, {name: unit_price, type: float}]\n"
    )
    out = tmp_path / "svc"
    result = run("batch", items, "--out", out, "--jobs", "1", "--json")
    data = as_json(result)
    assert result.exit_code == 0, [c["problems"] for c in data["checks"]]
    checks = {c["kind"]: c for c in data["checks"]}
    assert sorted(checks) == ["import", "py_compile", "pytest"]
    assert all(c["status"] == "passed" for c in checks.values())
    assert checks["py_compile"]["processes"] == 0
    assert checks["import"]["processes"] == 1
    assert checks["pytest"]["processes"] == 1
    assert checks["pytest"]["files"] == [
        "tests/test_projects_api.py",
        "tests/test_stock_items_api.py",
        "tests/test_users_api.py",
    ]
    assert "app/api/users.py" in checks["py_compile"]["files"]
    assert "acme/inventory/api/stock_items.py" in checks["py_compile"]["files"]
    assert not list(out.rglob("__pycache__"))
