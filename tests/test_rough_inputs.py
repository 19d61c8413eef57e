"""Rough edges a new user hits on the input side (issue 13): each one is refused with exit
code 1, a message that names the place and the fix, no traceback and nothing written, or
(a missing SCAFFOLD_PATH folder, a shadowed blueprint) shown without failing.

Most tests run the CLI in-process (CliRunner), as tests/test_cli.py does; the ones about
what goes to stdout and what to stderr run the real ``scaffold`` in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

import scaffolder.yamlsource
from scaffolder.blueprint import Origin
from scaffolder.catalog import SearchPath, resolve_blueprint, scan
from scaffolder.cli import app
from scaffolder.errors import BlueprintError, ScaffoldError
from scaffolder.itemsfile import load_items_file
from scaffolder.values import questions
from tests.conftest import SCAFFOLD, MakeBlueprint, build_file_tree, snapshot

pytestmark = pytest.mark.usefixtures("isolated")

runner = CliRunner(env={"COLUMNS": "1000", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})

EXAMPLE = "  blueprint: crud-endpoint\n  items:\n    - resource: users\n"
VARIABLES: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z_]+$"},
        "fields": {"type": "array", "default": []},
        "options": {"type": "object", "default": {}},
        "label": {"type": ["array", "string"], "default": "x"},
    },
}


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    result = runner.invoke(app, [str(a) for a in args], env=env)
    # a handled error ends in SystemExit; anything else escaped the error handler
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def refused(result: Result, *words: str) -> None:
    """Exit code 1, an ``error:`` naming every one of ``words``, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.output
    for word in words:
        assert word in result.output, (word, result.output)


def batch_refused(tmp_path: Path, files: dict[str, str], items_file: str, *words: str) -> None:
    """``files`` written, ``scaffold batch ITEMS_FILE`` is refused naming ``words``, and
    nothing is written."""
    build_file_tree(tmp_path, files)
    before = snapshot(tmp_path)
    refused(run("batch", items_file, "--out", "out"), *words)
    assert snapshot(tmp_path) == before


