"""The ``scaffold`` command line, driven through Typer's CliRunner.

Every test runs in ``tmp_path`` (the current directory is moved there and
``SCAFFOLD_PATH`` is cleared), so nothing is written anywhere else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from scaffolder.catalog import resolve_blueprint
from scaffolder.cli import app
from scaffolder.resources import load_schema
from tests.conftest import MakeBlueprint, build_file_tree, snapshot, without_history

# A wide, colourless console: rich tables keep each cell on one line.
runner = CliRunner(env={"COLUMNS": "1000", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})

STATUS_LINE = re.compile(r"^\s*(create|identical|overwrite|conflict|skip|inject)  (\S.*)$")


pytestmark = pytest.mark.usefixtures("isolated")


def run(*args: str | Path) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    # A handled error ends in SystemExit; anything else escaped the error handler.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def statuses(output: str) -> dict[str, str]:
    """``{path: status}`` from the lines ``    create  app/api/users.py``."""
    found = {}
    for line in output.splitlines():
        match = STATUS_LINE.match(line)
        if match:
            found[match[2]] = match[1]
    return found


def assert_report(data: Any) -> None:
    errors = list(Draft202012Validator(load_schema("report")).iter_errors(data))
    assert not errors, [e.message for e in errors]


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output


@pytest.fixture
def typed(make_blueprint: MakeBlueprint) -> Path:
    """A blueprint whose variables are an integer, a boolean and an array."""
    blueprint = make_blueprint(
        {
            "{{ name }}.txt.jinja": (
                "count+1={{ count + 1 }}\n"
                "flag={{ flag is sameas true }}\n"
                "tags={{ tags | length }}:{{ tags | join(',') }}\n"
            )
        },
        name="typed",
        variables={
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z_]+$"},
                "count": {"type": "integer", "default": 1},
                "flag": {"type": "boolean", "default": False},
                "tags": {"type": "array", "items": {"type": "string"}, "default": []},
            },
        },
    )
    return blueprint.root


# --- list and show ----------------------------------------------------------


def test_list_shows_builtin_blueprints_with_pattern_and_origin() -> None:
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if "EXEC-" in line}
    assert "EXEC-006" in lines["crud-endpoint"]
    assert "built-in" in lines["crud-endpoint"]
    assert "EXEC-007" in lines["json-schema"]
    assert "built-in" in lines["json-schema"]


def test_list_shows_project_and_scaffold_path_blueprints(
    tmp_path: Path, make_blueprint: MakeBlueprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_blueprint({"a.txt": "a"}, name="local-thing", where=tmp_path / ".scaffold" / "blueprints")
    shared = tmp_path / "shared"
    make_blueprint({"b.txt": "b"}, name="shared-thing", where=shared, pattern="EXEC-042")
    monkeypatch.setenv("SCAFFOLD_PATH", str(shared))

    result = run("list")

    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if "thing" in line}
    assert "project" in rows["local-thing"]
    assert "the local-thing blueprint" in rows["local-thing"]
    assert "SCAFFOLD_PATH" in rows["shared-thing"]
    assert "EXEC-042" in rows["shared-thing"]
    assert str(shared / "shared-thing") in rows["shared-thing"]
    assert "crud-endpoint" in result.stdout


def test_list_and_show_print_descriptions_verbatim(tmp_path: Path) -> None:
    """Brackets and colons in a manifest are text, not rich markup or emoji codes."""
    description = "Renders [/] and [bold]x[/bold] :memo: notes"
    write_manifest(
        tmp_path / ".scaffold" / "blueprints" / "odd",
        {
            "name": "odd",
            "pattern": "[EXEC-1]",
            "description": description,
            "variables": {
                "type": "object",
                "properties": {"a[0]": {"type": "string", "description": "[red]not red[/]"}},
            },
            "computed": {"b[1]": "{{ 1 }}"},
        },
    )
    listed = run("list")
    assert listed.exit_code == 0, listed.output
    assert description in listed.stdout
    assert "[EXEC-1]" in listed.stdout

    shown = run("show", "odd")
    assert shown.exit_code == 0, shown.output
    for text in (description, "[EXEC-1]", "a[0]", "[red]not red[/]", "b[1]"):
        assert text in shown.stdout


def test_list_does_not_cut_paths_on_a_narrow_console(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    make_blueprint({"a.txt": "a"}, name="local-thing", where=tmp_path / ".scaffold" / "blueprints")
    result = runner.invoke(app, ["list"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    folded = "".join(
        line.split("│")[5].strip() for line in result.stdout.splitlines() if line.count("│") == 6
    )
    assert str(tmp_path / ".scaffold" / "blueprints" / "local-thing") in folded


def test_a_broken_blueprint_does_not_hide_the_others(tmp_path: Path) -> None:
    broken = tmp_path / ".scaffold" / "blueprints" / "broken"
    build_file_tree(broken, {"blueprint.yaml": "name: broken\nvariables: {type: object}\n"})

    result = run("list")
    assert result.exit_code == 0, result.output
    assert "crud-endpoint" in result.stdout
    assert "skipped a broken blueprint" in result.stderr
    assert "'description' is a required property" in result.stderr

    data = json.loads(run("list", "--json").stdout)
    assert "crud-endpoint" in {entry["name"] for entry in data["blueprints"]}
    assert len(data["broken"]) == 1 and str(broken / "blueprint.yaml") in data["broken"][0]


def test_list_json(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    make_blueprint({"a.txt": "a"}, name="local-thing", where=tmp_path / ".scaffold" / "blueprints")

    result = run("list", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["broken"] == []
    found = {entry["name"]: entry for entry in data["blueprints"]}
    assert found["crud-endpoint"]["pattern"] == "EXEC-006"
    assert found["crud-endpoint"]["origin"] == "built-in"
    assert found["json-schema"]["pattern"] == "EXEC-007"
    assert found["local-thing"]["origin"] == "project"
    assert found["local-thing"]["description"] == "the local-thing blueprint"


def test_show_crud_endpoint() -> None:
    blueprint = resolve_blueprint("crud-endpoint")

    result = run("show", "crud-endpoint")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "EXEC-006" in out
    assert "built-in" in out
    rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│")}
    for name, prop in blueprint.properties.items():
        assert str(prop.get("type", "enum")) in rows[name]
        assert " ".join(str(prop["description"]).split()) in " ".join(rows[name].split())
        if "default" in prop:
            assert json.dumps(prop["default"]) in rows[name]
    assert "yes" in rows["resource"]  # required
    assert "computed" in out
    for name, text in blueprint.computed.items():
        assert text in rows[name]
    assert "files" in out
    for path in blueprint.template_files():
        assert f"  {path.as_posix()}" in out
    assert "{{ package_dir }}/api/{{ resource }}.py.jinja" in out
    assert "checks" in out
    for check in blueprint.checks:
        assert check.describe() in out
    assert "py_compile" in out


def test_show_json() -> None:
    blueprint = resolve_blueprint("crud-endpoint")

    result = run("show", "crud-endpoint", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "crud-endpoint"
    assert data["pattern"] == "EXEC-006"
    assert data["origin"] == "built-in"
    assert data["variables"]["required"] == ["resource"]
    assert set(data["variables"]["properties"]) == set(blueprint.properties)
    assert data["computed"] == dict(blueprint.computed)
    assert data["files"] == [p.as_posix() for p in blueprint.template_files()]
    assert data["checks"] == [c.describe() for c in blueprint.checks]
    assert "py_compile" in data["checks"]


def test_show_unknown_blueprint_names_the_known_ones() -> None:
    result = run("show", "no-such-thing")
    assert result.exit_code == 1
    assert "no-such-thing" in result.stderr
    assert "crud-endpoint" in result.stderr
    no_traceback(result)


# --- choosing the blueprint ----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["new", "crud-endpoint"],
        ["new", "--blueprint", "crud-endpoint"],
        ["new", "-b", "crud-endpoint"],
        ["new", "crud-endpoint", "--blueprint", "crud-endpoint"],
    ],
)
def test_new_takes_the_blueprint_as_argument_or_option(tmp_path: Path, args: list[str]) -> None:
    result = run(*args, "--set", "resource=users", "--out", tmp_path / "out", "--no-check")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "app" / "api" / "users.py").is_file()


def test_new_with_two_different_blueprints_is_a_usage_error(tmp_path: Path) -> None:
    result = run("new", "crud-endpoint", "--blueprint", "json-schema", "--set", "resource=users")
    assert result.exit_code == 2
    assert "crud-endpoint" in result.stderr
    assert "json-schema" in result.stderr
    assert snapshot(tmp_path) == {}


def test_new_without_a_blueprint_is_a_usage_error(tmp_path: Path) -> None:
    result = run("new", "--set", "resource=users")
    assert result.exit_code == 2
    assert "scaffold list" in result.stderr
    assert snapshot(tmp_path) == {}


# --- values: --set, --data-file, missing values, --defaults ----------------------


def test_set_is_typed_by_the_schema(tmp_path: Path, typed: Path) -> None:
    result = run(
        "new", typed, "--set", "name=demo", "--set", "count=3", "--set", "flag=true",
        "--set", 'tags=["a", "b"]', "--out", tmp_path / "out",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "demo.txt").read_text()
    assert text == "count+1=4\nflag=True\ntags=2:a,b\n"


def test_set_value_of_the_wrong_type_is_reported_with_the_rule(tmp_path: Path, typed: Path) -> None:
    result = run(
        "new", typed, "--set", "name=demo", "--set", "count=three", "--out", tmp_path / "o"
    )
    assert result.exit_code == 1
    assert "count" in result.stderr
    assert "integer" in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("values.yaml", "name: from_file\ncount: 7\nflag: true\ntags: [x, y, z]\n"),
        (
            "values.json",
            json.dumps({"name": "from_file", "count": 7, "flag": True, "tags": ["x", "y", "z"]}),
        ),
    ],
)
def test_data_file_yaml_and_json(tmp_path: Path, typed: Path, filename: str, content: str) -> None:
    build_file_tree(tmp_path, {filename: content})
    result = run("new", typed, "--data-file", tmp_path / filename, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "from_file.txt").read_text() == (
        "count+1=8\nflag=True\ntags=3:x,y,z\n"
    )


def test_set_overrides_the_data_file(tmp_path: Path, typed: Path) -> None:
    build_file_tree(tmp_path, {"values.yaml": "name: from_file\ncount: 7\n"})
    result = run(
        "new", typed, "--data-file", tmp_path / "values.yaml",
        "--set", "count=41", "--set", "name=from_set", "--out", tmp_path / "out",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out" / "from_file.txt").exists()
    assert (tmp_path / "out" / "from_set.txt").read_text().startswith("count+1=42\n")


def test_missing_data_file_is_a_user_error(tmp_path: Path, typed: Path) -> None:
    result = run("new", typed, "--data-file", tmp_path / "nope.yaml", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "nope.yaml" in result.stderr
    no_traceback(result)
    assert not (tmp_path / "out").exists()


def test_missing_required_values_without_a_terminal_lists_every_one(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ alpha }}-{{ beta }}-{{ gamma }}.txt": "x"},
        name="three",
        variables={
            "type": "object",
            "required": ["alpha", "beta", "gamma"],
            "properties": {
                "alpha": {"type": "string", "description": "the first"},
                "beta": {"type": "string", "description": "the second"},
                "gamma": {"type": "string", "description": "the third"},
            },
        },
    )
    before = snapshot(tmp_path)

    result = run("new", blueprint.root, "--out", tmp_path / "out")

    assert result.exit_code == 1
    message = result.stderr
    for name in ("alpha", "beta", "gamma"):
        assert re.search(rf"\b{name}\b.*required", message), message
    assert "alpha, beta, gamma" in message
    assert "--set" in message
    assert "nothing was written" in message
    no_traceback(result)
    assert snapshot(tmp_path) == before


def test_defaults_takes_the_defaults(tmp_path: Path, typed: Path) -> None:
    result = run("new", typed, "--defaults", "--set", "name=plain", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "plain.txt").read_text() == "count+1=2\nflag=False\ntags=0:\n"


def test_defaults_never_prompts_even_on_a_terminal(
    tmp_path: Path, typed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    cli_app = importlib.import_module("scaffolder.cli.app")
    cli_prompts = importlib.import_module("scaffolder.cli.prompts")

    def refuse(*args: object, **kwargs: object) -> dict[str, object]:
        raise AssertionError("--defaults must not prompt")

    monkeypatch.setattr(cli_app, "_interactive", lambda: True)
    monkeypatch.setattr(cli_prompts, "ask", refuse)

    result = run("new", typed, "--defaults", "--set", "name=plain", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output

    missing = run("new", typed, "--defaults", "--out", tmp_path / "other")
    assert missing.exit_code == 1
    assert "name" in missing.stderr
    assert not (tmp_path / "other").exists()


def test_set_without_equals_is_a_usage_error(tmp_path: Path) -> None:
    result = run("new", "crud-endpoint", "--set", "resource", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "resource" in result.stderr
    assert "NAME=VALUE" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_option_is_a_usage_error() -> None:
    result = run("new", "crud-endpoint", "--no-such-option")
    assert result.exit_code == 2
    assert "--no-such-option" in result.output


def test_bad_on_conflict_value_is_a_usage_error() -> None:
    result = run("new", "crud-endpoint", "--set", "resource=users", "--on-conflict", "merge")
    assert result.exit_code == 2
    assert "--on-conflict" in result.output


# --- the acceptance flow ---------------------------------------------------------


def crud(out: Path, *extra: str, checks: bool = False) -> Result:
    """The acceptance command; checks are left to the tests about them (they take seconds)."""
    skip = () if checks else ("--no-check",)
    return run(
        "new",
        "--blueprint",
        "crud-endpoint",
        "--set",
        "resource=users",
        "--out",
        out,
        *extra,
        *skip,
    )


def test_new_creates_then_is_identical(tmp_path: Path) -> None:
    out = tmp_path / "service"

    first = crud(out, checks=True)  # exactly as a user types it: the checks run too

    assert first.exit_code == 0, first.output
    created = statuses(first.stdout)
    assert created["app/api/users.py"] == "create"
    assert created["app/models/user.py"] == "create"
    assert re.search(r"^\s*create  app/api/users\.py$", first.stdout, re.MULTILINE)
    assert set(created.values()) == {"create"}
    written = {p for p, content in without_history(snapshot(out)).items() if content is not None}
    assert written == {*created, ".scaffold/last-run.json"}  # the files, and the run's record
    assert "done: " in first.stdout

    after_first = snapshot(out)
    second = crud(out)

    assert second.exit_code == 0, second.output
    again = statuses(second.stdout)
    assert again.keys() == created.keys()
    assert set(again.values()) == {"identical"}
    assert snapshot(out) == after_first


def test_changed_file_is_a_conflict_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "service"
    assert crud(out).exit_code == 0
    (out / "app" / "api" / "users.py").write_text("# mine\n")
    (out / "app" / "models" / "user.py").unlink()  # would be created, but must not be
    before = snapshot(out)

    result = crud(out)

    assert result.exit_code == 1
    found = statuses(result.stdout)
    assert found["app/api/users.py"] == "conflict"
    assert found["app/models/user.py"] == "create"
    assert "app/api/users.py" in result.stdout
    assert "--on-conflict overwrite" in result.stdout
    assert "Nothing was written" in result.stdout
    assert snapshot(out) == before


def test_on_conflict_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "service"
    assert crud(out).exit_code == 0
    pristine = (out / "app" / "api" / "users.py").read_bytes()
    (out / "app" / "api" / "users.py").write_text("# mine\n")

    result = crud(out, "--on-conflict", "overwrite")

    assert result.exit_code == 0, result.output
    assert statuses(result.stdout)["app/api/users.py"] == "overwrite"
    assert (out / "app" / "api" / "users.py").read_bytes() == pristine


def test_on_conflict_skip(tmp_path: Path) -> None:
    out = tmp_path / "service"
    assert crud(out).exit_code == 0
    (out / "app" / "api" / "users.py").write_text("# mine\n")
    (out / "app" / "models" / "user.py").unlink()

    # --no-check: the kept "# mine" has no router, so the generated tests would fail
    result = crud(out, "--on-conflict", "skip")

    assert result.exit_code == 0, result.output
    found = statuses(result.stdout)
    assert found["app/api/users.py"] == "skip"
    assert found["app/models/user.py"] == "create"
    assert (out / "app" / "api" / "users.py").read_text() == "# mine\n"
    assert (out / "app" / "models" / "user.py").is_file()


def test_dry_run_writes_nothing_and_prints_diffs(tmp_path: Path) -> None:
    out = tmp_path / "service"

    fresh = crud(out, "--dry-run")

    assert fresh.exit_code == 0, fresh.output
    assert not out.exists()
    assert statuses(fresh.stdout)["app/api/users.py"] == "create"
    assert "--- /dev/null" in fresh.stdout
    assert "+++ b/app/api/users.py" in fresh.stdout
    assert re.search(r"^@@ -0,0 \+1,\d+ @@", fresh.stdout, re.MULTILINE)
    assert "nothing was written" in fresh.stdout

    assert crud(out).exit_code == 0
    (out / "app" / "api" / "users.py").write_text("# mine\n")
    before = snapshot(out)

    changed = crud(out, "--dry-run")

    assert changed.exit_code == 1  # a conflict, even in a dry run
    assert snapshot(out) == before
    assert statuses(changed.stdout)["app/api/users.py"] == "conflict"
    assert "--- a/app/api/users.py" in changed.stdout
    assert "+++ b/app/api/users.py" in changed.stdout
    assert "-# mine" in changed.stdout
    assert re.search(r"^@@ ", changed.stdout, re.MULTILINE)
    assert "Nothing would be written" in changed.stdout

    overwrite = crud(out, "--dry-run", "--on-conflict", "overwrite")
    assert overwrite.exit_code == 0, overwrite.output
    assert statuses(overwrite.stdout)["app/api/users.py"] == "overwrite"
    assert "-# mine" in overwrite.stdout
    assert snapshot(out) == before


def test_invalid_value_names_the_variable_and_the_pattern(tmp_path: Path) -> None:
    out = tmp_path / "service"
    pattern = resolve_blueprint("crud-endpoint").properties["resource"]["pattern"]

    result = run("new", "crud-endpoint", "--set", "resource=Bad-Name", "--out", out)

    assert result.exit_code == 1
    assert "resource" in result.stderr
    assert "Bad-Name" in result.stderr
    assert pattern in result.stderr
    assert "nothing was written" in result.stderr
    no_traceback(result)
    assert not out.exists()


# --- --json ------------------------------------------------------------------------


def json_run(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run(*args, "--json")
    data = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert_report(data)
    return result.exit_code, data


def test_json_reports_validate_against_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "service"
    base = ("new", "crud-endpoint", "--set", "resource=users", "--out", out)

    code, created = json_run(*base, "--dry-run")
    assert code == 0
    assert created["outcome"] == "succeeded"
    assert created["dry_run"] is True
    assert not out.exists()
    dry = {f["path"]: f for f in created["files"]}
    assert dry["app/api/users.py"]["diff"].startswith("--- /dev/null\n+++ b/app/api/users.py\n")

    code, created = json_run(*base)
    assert code == 0
    assert created["outcome"] == "succeeded"
    assert created["dry_run"] is False
    assert created["counts"]["create"] == len(created["files"]) > 0
    assert created["items"][0]["name"] == "users"
    assert created["summary"][0]["blueprint"] == "crud-endpoint"

    (out / "app" / "api" / "users.py").write_text("# mine\n")
    code, conflicted = json_run(*base)
    assert code == 1
    assert conflicted["outcome"] == "conflicted"
    assert conflicted["counts"]["conflict"] == 1
    files = {f["path"]: f for f in conflicted["files"]}
    assert files["app/api/users.py"]["status"] == "conflict"
    assert (out / "app" / "api" / "users.py").read_text() == "# mine\n"


def test_json_validation_error(tmp_path: Path) -> None:
    out = tmp_path / "service"
    code, data = json_run("new", "crud-endpoint", "--set", "resource=Bad-Name", "--out", out)
    assert code == 1
    assert data["outcome"] == "failed"
    assert data["error"]["kind"] == "validation"
    (problem,) = data["error"]["problems"]
    assert problem["field"] == "resource"
    assert problem["rule"] == "pattern"
    assert problem["item"] is None  # a single `new` has no item numbers
    assert not out.exists()


def test_json_usage_and_missing_values_errors(tmp_path: Path) -> None:
    code, data = json_run("new", "crud-endpoint", "--set", "nonsense")
    assert code == 2
    assert data["error"]["kind"] == "usage"

    code, data = json_run("new", "json-schema", "--out", tmp_path / "out")
    assert code == 1
    missing = {p["field"] for p in data["error"]["problems"] if p["rule"] == "required"}
    assert missing == set(resolve_blueprint("json-schema").required)
    assert len(missing) > 1
    assert not (tmp_path / "out").exists()


# --- broken blueprints and confinement ----------------------------------------------


def test_broken_template_names_the_template_and_line_without_traceback(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"ok.txt.jinja": "{{ name }}\n", "bad.txt.jinja": "first line\nhello {{ nowhere }}\n"},
        name="broken",
    )
    out = tmp_path / "out"

    result = run("new", blueprint.root, "--set", "name=demo", "--out", out)

    assert result.exit_code == 1
    template = blueprint.template_dir / "bad.txt.jinja"
    assert f"{template}:2" in result.stderr
    assert "nowhere" in result.stderr
    no_traceback(result)
    assert not out.exists()

    verbose = run("-v", "new", blueprint.root, "--set", "name=demo", "--out", out)

    assert verbose.exit_code == 1
    assert "Traceback" in verbose.stderr
    assert f"{template}:2" in verbose.stderr
    assert not out.exists()


def test_rendered_path_escaping_the_destination(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt.jinja": "escaped\n"},
        name="escape",
        variables={
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}},
        },
    )
    out = tmp_path / "deep" / "out"
    before = snapshot(tmp_path)

    result = run("new", blueprint.root, "--set", "name=../x", "--out", out)

    assert result.exit_code == 1
    assert "../x.txt" in result.stderr
    assert "destination" in result.stderr
    no_traceback(result)
    assert snapshot(tmp_path) == before


def test_symlink_out_of_the_destination(tmp_path: Path) -> None:
    out = tmp_path / "service"
    outside = tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "app").symlink_to(outside, target_is_directory=True)
    before = snapshot(tmp_path)

    result = crud(out)

    assert result.exit_code == 1
    assert str(out / "app") in result.stderr
    assert "symlink" in result.stderr
    no_traceback(result)
    assert snapshot(tmp_path) == before
    assert list(outside.iterdir()) == []


def write_manifest(root: Path, manifest: dict[str, Any]) -> Path:
    build_file_tree(root, {"blueprint.yaml": yaml.safe_dump(manifest, sort_keys=False)})
    (root / "template").mkdir(exist_ok=True)
    return root


@pytest.mark.parametrize(
    ("manifest", "key", "rule"),
    [
        (
            {"name": "Bad Name", "description": "d", "variables": {"type": "object"}},
            "name",
            "pattern",
        ),
        (
            {"name": "ok", "description": "d", "variables": {"type": "object"}, "colour": 1},
            "(top level)",
            "additionalProperties",
        ),
        (
            {"name": "ok", "description": "d", "variables": {"type": "object"}, "checks": [1]},
            "checks.0",
            "oneOf",
        ),
    ],
)
def test_invalid_manifest_names_the_file_key_and_rule(
    tmp_path: Path, manifest: dict[str, Any], key: str, rule: str
) -> None:
    root = write_manifest(tmp_path / "broken", manifest)
    out = tmp_path / "out"

    for args in (["new", root, "--out", out], ["show", root]):
        result = run(*args)
        assert result.exit_code == 1
        message = result.stderr
        assert str(root / "blueprint.yaml") in message
        assert f"{key}:" in message
        assert f"[{rule}]" in message
        no_traceback(result)
    assert not out.exists()


def test_invalid_variables_schema_names_the_file_and_key(tmp_path: Path) -> None:
    root = write_manifest(
        tmp_path / "broken",
        {
            "name": "ok",
            "description": "d",
            "variables": {"type": "object", "properties": {"n": {"type": "strong"}}},
        },
    )
    result = run("show", root)
    assert result.exit_code == 1
    assert str(root / "blueprint.yaml") in result.stderr
    assert "variables.properties.n.type" in result.stderr
    no_traceback(result)


# --- exit codes -------------------------------------------------------------------


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"scaffold \d+\.\d+\.\d+\S*\n", result.stdout)


def test_interrupt_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scaffolder.api

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scaffolder.api, "new", interrupted)
    result = crud(tmp_path / "out")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    no_traceback(result)
