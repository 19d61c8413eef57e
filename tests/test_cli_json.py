"""`--json` for everything: usage errors print a JSON error too, and what `show --json` and
`list --json` print is what `schemas/show.schema.json` and `schemas/list.schema.json` say.

Every test runs the real `scaffold` command (its entry point, `scaffolder.cli:main`, is
where the parser's errors are caught) in a folder under ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from scaffolder.cli.errors import wants_json
from scaffolder.resources import data_dir, load_schema
from tests.conftest import build_file_tree
from tests.e2e_helpers import SCAFFOLD, TIMEOUT, Result, run

BUILT_IN = sorted(p.name for p in data_dir("blueprints").iterdir() if p.is_dir())
# list.schema.json refers to show.schema.json beside it, by its $id
REGISTRY: Registry[Any] = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema))
    for schema in (load_schema("show"), load_schema("list"))
)


def errors_of(data: Any, schema: str) -> list[str]:
    validator = Draft202012Validator(load_schema(schema), registry=REGISTRY)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def json_of(result: Result) -> Any:
    assert result.stderr == "", result.output  # --json: nothing else is printed
    return json.loads(result.stdout)


@pytest.mark.parametrize("schema", ["show", "list", "report"])
def test_the_schemas_are_valid_2020_12(schema: str) -> None:
    Draft202012Validator.check_schema(load_schema(schema))


# --- usage errors -------------------------------------------------------------------------

# Each command that has --json, with a mistake the parser finds: (args, command, message).
MISTAKES = [
    (["new", "--bogus"], "scaffold new", "No such option: --bogus"),
    (
        ["new", "crud-endpoint", "--on-conflict", "bogus"],
        "scaffold new",
        "Invalid value for '--on-conflict': 'bogus' is not one of 'fail', 'skip', 'overwrite'.",
    ),
    (["batch"], "scaffold batch", "Missing argument 'ITEMS'."),
    (["batch", "items.yaml", "--jobs", "many"], "scaffold batch", "'many' is not a valid int"),
    (["show"], "scaffold show", "Missing argument 'BLUEPRINT'."),
    (["list", "--long"], "scaffold list", "No such option: --long"),
    (["check", "--bogus"], "scaffold check", "No such option: --bogus"),
    (
        ["update", "--conflict", "merge"],
        "scaffold update",
        "Invalid value for '--conflict': 'merge' is not one of 'inline', 'rej'.",
    ),
    (["undo", "--bogus"], "scaffold undo", "No such option: --bogus"),
    (["history", "--bogus"], "scaffold history", "No such option: --bogus"),
    (["blueprint", "test"], "scaffold blueprint test", "Missing argument 'BLUEPRINT'."),
]


@pytest.mark.parametrize("where", ["last", "first"])
@pytest.mark.parametrize(("args", "command", "message"), MISTAKES)
def test_a_usage_error_with_json_is_a_json_error(
    args: list[str], command: str, message: str, where: str, tmp_path: Path
) -> None:
    """`--json` is read from the raw command line: after the mistake (never parsed) or
    before it, the error is a JSON report (the shape of any failed run) and exit code 2."""
    at = len(command.split()) - 1  # --json right after the command's name
    argv = [*args, "--json"] if where == "last" else [*args[:at], "--json", *args[at:]]
    result = run(argv, tmp_path)
    assert result.returncode == 2, result.output
    data = json_of(result)
    assert errors_of(data, "report") == []
    assert data["outcome"] == "failed"
    error = data["error"]
    assert error["kind"] == "usage"
    assert message in error["message"]
    assert error["command"] == command
    assert error["usage"].startswith(f"{command} [OPTIONS]")
    assert error["help"] == f"{command} --help"
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(("args", "command", "message"), MISTAKES[:3])
def test_without_json_a_usage_error_is_text(
    args: list[str], command: str, message: str, tmp_path: Path
) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"Usage: {command} [OPTIONS]")
    assert f"Try '{command} --help' for help." in result.stderr
    assert f"Error: {message}" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_option_missing_its_value_is_a_json_error(tmp_path: Path) -> None:
    result = run(["check", "--json", "--out"], tmp_path)
    assert result.returncode == 2, result.output
    error = json_of(result)["error"]
    assert error == {"kind": "usage", "message": "Option '--out' requires an argument."}


def test_a_usage_error_found_by_a_command_is_the_same_json(tmp_path: Path) -> None:
    """`new` finds some usage errors itself (two blueprints): the same report, exit 2."""
    result = run(["new", "crud-endpoint", "-b", "json-schema", "--json"], tmp_path)
    assert result.returncode == 2, result.output
    error = json_of(result)["error"]
    assert error["kind"] == "usage"
    assert "two blueprints given" in error["message"]


def test_help_and_successes_are_unchanged(tmp_path: Path) -> None:
    helped = run(["new", "--help", "--json"], tmp_path)
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: scaffold new")
    nothing = run([], tmp_path)
    assert nothing.returncode == 2 and "Commands" in nothing.stdout + nothing.stderr
    done = run(["new", "crud-endpoint", "-s", "resource=users", "--dry-run", "--json"], tmp_path)
    assert done.returncode == 0, done.output
    assert json_of(done)["outcome"] == "succeeded"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["new", "--json"], True),
        (["--json", "new"], True),
        (["new", "x", "--", "--json"], False),
        (["new", "--jsonx"], False),
        (["new"], False),
    ],
)
def test_json_is_read_before_the_end_of_options(args: list[str], expected: bool) -> None:
    assert wants_json(args) is expected


# --- show --json and list --json against their schemas --------------------------------------


@pytest.mark.parametrize("name", BUILT_IN)
def test_show_json_of_every_built_in_blueprint_matches_its_schema(
    name: str, tmp_path: Path
) -> None:
    data = json_of(run(["show", name, "--json"], tmp_path))
    assert errors_of(data, "show") == []
    assert data["name"] == name
    assert (data["origin"], data["kind"]) == ("built-in", "native")
    assert data["path"] == str(data_dir("blueprints") / name)
    assert data["files"] and data["examples"]


def place_blueprints(tmp_path: Path) -> tuple[Path, Path]:
    """A project that shadows a built-in and has a broken blueprint, and a SCAFFOLD_PATH
    folder with a Copier and a Cookiecutter template."""
    project = build_file_tree(
        tmp_path / "project" / ".scaffold" / "blueprints",
        {
            "json-schema/blueprint.yaml": "name: json-schema\ndescription: Our own.\n"
            "variables: {type: object}\n",
            "json-schema/template/a.txt": "a\n",
            "oops/blueprint.yaml": "name: oops\ndescription: no template folder\n",
        },
    ).parent.parent
    extra = build_file_tree(
        tmp_path / "extra",
        {
            "service/copier.yml": "project:\n  type: str\n  default: demo\n",
            "service/{{ project }}.txt.jinja": "x\n",
            "cutter/cookiecutter.json": '{"project": "demo"}\n',
            "cutter/{{cookiecutter.project}}/README.md": "x\n",
        },
    )
    return project, extra


def test_list_json_matches_its_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, extra = place_blueprints(tmp_path)
    missing = tmp_path / "not-there"
    monkeypatch.setenv("SCAFFOLD_PATH", f"{extra}:{missing}")
    result = run_with_path(["list", "--json"], project)
    data = json.loads(result.stdout)
    assert errors_of(data, "list") == []
    listed = {b["name"]: b for b in data["blueprints"]}
    assert sorted(listed) == sorted({*BUILT_IN, "service", "cutter"})
    assert [b["name"] for b in data["blueprints"]] == sorted(listed)
    ours = listed["json-schema"]
    assert (ours["origin"], ours["description"]) == ("project", "Our own.")
    assert ours["shadows"] == [
        {"origin": "built-in", "path": str(data_dir("blueprints") / "json-schema")}
    ]
    assert listed["crud-endpoint"]["shadows"] == []
    assert (listed["service"]["kind"], listed["service"]["origin"]) == ("copier", "SCAFFOLD_PATH")
    assert listed["cutter"]["kind"] == "cookiecutter"
    assert [m for m in data["broken"] if "oops" in m]
    assert [w for w in data["warnings"] if str(missing) in w]
    for name in ("service", "cutter"):  # `show` prints what `list` holds for each
        shown = json.loads(run_with_path(["show", name, "--json"], project).stdout)
        assert errors_of(shown, "show") == []
        assert shown == {k: v for k, v in listed[name].items() if k != "shadows"}


def test_the_schemas_reject_what_they_do_not_describe() -> None:
    """Not a schema that accepts anything: a missing field, an unknown one, a wrong kind."""
    shown: dict[str, Any] = {
        "name": "x",
        "pattern": None,
        "description": "",
        "origin": "built-in",
        "kind": "native",
        "path": "/x",
        "variables": {},
        "computed": {},
        "files": [],
        "checks": [],
        "examples": [],
    }
    assert errors_of(shown, "show") == []
    assert errors_of({**shown, "colour": "red"}, "show")
    assert errors_of({**shown, "kind": "plop"}, "show")
    assert errors_of({k: v for k, v in shown.items() if k != "path"}, "show")
    listed = {"blueprints": [{**shown, "shadows": []}], "broken": [], "warnings": []}
    assert errors_of(listed, "list") == []
    assert errors_of({**listed, "blueprints": [shown]}, "list")  # no shadows
    bad_shadow = {**shown, "shadows": [{"origin": "elsewhere", "path": "/y"}]}
    assert errors_of({**listed, "blueprints": [bad_shadow]}, "list")


def run_with_path(args: list[str], cwd: Path) -> Result:
    """`run` keeps SCAFFOLD_PATH out; this passes the test's own on."""
    proc = subprocess.run(
        [str(SCAFFOLD), *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    result = Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)
    assert result.returncode == 0, result.output
    return result