def real(cwd: Path, *args: str | Path, scaffold_path: str = "") -> subprocess.CompletedProcess[str]:
    """The installed ``scaffold`` in ``cwd``, colourless, with ``SCAFFOLD_PATH`` as given."""
    env = {**os.environ, "SCAFFOLD_PATH": scaffold_path, "NO_COLOR": "1", "COLUMNS": "1000"}
    return subprocess.run(
        [str(SCAFFOLD), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def demo(root: Path, templates: dict[str, str | bytes] | None = None) -> Path:
    """A small native blueprint named ``demo`` at ``root``."""
    manifest = {"name": "demo", "description": "a demo", "variables": VARIABLES}
    build_file_tree(root, {"blueprint.yaml": yaml.safe_dump(manifest, sort_keys=False)})
    build_file_tree(root / "template", templates or {"{{ name }}.txt.jinja": "hi {{ name }}\n"})
    return root


# 1. a mistyped blueprint name: "did you mean …"


@pytest.mark.parametrize(
    "args",
    [
        ["new", "crud-endpont", "--set", "resource=users", "--out", "out"],
        ["new", "--blueprint", "CRUD-Endpoint", "--set", "resource=users", "--out", "out"],
        ["show", "crud-endpont"],
        ["blueprint", "test", "crud-endpont", "--keep", "out"],
    ],
)
def test_a_mistyped_name_gets_did_you_mean(tmp_path: Path, args: list[str]) -> None:
    before = snapshot(tmp_path)
    refused(run(*args), "no blueprint named", "Did you mean 'crud-endpoint'?", "Known blueprints")
    assert snapshot(tmp_path) == before


def test_a_name_close_to_several_offers_each(tmp_path: Path) -> None:
    refused(run("show", "module"), "Did you mean 'module-doc' or 'python-module'?")
    result = run("show", "zzzzzz")
    refused(result, "no blueprint named 'zzzzzz'.", "Known blueprints: crud-endpoint")
    assert "Did you mean" not in result.output


def test_the_real_command_suggests_a_blueprint_of_the_project(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    make_blueprint({"a.txt": "a"}, name="api-client", where=tmp_path / ".scaffold/blueprints")
    before = snapshot(tmp_path)
    result = real(tmp_path, "new", "api-clent", "--set", "name=x")
    assert result.returncode == 1, result.stderr
    assert "Did you mean 'api-client'?" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert snapshot(tmp_path) == before


def test_a_mistyped_name_in_an_items_file_names_the_file_and_the_line(tmp_path: Path) -> None:
    text = "# the endpoints\nbatch_size: 2\nblueprint: crud-endpont\nitems:\n  - resource: users\n"
    batch_refused(
        tmp_path,
        {"items.yaml": text},
        "items.yaml",
        "items.yaml:3: no blueprint named 'crud-endpont'. Did you mean 'crud-endpoint'?",
    )


def test_a_mistyped_name_in_a_plan_names_the_phase_and_its_line(tmp_path: Path) -> None:
    plan = {
        "phases": [
            {"name": "schemas", "blueprint": "json-schema", "items": [{"name": "user"}]},
            {"name": "endpoints", "items": [{"resource": "users"}], "blueprint": "crud-endpnt"},
        ]
    }
    build_file_tree(
        tmp_path,
        {
            "plan.yaml": yaml.safe_dump(plan, sort_keys=False),
            "plan.json": json.dumps(plan, indent=2),
        },
    )
    before = snapshot(tmp_path)
    refused(
        run("batch", "plan.yaml", "--out", "out"),
        "plan.yaml:9: phase endpoints: no blueprint named 'crud-endpnt'. "
        "Did you mean 'crud-endpoint'?",
    )
    refused(run("batch", "plan.json", "--out", "out"), "plan.json:19: phase endpoints:")
    assert snapshot(tmp_path) == before


def test_the_line_of_the_blueprint_is_found_only_for_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_file_tree(tmp_path, {"items.yaml": "blueprint: crud-endpoint\nitems: [{resource: a}]\n"})
    (phase,) = load_items_file(tmp_path / "items.yaml").phases

    def no_lines(*_: object) -> None:
        raise AssertionError("the lines of the items file were computed")

    monkeypatch.setattr(scaffolder.yamlsource, "_collect_lines", no_lines)
    search = SearchPath.default(cwd=tmp_path, environ={})
    assert resolve_blueprint(phase.blueprint, search, cited=phase.cite).name == "crud-endpoint"
    with pytest.raises(AssertionError, match="were computed"):
        resolve_blueprint("crud-endpont", search, cited=phase.cite)


# 2. an empty items file


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("items.yaml", "", "items.yaml: empty (or only comments)"),
        ("items.yaml", "# to do: list the endpoints\n\n", "items.yaml: empty (or only comments)"),
        ("items.json", "", "items.json: empty (or only comments)"),
        ("items.yaml", "blueprint: crud-endpoint\nitems: []\n", "items.yaml:2: no items"),
        (
            "items.yaml",
            "phases:\n  - name: a\n    blueprint: crud-endpoint\n    items: []\n",
            "items.yaml:4: no items",
        ),
        ("items.json", '{"blueprint": "crud-endpoint", "items": []}', "items.json:1: no items"),
    ],
)
def test_an_empty_items_file_says_what_one_needs(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    batch_refused(tmp_path, {name: text}, name, says, EXAMPLE)


def test_items_from_an_empty_csv_file_are_no_items(tmp_path: Path) -> None:
    items = "blueprint: crud-endpoint\nitems: {from: rows.csv}\n"
    files = {"items.yaml": items, "rows.csv": "resource\n"}
    batch_refused(tmp_path, files, "items.yaml", "items.yaml:2: no items", EXAMPLE)


# 3. a .json items file is strict JSON


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ('{"blueprint": "crud-endpoint",\n "items": [{"resource": "users"},]}', ":2:34:", "Expecting value"),
        ("{'blueprint': 'crud-endpoint', 'items': []}", ":1:2:", "double quotes"),
        ('{"blueprint": "crud-endpoint",\n  # the items\n "items": []}', ":2:3:", "Expecting property name"),
        ('{"blueprint": "crud-endpoint", "items": [{"resource": "users"}]} trailing', ":1:66:", "Extra data"),
    ],
)  # fmt: skip
def test_invalid_json_is_invalid_json_with_line_and_column(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    batch_refused(
        tmp_path, {"items.json": text}, "items.json", f"items.json{where} not valid JSON", what
    )


def test_nan_is_not_json(tmp_path: Path) -> None:
    text = '{"blueprint": "crud-endpoint",\n "items": [{"resource": NaN}]}'
    batch_refused(
        tmp_path, {"items.json": text}, "items.json", "items.json:2: NaN is not valid JSON"
    )


def test_the_same_text_named_yaml_is_read_as_yaml(tmp_path: Path) -> None:
    text = "{'blueprint': 'crud-endpoint', 'items': [{'resource': 'users'},]}"
    build_file_tree(tmp_path, {"items.yaml": text})
    result = run("batch", "items.yaml", "--out", "out", "--dry-run", "--no-check")
    assert result.exit_code == 0, result.output


def test_a_valid_json_items_file_still_names_lines(tmp_path: Path) -> None:
    data = {"blueprint": "crud-endpoint", "items": [{"resource": "users"}, {"resource": "Bad"}]}
    files = {"items.json": json.dumps(data, indent=2)}
    batch_refused(tmp_path, files, "items.json", "items.json:8: item 2 (Bad): resource:")


def test_a_json_data_file_is_strict_json(tmp_path: Path) -> None:
    demo(tmp_path / "bp")
    build_file_tree(tmp_path, {"values.json": '{"name": "a",}'})
    refused(
        run("new", "./bp", "--data-file", "values.json", "--out", "out"),
        "values.json:1:14: not valid JSON",
    )
    assert not (tmp_path / "out").exists()


# 4. CSV items: the CSV file and the row's line


def test_a_csv_row_error_names_the_csv_file_and_its_line(tmp_path: Path) -> None:
    files = {
        "items.yaml": "blueprint: crud-endpoint\nitems: {from: data/items.csv}\n",
        "data/items.csv": "resource\nusers\nprojects\nBad-One\n",
    }
    batch_refused(tmp_path, files, "items.yaml", "items.csv:4: item 3 (Bad-One): resource:")


def test_a_csv_row_with_too_many_cells_names_its_line(tmp_path: Path) -> None:
    files = {
        "items.yaml": "blueprint: crud-endpoint\nitems: {from: items.csv}\n",
        "items.csv": "resource\nusers\nprojects,extra\n",
    }
    batch_refused(tmp_path, files, "items.yaml", "items.csv:3: more cells than the header")


def from_csv(rows: str) -> dict[str, str]:
    """An items file taking crud-endpoint's items from ``items.csv`` holding ``rows``."""
    return {"items.yaml": "blueprint: crud-endpoint\nitems: {from: items.csv}\n", "items.csv": rows}


@pytest.mark.parametrize(
    ("rows", "planned"),
    [
        # a spreadsheet drops a short row's trailing empty cells: defaults apply, as for empty
        # cells (it used to crash with a TypeError)
        (
            'resource,fields\nusers,"[{""name"": ""title"", ""type"": ""str""}]"\norders\n',
            "order.py",
        ),
        ("resource,\nusers,\n", "user.py"),  # an unnamed column with empty cells is ignored
    ],
)
def test_a_short_csv_row_or_an_empty_unnamed_column_is_values_left_out(
    tmp_path: Path, rows: str, planned: str
) -> None:
    build_file_tree(tmp_path, from_csv(rows))
    result = run("batch", "items.yaml", "--out", "out", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"app/models/{planned}" in result.output


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ('resource,fields\n"Bad\n', ["items.csv:2: item 1", "resource:"]),  # a short row
        ("resource,package,resource\nusers,app,orders\n", ["items.csv:1:", "'resource' twice"]),
        ("resource,\nusers,\norders,stray\n", ["items.csv:3:", "no name"]),
    ],
)
def test_a_csv_file_with_a_column_problem_is_refused(
    tmp_path: Path, rows: str, words: list[str]
) -> None:
    batch_refused(tmp_path, from_csv(rows), "items.yaml", *words)


def test_a_csv_file_given_as_the_items_file_says_how_to_use_it(tmp_path: Path) -> None:
    batch_refused(
        tmp_path,
        {"items.csv": "resource\nusers\n"},
        "items.csv",
        "a CSV file holds items, not a whole items file",
        "items: {from: items.csv}",
    )


# 5. a SCAFFOLD_PATH folder that is not there


def test_a_missing_scaffold_path_folder_is_a_warning_on_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    result = real(tmp_path, "list", scaffold_path=str(missing))
    assert result.returncode == 0, result.stderr
    assert f"warning: SCAFFOLD_PATH names {missing}, which is not a folder" in result.stderr
    assert "crud-endpoint" in result.stdout and "SCAFFOLD_PATH names" not in result.stdout


def test_list_json_has_the_warning_in_its_warnings(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    result = real(tmp_path, "list", "--json", scaffold_path=f"{missing}{os.pathsep}")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["warnings"]) == 1 and str(missing) in data["warnings"][0]
    assert "SCAFFOLD_PATH" in data["warnings"][0] and result.stderr == ""
    assert real(tmp_path, "list", "--json").stdout.count('"warnings": []') == 1


def test_new_batch_and_show_warn_of_a_missing_folder_and_still_work(tmp_path: Path) -> None:
    missing = tmp_path / "moved-away"
    build_file_tree(
        tmp_path, {"items.yaml": "blueprint: crud-endpoint\nitems:\n  - resource: users\n"}
    )
    runs = [
        ("show", "json-schema"),
        ("show", "json-schema", "--json"),
        ("new", "crud-endpoint", "--set", "resource=users", "--dry-run", "--out", "out"),
        ("batch", "items.yaml", "--dry-run", "--json", "--out", "out"),
    ]
    for args in runs:
        result = real(tmp_path, *args, scaffold_path=str(missing))
        assert result.returncode == 0, (args, result.stderr)
        assert f"warning: SCAFFOLD_PATH names {missing}, which is not a folder" in result.stderr
        if "--json" in args:
            json.loads(result.stdout)  # standard output stays the report
    assert not (tmp_path / "out").exists()


def test_an_unknown_name_mentions_the_missing_folder(tmp_path: Path) -> None:
    result = run("new", "mine", "--out", "out", env={"SCAFFOLD_PATH": str(tmp_path / "gone")})
    refused(result, "no blueprint named 'mine'", f"SCAFFOLD_PATH names {tmp_path / 'gone'}")
    assert not (tmp_path / "out").exists()


# 6. a blueprint found in several places


@pytest.fixture
def shadowing(tmp_path: Path, make_blueprint: MakeBlueprint) -> Path:
    """``crud-endpoint`` in the project and on SCAFFOLD_PATH, ``env-config`` on SCAFFOLD_PATH."""
    shared = tmp_path / "shared"
    make_blueprint({"a.txt": "p"}, name="crud-endpoint", where=tmp_path / ".scaffold/blueprints")
    make_blueprint({"a.txt": "s"}, name="crud-endpoint", where=shared)
    make_blueprint({"a.txt": "s"}, name="env-config", where=shared)
    return shared


def test_list_marks_what_shadows_what(tmp_path: Path, shadowing: Path) -> None:
    result = real(tmp_path, "list", scaffold_path=str(shadowing))
    assert result.returncode == 0, result.stderr
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if "│" in line}
    assert "project" in rows["crud-endpoint"]
    assert (
        f"shadows SCAFFOLD_PATH ({shadowing / 'crud-endpoint'}); shadows built-in"
        in (rows["crud-endpoint"])
    )
    assert "SCAFFOLD_PATH" in rows["env-config"] and "shadows built-in" in rows["env-config"]
    assert "shadows" not in rows["json-schema"]
    assert "the nearest one's" in result.stdout


def test_list_json_says_what_each_blueprint_shadows(tmp_path: Path, shadowing: Path) -> None:
    result = real(tmp_path, "list", "--json", scaffold_path=str(shadowing))
    found = {b["name"]: b for b in json.loads(result.stdout)["blueprints"]}
    assert found["crud-endpoint"]["origin"] == "project"
    assert [s["origin"] for s in found["crud-endpoint"]["shadows"]] == ["SCAFFOLD_PATH", "built-in"]
    assert found["crud-endpoint"]["shadows"][0]["path"] == str(shadowing / "crud-endpoint")
    assert [s["origin"] for s in found["env-config"]["shadows"]] == ["built-in"]
    assert found["json-schema"]["shadows"] == []


def test_the_nearest_wins_and_the_catalog_keeps_the_others(tmp_path: Path, shadowing: Path) -> None:
    search = SearchPath.default(cwd=tmp_path, environ={"SCAFFOLD_PATH": str(shadowing)})
    catalog = scan(search)
    (crud,) = [b for b in catalog.blueprints if b.name == "crud-endpoint"]
    assert crud.origin is Origin.PROJECT
    assert [b.origin for b in catalog.shadows(crud)] == [Origin.SCAFFOLD_PATH, Origin.BUILT_IN]
    assert resolve_blueprint("crud-endpoint", search).root == crud.root


# 7. a template that is not UTF-8


def test_a_template_that_is_not_utf8_is_named_with_the_fix(tmp_path: Path) -> None:
    demo(tmp_path / "bp", {"docs/readme.md.jinja": "caf\xe9 {{ name }}\n".encode("latin-1")})
    build_file_tree(tmp_path, {"items.yaml": "blueprint: ./bp\nitems: [{name: a}]\n"})
    before = snapshot(tmp_path)
    for result in (
        run("new", "./bp", "--set", "name=a", "--out", "out"),
        run("batch", "items.yaml", "--out", "out"),
    ):
        refused(
            result,
            "template/docs/readme.md.jinja",
            "not UTF-8 text (byte 0xe9 at offset 3)",
            "Re-encode it as UTF-8",
            "drop the .jinja suffix",
        )
    assert snapshot(tmp_path) == before


def test_a_file_without_the_jinja_suffix_is_copied_byte_for_byte(tmp_path: Path) -> None:
    latin = "caf\xe9\n".encode("latin-1")
    demo(tmp_path / "bp", {"readme.md": latin, "{{ name }}.txt.jinja": "{{ name }}\n"})
    result = run("new", "./bp", "--set", "name=a", "--out", "out", "--no-check")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/readme.md").read_bytes() == latin


# 8. invalid JSON in --set


@pytest.mark.parametrize(
    ("assignment", "says"),
    [
        ('fields=[{"name": "id",}]', 'column 16: Expecting property name enclosed in double quotes'),
        ("fields=[{'name': 'id'}]", "column 3: Expecting property name"),
        ("fields=id,name", "column 1: Expecting value"),
        ('options={"a": 1', "column 8: Expecting ',' delimiter"),
    ],
)  # fmt: skip
def test_invalid_json_in_set_names_the_key_and_the_column(
    tmp_path: Path, assignment: str, says: str
) -> None:
    demo(tmp_path / "bp")
    before = snapshot(tmp_path)
    key = assignment.partition("=")[0]
    result = run("new", "./bp", "--set", "name=a", "--set", assignment, "--out", "out")
    refused(result, f"--set {key}: not valid JSON at {says}", "Give a list or a mapping as JSON")
    assert "is not of type" not in result.output
    assert snapshot(tmp_path) == before


def test_the_caret_points_at_the_column(tmp_path: Path) -> None:
    demo(tmp_path / "bp")
    result = run("new", "./bp", "--set", "name=a", "--set", "fields=[1, 2,, 3]", "--out", "out")
    refused(result, "column 7:", "  [1, 2,, 3]\n        ^\n")


def test_text_that_starts_like_json_is_text_where_text_is_allowed(tmp_path: Path) -> None:
    demo(tmp_path / "bp", {"{{ name }}.txt.jinja": "{{ label }}\n"})
    result = run("new", "./bp", "--set", "name=a", "--set", "label=[draft", "--out", "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/a.txt").read_text() == "[draft\n"


def test_a_prompt_answer_that_is_not_json_says_so(tmp_path: Path) -> None:
    from scaffolder.blueprint import load_blueprint

    blueprint = load_blueprint(demo(tmp_path / "bp"))
    (fields,) = [q for q in questions(blueprint, {"name": "a"}) if q.name == "fields"]
    problem = fields.problem(fields.parse('[{"a": 1},]'))
    assert problem is not None and problem.startswith("not valid JSON at column 11")
    assert fields.problem(fields.parse('[{"a": 1}]')) is None


def test_scaffold_errors_are_what_the_library_raises(tmp_path: Path) -> None:
    """A Python caller gets the same messages as exceptions, not printed."""
    search = SearchPath.default(cwd=tmp_path, environ={})
    with pytest.raises(BlueprintError, match="Did you mean 'json-schema'"):
        resolve_blueprint("json_schema", search)
    build_file_tree(tmp_path, {"items.json": "[1,]"})
    with pytest.raises(ScaffoldError, match=r"items.json:1:4: not valid JSON"):
        load_items_file(tmp_path / "items.json")
