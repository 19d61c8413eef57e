"""Ground-truth checks, through the library: each kind on good and bad output, the tool
guards, the commit they gate, phases, and how many processes they start.

Every blueprint is built inline in ``tmp_path``; nothing is written anywhere else. They are
each test's own, so the runs here trust them (``trust=True``): what needs trust, and what
happens without it, is tested in ``test_checks_trust.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import scaffolder
from scaffolder.blueprint import Blueprint
from scaffolder.checks import CheckResult, CheckStatus, ToolMissingError
from scaffolder.checks import base as check_base
from scaffolder.errors import BlueprintError
from scaffolder.report import Outcome, Report
from tests.conftest import MakeBlueprint, build_file_tree, snapshot

PYTHON = sys.executable

NAMED = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}},
}


def with_properties(**properties: Any) -> dict[str, Any]:
    """The variables of ``NAMED`` plus ``properties`` (all optional)."""
    return {**NAMED, "properties": {**NAMED["properties"], **properties}}


@pytest.fixture(autouse=True)
def no_user_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own settings file (and what it trusts) plays no part here."""
    monkeypatch.setenv("SCAFFOLD_SETTINGS", str(tmp_path / "no-settings.yaml"))


def new(blueprint: Blueprint, out: Path, values: dict[str, Any] | None = None, **kw: Any) -> Report:
    """One render of a blueprint the test made, trusted unless ``trust=False``."""
    kw.setdefault("trust", True)
    return scaffolder.new(blueprint, values or {"name": "alpha"}, out=out, **kw)


def batch(
    tmp_path: Path, blueprint: Blueprint, items: list[dict[str, Any]], out: Path, **kw: Any
) -> Report:
    """A batch of a blueprint the test made, trusted unless ``trust=False``."""
    kw.setdefault("trust", True)
    items_file = tmp_path / "items.yaml"
    items_file.write_text(yaml.safe_dump({"blueprint": str(blueprint.root), "items": items}))
    return scaffolder.run(items_file, out=out, jobs=1, **kw)


def only(report: Report, kind: str) -> CheckResult:
    (found,) = [check for check in report.checks if check.kind == kind]
    return found


def problem_text(check: CheckResult) -> str:
    return "\n".join(problem.describe() for problem in check.problems)


def assert_passed(report: Report) -> None:
    failures = [f"{c.description}: {problem_text(c)}" for c in report.checks if c.problems]
    assert report.outcome is Outcome.SUCCEEDED, failures
    assert report.checks, "no check ran"
    assert all(c.status is CheckStatus.PASSED for c in report.checks)
    assert not report.rolled_back


def assert_rolled_back(report: Report, out: Path, before: dict[str, bytes | None]) -> None:
    assert report.outcome is Outcome.CHECKS_FAILED
    assert report.exit_code == 1
    assert report.rolled_back
    assert snapshot(out) == before


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The argv of every process started from now on (in this process, any thread)."""
    calls: list[list[str]] = []
    lock = threading.Lock()
    original = subprocess.Popen.__init__

    def counting(self: subprocess.Popen[Any], args: Any, *rest: Any, **kw: Any) -> None:
        with lock:
            calls.append([args] if isinstance(args, str) else [str(a) for a in args])
        original(self, args, *rest, **kw)

    monkeypatch.setattr(subprocess.Popen, "__init__", counting)
    return calls


# --- py_compile ----------------------------------------------------------------------------


def test_py_compile_passes_in_process_once_over_every_item(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    blueprint = make_blueprint(
        {"pkg/{{ name }}.py.jinja": "VALUE = {{ name | tojson }}\n", "notes.txt": "not python\n"},
        variables=NAMED,
        checks=["py_compile"],
    )
    out = tmp_path / "out"
    report = batch(tmp_path, blueprint, [{"name": n} for n in ("a", "b", "c")], out)
    assert_passed(report)
    check = only(report, "py_compile")
    # one check for the whole run, over the .py files of every item, and no process
    assert check.files == ("pkg/a.py", "pkg/b.py", "pkg/c.py")
    assert check.processes == 0
    assert spawned == []
    assert not list(out.rglob("__pycache__"))


def test_py_compile_syntax_error_names_file_and_line(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {
            "pkg/{{ name }}.py.jinja": "import os\n\ndef {{ name }}(:\n    return os.sep\n",
            "pkg/fine.py": "X = 1\n",
        },
        variables=NAMED,
        checks=["py_compile"],
    )
    out = tmp_path / "out"
    report = new(blueprint, out)
    assert_rolled_back(report, out, {})
    check = only(report, "py_compile")
    assert check.status is CheckStatus.FAILED
    (problem,) = check.problems
    assert (problem.file, problem.line) == ("pkg/alpha.py", 3)
    assert problem.describe().startswith("pkg/alpha.py:3: ")
    assert check.files == ("pkg/alpha.py", "pkg/fine.py")


# --- yaml, json, toml ----------------------------------------------------------------------

PARSE_CASES = {
    "yaml": ("conf.yaml", "a: 1\nb: [1, 2]\n", "a: 1\nb: c: d\n", 2),
    "json": ("conf.json", '{\n "a": 1,\n "b": [1, 2]\n}\n', '{\n "a": 1,\n "b": ,\n}\n', 3),
    "toml": ("conf.toml", 'a = 1\n[b]\nc = "d"\n', 'a = 1\n[b]\nc = = "d"\n', 3),
}


@pytest.mark.parametrize("kind", sorted(PARSE_CASES))
def test_parse_kinds_pass_good_files(
    kind: str, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    filename, good, _bad, _line = PARSE_CASES[kind]
    blueprint = make_blueprint({f"{{{{ name }}}}/{filename}": good}, variables=NAMED, checks=[kind])
    report = new(blueprint, tmp_path / "out")
    assert_passed(report)
    assert only(report, kind).files == (f"alpha/{filename}",)
    assert only(report, kind).processes == 0


@pytest.mark.parametrize("kind", sorted(PARSE_CASES))
def test_parse_kinds_name_file_and_line_of_a_parse_error(
    kind: str, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    filename, good, bad, line = PARSE_CASES[kind]
    blueprint = make_blueprint(
        {f"{{{{ name }}}}/{filename}": bad, f"ok/{filename}": good}, variables=NAMED, checks=[kind]
    )
    out = tmp_path / "out"
    report = new(blueprint, out)
    assert_rolled_back(report, out, {})
    (problem,) = only(report, kind).problems
    assert (problem.file, problem.line) == (f"alpha/{filename}", line)
    assert problem.message


def test_yaml_check_reads_every_document_of_a_stream(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"multi.yaml": "a: 1\n---\nb: 2\n---\nc: [\n"}, variables=NAMED, checks=["yaml"]
    )
    report = new(blueprint, tmp_path / "out")
    (problem,) = only(report, "yaml").problems
    assert problem.file == "multi.yaml"
    assert problem.line == 6  # the broken third document, where the stream ends


# --- jsonschema ----------------------------------------------------------------------------

CONFIG_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "port"],
    "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
}


@pytest.fixture
def config_blueprint(make_blueprint: MakeBlueprint) -> Blueprint:
    """Renders ``config/NAME.yaml``, checked against a schema the blueprint ships."""
    blueprint = make_blueprint(
        {"config/{{ name }}.yaml.jinja": "name: {{ name }}\nport: {{ port }}\n"},
        variables=with_properties(port={"type": ["integer", "string"], "default": 80}),
        checks=[{"jsonschema": {"schema": "schemas/config.schema.json"}}],
    )
    build_file_tree(blueprint.root, {"schemas/config.schema.json": json.dumps(CONFIG_SCHEMA)})
    return blueprint


def test_jsonschema_validates_against_a_schema_shipped_in_the_blueprint(
    tmp_path: Path, config_blueprint: Blueprint
) -> None:
    out = tmp_path / "out"
    good = batch(tmp_path, config_blueprint, [{"name": "a"}, {"name": "b", "port": 8080}], out)
    assert_passed(good)
    assert only(good, "jsonschema").files == ("config/a.yaml", "config/b.yaml")

    other = tmp_path / "other"
    bad = batch(tmp_path, config_blueprint, [{"name": "a"}, {"name": "b", "port": "eighty"}], other)
    assert_rolled_back(bad, other, {})
    (problem,) = only(bad, "jsonschema").problems
    assert problem.file == "config/b.yaml"
    assert "port" in problem.message
    assert "'eighty' is not of type 'integer'" in problem.message


FRONT_MATTER_SCHEMA = """\
type: object
required: [title, status]
properties:
  title: {type: string}
  status: {enum: [draft, final]}
"""


def test_jsonschema_validates_markdown_front_matter(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {
            "docs/{{ name }}.md.jinja": (
                "---\ntitle: {{ name | title }}\nstatus: {{ status }}\n---\n\n# {{ name }}\n"
            )
        },
        variables=with_properties(status={"type": "string", "default": "draft"}),
        checks=[{"jsonschema": {"schema": "front-matter.schema.yaml"}}],
    )
    build_file_tree(blueprint.root, {"front-matter.schema.yaml": FRONT_MATTER_SCHEMA})
    assert_passed(new(blueprint, tmp_path / "good"))

    out = tmp_path / "bad"
    report = new(blueprint, out, {"name": "alpha", "status": "wip"})
    assert_rolled_back(report, out, {})
    (problem,) = only(report, "jsonschema").problems
    assert problem.file == "docs/alpha.md"
    assert "status: 'wip' is not one of ['draft', 'final']" in problem.message


def test_jsonschema_on_markdown_without_front_matter_fails(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"docs/{{ name }}.md.jinja": "# {{ name }}\n\nno front matter\n"},
        variables=NAMED,
        checks=[{"jsonschema": {"schema": "front-matter.schema.yaml"}}],
    )
    build_file_tree(blueprint.root, {"front-matter.schema.yaml": FRONT_MATTER_SCHEMA})
    (problem,) = only(new(blueprint, tmp_path / "out"), "jsonschema").problems
    assert problem.file == "docs/alpha.md"
    assert "front matter" in problem.message


SCHEMA_TEMPLATE = """\
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "{{ name }}",
  "type": "object",
  "properties": {"age": {"type": "integer"}},
  "examples": [{"age": 3}, {"age": {{ second_age }}}]
}
"""


def test_jsonschema_metaschema_and_the_schemas_own_examples(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"schemas/{{ name }}.schema.json.jinja": SCHEMA_TEMPLATE},
        variables=with_properties(second_age={"type": "string", "default": "4"}),
        checks=[{"jsonschema": {"metaschema": True}}],
    )
    assert_passed(new(blueprint, tmp_path / "good"))

    out = tmp_path / "bad"
    report = new(blueprint, out, {"name": "alpha", "second_age": '"old"'})
    assert_rolled_back(report, out, {})
    (problem,) = only(report, "jsonschema").problems
    assert problem.file == "schemas/alpha.schema.json"
    assert problem.message.startswith("example 2: age: 'old' is not of type 'integer'")


def test_jsonschema_metaschema_rejects_an_invalid_schema(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"schemas/{{ name }}.schema.json.jinja": '{"type": "nonsense"}\n'},
        variables=NAMED,
        checks=[{"jsonschema": {"metaschema": True}}],
    )
    (problem,) = only(new(blueprint, tmp_path / "out"), "jsonschema").problems
    assert problem.file == "schemas/alpha.schema.json"
    assert problem.message.startswith("not a valid JSON Schema")


def test_jsonschema_metaschema_on_a_document_that_is_not_an_object(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"schemas/{{ name }}.schema.json.jinja": "[1, 2, 3]\n"},
        variables=NAMED,
        checks=[{"jsonschema": {"metaschema": True}}],
    )
    (problem,) = only(new(blueprint, tmp_path / "out"), "jsonschema").problems
    assert problem.file == "schemas/alpha.schema.json"
    assert "not a valid JSON Schema" in problem.message


def test_jsonschema_needs_schema_or_metaschema(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"a.json": "{}"}, variables=NAMED, checks=[{"jsonschema": {"examples": True}}]
    )
    out = tmp_path / "out"
    with pytest.raises(BlueprintError, match="metaschema: true"):
        new(blueprint, out)
    assert not out.exists()


# --- pytest --------------------------------------------------------------------------------

THREE_TESTS = (
    "def test_one():\n    pass\n\n\ndef test_two():\n    pass\n\n\ndef test_three():\n    pass\n"
)


def test_pytest_collect_only_min_tests_shows_both_numbers(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"tests/test_{{ name }}.py.jinja": THREE_TESTS},
        variables=NAMED,
        checks=[{"pytest": {"collect_only": True, "min_tests": 5}}],
    )
    out = tmp_path / "out"
    report = new(blueprint, out)
    assert_rolled_back(report, out, {})
    check = only(report, "pytest")
    assert check.processes == 1
    (problem,) = check.problems
    assert problem.file == "tests/test_alpha.py"
    assert "3 tests collected, at least 5 expected" in problem.message


def test_pytest_collect_only_min_tests_met(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"tests/test_{{ name }}.py.jinja": THREE_TESTS, "tests/helper.py": "X = 1\n"},
        variables=NAMED,
        checks=[{"pytest": {"collect_only": True, "min_tests": 3}}],
    )
    report = new(blueprint, tmp_path / "out")
    assert_passed(report)
    assert only(report, "pytest").files == ("tests/test_alpha.py",)  # not helper.py


def per_function_tests(limit: str = "") -> dict[str, str]:
    """A pytest module per item with a test per function (``limit`` slices the list)."""
    return {
        "tests/test_{{ name }}.py.jinja": (
            "{% for f in functions" + limit + " %}\ndef test_{{ f }}():\n    pass\n{% endfor %}"
        )
    }


FUNCTIONS = with_properties(functions={"type": "array", "items": {"type": "string"}})
EXACT = [{"pytest": {"collect_only": True, "exact": "{{ functions | length }}"}}]
ITEMS = [{"name": "a", "functions": ["x", "y"]}, {"name": "b", "functions": ["x", "y", "z"]}]


def test_pytest_exact_is_templated_per_item(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    blueprint = make_blueprint(per_function_tests(), variables=FUNCTIONS, checks=EXACT)
    report = batch(tmp_path, blueprint, ITEMS, tmp_path / "out")
    assert_passed(report)
    assert only(report, "pytest").files == ("tests/test_a.py", "tests/test_b.py")
    assert only(report, "pytest").processes == 1
    assert len(spawned) == 1


def test_pytest_exact_names_the_item_whose_count_is_wrong(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    # the template drops every function after the second: only item b notices
    blueprint = make_blueprint(per_function_tests("[:2]"), variables=FUNCTIONS, checks=EXACT)
    out = tmp_path / "out"
    report = batch(tmp_path, blueprint, ITEMS, out)
    assert_rolled_back(report, out, {})
    (problem,) = only(report, "pytest").problems
    assert problem.file == "tests/test_b.py"
    assert "item 2 (b)" in problem.message
    assert "2 tests collected, exactly 3 expected" in problem.message


def test_pytest_counts_survive_a_pytest_configuration_above_the_destination(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    # A destination inside a project with its own pytest configuration: pytest roots there,
    # so its test ids start with the destination's folder. The counts must not go to zero.
    build_file_tree(tmp_path / "project", {"pytest.ini": "[pytest]\n"})
    blueprint = make_blueprint(per_function_tests(), variables=FUNCTIONS, checks=EXACT)
    report = batch(tmp_path, blueprint, ITEMS, tmp_path / "project" / "svc")
    assert_passed(report)


def test_pytest_sees_only_the_runs_files_wherever_they_are(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    # pytest is given the run's files, and only those: a test file of the user's in the same
    # folder is not run; a nested folder, a folder pytest skips by default (build/) and a
    # file named outside `python_files` (given with `files:`) are.
    one_test = "def test_{{ name }}():\n    assert True\n"
    blueprint = make_blueprint(
        {
            "tests/test_{{ name }}.py.jinja": one_test,
            "tests/unit/test_{{ name }}_unit.py.jinja": one_test,
            "tests/build/test_{{ name }}_built.py.jinja": one_test,
            "tests/checks_{{ name }}.py.jinja": one_test,
            "tests/helper_{{ name }}.py.jinja": "def test_not_mine():\n    assert False\n",
        },
        variables=NAMED,
        checks=[{"pytest": {"run": True, "exact": 4, "files": ["tests/*test_*.py", "*/checks_*"]}}],
    )
    out = build_file_tree(
        tmp_path / "out", {"tests/test_users_own.py": "def test_old():\n    assert False\n"}
    )
    report = new(blueprint, out)
    assert_passed(report)
    check = only(report, "pytest")
    assert check.files == (
        "tests/build/test_alpha_built.py",
        "tests/checks_alpha.py",
        "tests/test_alpha.py",
        "tests/unit/test_alpha_unit.py",
    )
    assert "test_old" not in check.output
    assert "4 passed" in check.output


def test_pytest_run_reports_the_failing_test(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {
            "tests/test_{{ name }}.py.jinja": (
                "def test_passes():\n    assert True\n\n\n"
                "def test_fails():\n    assert 1 + 1 == 3, 'arithmetic is broken'\n"
            )
        },
        variables=NAMED,
        checks=[{"pytest": {"run": True, "min_tests": 2}}],
    )
    out = tmp_path / "out"
    report = new(blueprint, out)
    assert_rolled_back(report, out, {})
    check = only(report, "pytest")
    (problem,) = check.problems  # both tests ran: min_tests is met
    assert problem.file == "tests/test_alpha.py"
    assert "test_fails" in problem.message
    assert "arithmetic is broken" in check.output
    assert check.processes == 1


def test_pytest_run_passes(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {
            "pkg/__init__.py": "",
            "pkg/{{ name }}.py.jinja": "def double(x):\n    return 2 * x\n",
            "tests/test_{{ name }}.py.jinja": (
                "from pkg.{{ name }} import double\n\n\n"
                "def test_double():\n    assert double(2) == 4\n"
            ),
        },
        variables=NAMED,
        checks=[{"pytest": {"run": True, "exact": 1}}],
    )
    out = tmp_path / "out"
    assert_passed(new(blueprint, out))
    assert not list(out.rglob("__pycache__"))
    assert not (out / ".pytest_cache").exists()


def test_pytest_collection_error_names_the_file(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {
            "tests/test_{{ name }}.py.jinja": "import no_such_module_xyz\n\n\ndef test_a():\n    pass\n"
        },
        variables=NAMED,
        checks=[{"pytest": {"collect_only": True}}],
    )
    report = new(blueprint, tmp_path / "out")
    check = only(report, "pytest")
    assert check.status is CheckStatus.FAILED
    assert any(p.file == "tests/test_alpha.py" for p in check.problems), problem_text(check)
    assert "no_such_module_xyz" in check.output


def test_pytest_options_must_be_whole_numbers(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"tests/test_{{ name }}.py.jinja": THREE_TESTS},
        variables=NAMED,
        checks=[{"pytest": {"collect_only": True, "exact": "{{ name }}"}}],
    )
    out = tmp_path / "out"
    with pytest.raises(BlueprintError, match="exact must be a whole number"):
        new(blueprint, out)
    assert not out.exists()


# --- sqlite --------------------------------------------------------------------------------


def migrations(up2: str = "CREATE INDEX {{ name }}_id ON {{ name }} (id);", **extra: str) -> dict:
    """Two numbered migrations; the second needs the first (and must be undone first)."""
    return {
        "migrations/001_{{ name }}.up.sql.jinja": "CREATE TABLE {{ name }} (id INTEGER);\n",
        "migrations/001_{{ name }}.down.sql.jinja": "DROP TABLE {{ name }};\n",
        "migrations/002_{{ name }}_index.up.sql.jinja": up2 + "\n",
        "migrations/002_{{ name }}_index.down.sql.jinja": "DROP INDEX {{ name }}_id;\n",
        **extra,
    }


def test_sqlite_ups_in_order_then_downs_in_reverse(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    # 002 up needs 001's table; 001 down drops the table and its index, so 002 down (DROP
    # INDEX) only works before it: passing proves both orders.
    blueprint = make_blueprint(migrations(), variables=NAMED, checks=["sqlite"])
    report = new(blueprint, tmp_path / "out", {"name": "users"})
    assert_passed(report)
    assert len(only(report, "sqlite").files) == 4
    assert only(report, "sqlite").processes == 0
    assert spawned == []


def test_sqlite_broken_up_names_the_migration(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        migrations(up2="CREATE INDEX ON ({{ name }};"), variables=NAMED, checks=["sqlite"]
    )
    out = tmp_path / "out"
    report = new(blueprint, out, {"name": "users"})
    assert_rolled_back(report, out, {})
    (problem,) = only(report, "sqlite").problems
    assert problem.file == "migrations/002_users_index.up.sql"
    assert problem.message.startswith("SQLite: ")


def test_sqlite_down_that_leaves_a_table_fails(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        migrations(
            **{
                "migrations/003_{{ name }}_audit.up.sql.jinja": "CREATE TABLE {{ name }}_audit (x);",
                "migrations/003_{{ name }}_audit.down.sql.jinja": "SELECT 1;",
            }
        ),
        variables=NAMED,
        checks=["sqlite"],
    )
    out = tmp_path / "out"
    report = new(blueprint, out, {"name": "users"})
    assert_rolled_back(report, out, {})
    (problem,) = only(report, "sqlite").problems
    assert "users_audit" in problem.message
    assert "users (" not in problem.message  # only the table that was left
    assert problem.file == "migrations/003_users_audit.down.sql"


def test_sqlite_without_an_up_migration_fails(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint({"schema.sql": "CREATE TABLE t (x);\n"}, checks=["sqlite"])
    (problem,) = only(new(blueprint, tmp_path / "out", {"name": "a"}), "sqlite").problems
    assert "no migration matches" in problem.message


def test_sqlite_down_that_forgets_an_index_fails_even_if_a_later_down_drops_the_table(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    # 002's down does nothing, and 001's down drops the table (and with it the index): the
    # database ends empty, but 002's down did not undo 002's up
    blueprint = make_blueprint(
        {**migrations(), "migrations/002_{{ name }}_index.down.sql.jinja": "SELECT 1;\n"},
        variables=NAMED,
        checks=["sqlite"],
    )
    out = tmp_path / "out"
    report = new(blueprint, out, {"name": "users"})
    assert_rolled_back(report, out, {})
    (problem,) = only(report, "sqlite").problems
    assert problem.file == "migrations/002_users_index.down.sql"
    assert problem.message == (
        "does not undo migrations/002_users_index.up.sql: left behind: index users_id; "
        "changed: table users"
    )


def test_sqlite_down_that_leaves_an_added_column_fails(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {
            **migrations(),
            "migrations/003_{{ name }}_email.up.sql.jinja": "ALTER TABLE {{ name }} ADD COLUMN email TEXT;\n",
            "migrations/003_{{ name }}_email.down.sql.jinja": "SELECT 1;\n",
        },
        variables=NAMED,
        checks=["sqlite"],
    )
    report = new(blueprint, tmp_path / "out", {"name": "users"})
    (problem,) = only(report, "sqlite").problems
    assert (
        problem.message == "does not undo migrations/003_users_email.up.sql: changed: table users"
    )
    assert problem.file == "migrations/003_users_email.down.sql"


def test_sqlite_up_without_its_down_fails(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {**migrations(), "migrations/003_{{ name }}_more.up.sql.jinja": "CREATE TABLE more (x);\n"},
        variables=NAMED,
        checks=["sqlite"],
    )
    (problem,) = only(new(blueprint, tmp_path / "out", {"name": "users"}), "sqlite").problems
    assert (problem.file, problem.message) == (
        "migrations/003_users_more.up.sql",
        "no down migration undoes it",
    )


def test_sqlite_patterns_are_per_item(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    # each item keeps its migrations in its own folder, named by the item
    blueprint = make_blueprint(
        {
            "{{ name }}/001.up.sql.jinja": "CREATE TABLE {{ name }} (id INTEGER);\n",
            "{{ name }}/001.down.sql.jinja": "{% if name != 'broken' %}DROP TABLE {{ name }};{% endif %}\n",
        },
        variables=NAMED,
        checks=[{"sqlite": {"up": "{{ name }}/*.up.sql", "down": "{{ name }}/*.down.sql"}}],
    )
    items = tmp_path / "items.yaml"
    items.write_text(
        yaml.safe_dump(
            {"blueprint": str(blueprint.root), "items": [{"name": "alpha"}, {"name": "beta"}]}
        )
    )
    report = scaffolder.run(items, out=tmp_path / "ok", jobs=1)
    assert_passed(report)
    assert len(only(report, "sqlite").files) == 4
    items.write_text(
        yaml.safe_dump(
            {"blueprint": str(blueprint.root), "items": [{"name": "alpha"}, {"name": "broken"}]}
        )
    )
    (problem,) = only(scaffolder.run(items, out=tmp_path / "bad", jobs=1), "sqlite").problems
    assert problem.file == "broken/001.down.sql" and "left behind: table broken" in problem.message


# --- markdown --------------------------------------------------------------------------------


def test_markdown_requires_the_sections_outside_code_fences(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    page = (
        "# {{ name }}\n\n## Overview\n\ntext\n\n### usage ###\n\n"
        "```python\n# API\n```\n{% if name != 'short' %}## API\n{% endif %}"
    )
    blueprint = make_blueprint(
        {"docs/{{ name }}.md.jinja": page, "notes.txt": "## API\n"},
        variables=NAMED,
        checks=[{"markdown": {"sections": ["Overview", "Usage", "API"]}}],
    )
    report = new(blueprint, tmp_path / "ok", {"name": "full"})
    assert_passed(report)
    assert only(report, "markdown").files == ("docs/full.md",)  # .md files only
    assert spawned == []
    out = tmp_path / "bad"
    report = new(blueprint, out, {"name": "short"})
    assert_rolled_back(report, out, {})
    (problem,) = only(report, "markdown").problems
    # the "# API" inside the code block is no heading
    assert (problem.file, problem.message) == ("docs/short.md", "missing sections: API")


def test_markdown_options_must_list_sections(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"a.md": "# a\n"}, variables=NAMED, checks=[{"markdown": {"sections": "API"}}]
    )
    with pytest.raises(BlueprintError, match="list the required sections"):
        new(blueprint, tmp_path / "out", {"name": "a"})


# --- import --------------------------------------------------------------------------------


def test_import_templated_module_names_in_one_process(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    blueprint = make_blueprint(
        {
            "app/__init__.py": "",
            "app/api/__init__.py": "",
            "app/api/{{ name }}.py.jinja": "import json\n\nNAME = {{ name | tojson }}\n",
        },
        variables=NAMED,
        checks=[{"import": "app.api.{{ name }}"}],
    )
    out = tmp_path / "out"
    report = batch(tmp_path, blueprint, [{"name": n} for n in ("a", "b", "c")], out)
    assert_passed(report)
    check = only(report, "import")
    assert check.processes == 1
    assert len(spawned) == 1
    assert spawned[0][-3:] == ["app.api.a", "app.api.b", "app.api.c"]
    assert not list(out.rglob("__pycache__"))


def test_import_of_a_module_that_raises(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {
            "app/__init__.py": "",
            "app/{{ name }}.py.jinja": "X = 1\nraise RuntimeError('boom in {{ name }}')\n",
            "app/ok.py": "X = 1\n",
        },
        variables=NAMED,
        checks=[{"import": {"modules": ["app.ok", "app.{{ name }}"], "requires": ["json"]}}],
    )
    out = tmp_path / "out"
    report = new(blueprint, out)
    assert_rolled_back(report, out, {})
    check = only(report, "import")
    (problem,) = check.problems
    assert problem.file == "app/alpha.py"
    assert "import app.alpha failed: RuntimeError: boom in alpha" in problem.message
    assert "Traceback" in check.output  # the whole traceback is kept


def test_import_survives_a_module_that_prints(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.py.jinja": "import sys\nprint('loading', end='')\nsys.stdout.flush()\n"},
        variables=NAMED,
        checks=[{"import": "{{ name }}"}],
    )
    assert_passed(new(blueprint, tmp_path / "out"))


def test_import_of_a_missing_module(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"app/{{ name }}.py.jinja": "X = 1\n"}, variables=NAMED, checks=[{"import": "app.nope"}]
    )
    (problem,) = only(new(blueprint, tmp_path / "out"), "import").problems
    assert "import app.nope failed: ModuleNotFoundError" in problem.message
    assert problem.file is None


# --- command -------------------------------------------------------------------------------

COUNT_FILES = (
    f'{PYTHON} -c \'import sys; print(len(sys.argv) - 1, "files"); '
    f"sys.exit(0 if len(sys.argv) == 3 else 3)' {{{{ files }}}}"
)


def test_command_exit_code_non_zero_fails_with_its_output(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}/a.txt": "a\n", "{{ name }}/b.txt": "b\n", "{{ name }}/c.txt": "c\n"},
        variables=NAMED,
        checks=[{"command": COUNT_FILES}],
    )
    out = tmp_path / "out"
    report = new(blueprint, out, trust=True)
    assert_rolled_back(report, out, {})
    check = only(report, "command")
    (problem,) = check.problems
    assert "exited with 3" in problem.message
    assert "3 files" in check.output
    assert check.files == ("alpha/a.txt", "alpha/b.txt", "alpha/c.txt")


def test_command_runs_once_per_distinct_command_line(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}/a.txt": "a\n", "{{ name }}/b.txt": "b\n"},
        variables=NAMED,
        checks=[
            {"command": COUNT_FILES},  # templated per item: one process each
            {"command": f"{PYTHON} -c pass"},  # the same for every item: one process
        ],
    )
    items = [{"name": n} for n in ("a", "b", "c")]
    report = batch(tmp_path, blueprint, items, tmp_path / "out", trust=True)
    assert_passed(report)
    assert [c.processes for c in report.checks] == [3, 1]
    assert len(spawned) == 4
    assert sorted(argv[3:] for argv in spawned if len(argv) > 3) == [
        [f"{n}/a.txt", f"{n}/b.txt"] for n in ("a", "b", "c")
    ]


def test_command_files_are_those_it_applies_to(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}/a.py": "A = 1\n", "{{ name }}/notes.txt": "n\n"},
        variables=NAMED,
        checks=[{"command": {"run": f"{PYTHON} -c pass {{{{ files }}}}", "files": "*.py"}}],
    )
    report = new(blueprint, tmp_path / "out", trust=True)
    assert_passed(report)
    assert only(report, "command").files == ("alpha/a.py",)
    (argv,) = spawned
    assert argv[3:] == ["alpha/a.py"]


def test_command_may_run_a_script_the_run_writes(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {
            "scripts/check.sh": '#!/bin/sh\nfor f in "$@"; do test -s "$f" || exit 4; done\n',
            "{{ name }}.txt.jinja": "{{ name }}\n",
        },
        variables=NAMED,
        checks=[{"command": {"run": "./scripts/check.sh {{ files }}", "files": "*.txt"}}],
    )
    (blueprint.template_dir / "scripts/check.sh").chmod(0o755)
    out = tmp_path / "out"
    report = new(blueprint, out, trust=True)  # the guard does not look for it on PATH
    assert_passed(report)
    assert only(report, "command").files == ("alpha.txt",)


def test_a_command_line_that_cannot_be_split_is_the_blueprints_error(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"a.txt": "a\n"},
        variables=with_properties(title={"type": "string"}),
        checks=[{"command": "echo {{ title }}"}],
    )
    out = tmp_path / "out"
    with pytest.raises(BlueprintError, match="cannot be split into arguments"):
        new(blueprint, out, {"name": "a", "title": "it's"}, trust=True)
    assert not out.exists()


def test_command_that_runs_too_long_is_stopped(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"a.txt": "a\n"},
        variables=NAMED,
        checks=[
            {
                "command": {
                    "run": f'{PYTHON} -c \'import time; print("started", flush=True); '
                    "time.sleep(30)'",
                    "timeout": "{{ 0.5 }}",  # templated, like every option
                }
            }
        ],
    )
    out = tmp_path / "out"
    started = time.perf_counter()
    report = new(blueprint, out, trust=True)
    assert time.perf_counter() - started < 10
    assert_rolled_back(report, out, {})
    check = only(report, "command")
    assert "timed out after" in check.output
    assert "started" in check.output  # what it printed before it was stopped
    assert "exited with -1" in problem_text(check)


# --- once per run, in parallel, phase by phase ---------------------------------------------


def test_checks_of_a_phase_run_in_parallel(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    sleep = f"{PYTHON} -c 'import time; time.sleep(1.5)'"
    blueprint = make_blueprint(
        {"a.txt": "a\n"},
        variables=NAMED,
        checks=[{"command": sleep + " first"}, {"command": sleep + " second"}],
    )
    started = time.perf_counter()
    report = new(blueprint, tmp_path / "out", trust=True)
    elapsed = time.perf_counter() - started
    assert_passed(report)
    assert all(check.seconds >= 1.5 for check in report.checks)
    assert elapsed < 2.7, f"two 1.5 s checks took {elapsed:.2f}s: not in parallel"


def plan_file(tmp_path: Path, first: Blueprint, second: Blueprint) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "phases": [
                    {"name": "models", "blueprint": str(first.root), "items": [{"name": "a"}]},
                    {"name": "api", "blueprint": str(second.root), "items": [{"name": "b"}]},
                ]
            }
        )
    )
    return path


def test_a_failing_phase_marks_later_phases_not_run_and_rolls_back_the_run(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    models = make_blueprint(
        {"models/{{ name }}.py.jinja": "class {{ name }}(:\n"},
        name="models",
        variables=NAMED,
        checks=["py_compile"],
    )
    api = make_blueprint(
        {"api/{{ name }}.py.jinja": "X = 1\n", "api/{{ name }}.json.jinja": "{}"},
        name="api",
        variables=NAMED,
        checks=["py_compile", "json", {"import": "api.{{ name }}"}],
    )
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    report = scaffolder.run(plan_file(tmp_path, models, api), out=out, jobs=1, trust=True)
    assert_rolled_back(report, out, before)
    statuses = [(c.phase, c.kind, c.status) for c in report.checks]
    assert statuses == [
        ("models", "py_compile", CheckStatus.FAILED),
        ("api", "py_compile", CheckStatus.NOT_RUN),
        ("api", "json", CheckStatus.NOT_RUN),
        ("api", "import", CheckStatus.NOT_RUN),
    ]
    assert all("models" in c.output for c in report.checks[1:])
    assert spawned == []  # the import check of phase api never started


def test_a_plan_whose_phases_pass(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    models = make_blueprint(
        {"models/{{ name }}.py.jinja": "X = 1\n"},
        name="models",
        variables=NAMED,
        checks=["py_compile"],
    )
    api = make_blueprint(
        {"api/{{ name }}.json.jinja": "{}"}, name="api", variables=NAMED, checks=["json"]
    )
    report = scaffolder.run(plan_file(tmp_path, models, api), out=tmp_path / "out", jobs=1)
    assert_passed(report)
    assert [(c.phase, c.files) for c in report.checks] == [
        ("models", ("models/a.py",)),
        ("api", ("api/b.json",)),
    ]


# --- the commit they gate ------------------------------------------------------------------


@pytest.fixture
def broken_python(make_blueprint: MakeBlueprint) -> Blueprint:
    """Overwrites ``notes.txt``, creates ``pkg/sub/NAME.py`` with a syntax error on line 2."""
    return make_blueprint(
        {
            "notes.txt.jinja": "new notes for {{ name }}\n",
            "pkg/sub/{{ name }}.py.jinja": "X = 1\nif {{ name }}\n",
        },
        variables=NAMED,
        checks=["py_compile"],
    )


def test_failed_check_restores_overwritten_and_removes_created(
    tmp_path: Path, broken_python: Blueprint
) -> None:
    out = build_file_tree(tmp_path / "out", {"notes.txt": "old notes\n", "keep/me.txt": "me\n"})
    before = snapshot(out)
    report = new(broken_python, out, on_conflict="overwrite")
    assert_rolled_back(report, out, before)  # pkg/ and pkg/sub/ are gone, notes.txt is back
    (problem,) = only(report, "py_compile").problems
    assert (problem.file, problem.line) == ("pkg/sub/alpha.py", 2)


def test_failed_check_with_keep_failed_keeps_the_files(
    tmp_path: Path, broken_python: Blueprint
) -> None:
    out = build_file_tree(tmp_path / "out", {"notes.txt": "old notes\n"})
    report = new(broken_python, out, on_conflict="overwrite", keep_failed=True)
    assert report.outcome is Outcome.CHECKS_FAILED and report.exit_code == 1
    assert not report.rolled_back
    assert (out / "notes.txt").read_text() == "new notes for alpha\n"
    assert (out / "pkg/sub/alpha.py").read_text() == "X = 1\nif alpha\n"
    assert not (out / ".scaffold/journal").exists()


def test_a_destination_the_run_created_is_removed_with_it(
    tmp_path: Path, broken_python: Blueprint
) -> None:
    out = tmp_path / "new" / "deeper"
    report = new(broken_python, out)
    assert report.rolled_back
    assert not (tmp_path / "new").exists()


def test_a_rolled_back_run_leaves_no_bytecode_and_no_journal(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {
            "app/__init__.py": "",
            "app/{{ name }}.py.jinja": "def answer():\n    return 41\n",
            "tests/__init__.py": "",
            "tests/test_{{ name }}.py.jinja": (
                "from app.{{ name }} import answer\n\n\n"
                "def test_answer():\n    assert answer() == 42\n"
            ),
        },
        variables=NAMED,
        checks=["py_compile", {"import": "app.{{ name }}"}, {"pytest": {"run": True}}],
    )
    out = build_file_tree(tmp_path / "out", {"existing.txt": "x\n"})
    before = snapshot(out)
    report = new(blueprint, out)
    assert [c.status for c in report.checks] == [
        CheckStatus.PASSED,
        CheckStatus.PASSED,
        CheckStatus.FAILED,
    ]
    assert_rolled_back(report, out, before)
    assert not list(out.rglob("__pycache__"))
    assert not (out / ".scaffold").exists()


def test_no_check_skips_the_checks(tmp_path: Path, broken_python: Blueprint) -> None:
    report = new(broken_python, tmp_path / "out", check=False)
    assert report.outcome is Outcome.SUCCEEDED
    assert report.checks == ()
    assert (tmp_path / "out/pkg/sub/alpha.py").exists()


def test_identical_rerun_checks_again_and_keeps_the_tree(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.py.jinja": "X = 1\n"}, variables=NAMED, checks=["py_compile"]
    )
    out = tmp_path / "out"
    assert_passed(new(blueprint, out))
    tree = snapshot(out)
    again = new(blueprint, out)
    assert_passed(again)
    assert only(again, "py_compile").files == ("alpha.py",)
    assert snapshot(out) == tree


# --- tool guards ---------------------------------------------------------------------------


def test_missing_required_module_stops_before_writing(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"app/{{ name }}.py.jinja": "X = 1\n"},
        variables=NAMED,
        checks=[{"import": {"modules": "app.{{ name }}", "requires": ["nope_module_xyz"]}}],
    )
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    with pytest.raises(ToolMissingError) as caught:
        new(blueprint, out)
    message = caught.value.message
    assert "nope_module_xyz" in message
    assert "demo: import app.alpha" in message  # the check, as rendered for its one item
    assert "pip install nope_module_xyz" in message
    assert "nothing was written" in message
    assert snapshot(out) == before

    # --no-check skips the guards along with the checks
    assert new(blueprint, out, check=False).exit_code == 0
    assert (out / "app/alpha.py").exists()


def test_missing_pytest_stops_before_writing(
    tmp_path: Path, make_blueprint: MakeBlueprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = check_base.module_available
    monkeypatch.setattr(
        check_base, "module_available", lambda name: name != "pytest" and real(name)
    )
    blueprint = make_blueprint(
        {"tests/test_{{ name }}.py.jinja": THREE_TESTS},
        variables=NAMED,
        checks=["py_compile", {"pytest": {"collect_only": True, "min_tests": 3}}],
    )
    out = tmp_path / "out"
    with pytest.raises(ToolMissingError) as caught:
        new(blueprint, out)
    message = caught.value.message
    assert "pytest: needed by demo: pytest collect_only, min_tests=3" in message
    assert "pip install pytest" in message
    assert not out.exists()


def test_a_command_not_on_path_stops_before_writing(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt": "x\n"},
        variables=NAMED,
        checks=[{"command": "no_such_program_xyz --check {{ files }}"}],
    )
    out = tmp_path / "out"
    with pytest.raises(ToolMissingError) as caught:
        new(blueprint, out, trust=True)
    assert "no_such_program_xyz" in caught.value.message
    assert "PATH" in caught.value.message
    assert not out.exists()


def test_every_missing_tool_is_listed_at_once(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.py": "x = 1\n"},
        variables=NAMED,
        checks=[
            {"import": {"modules": "x", "requires": ["nope_one_xyz"]}},
            {"pytest": {"collect_only": True, "requires": ["nope_two_xyz"]}},
        ],
    )
    with pytest.raises(ToolMissingError) as caught:
        new(blueprint, tmp_path / "out")
    assert "nope_one_xyz" in caught.value.message
    assert "nope_two_xyz" in caught.value.message


# --- options -------------------------------------------------------------------------------


def test_unknown_check_option_is_the_blueprints_error(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"a.py": "x = 1\n"}, variables=NAMED, checks=[{"py_compile": {"strict": True}}]
    )
    with pytest.raises(BlueprintError, match="unknown option strict"):
        new(blueprint, tmp_path / "out")


def test_requires_may_name_one_module(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"a.py": "x = 1\n"},
        variables=NAMED,
        checks=[{"import": {"modules": "a", "requires": "nope_single_xyz"}}],
    )
    with pytest.raises(ToolMissingError) as caught:
        new(blueprint, tmp_path / "out")
    assert "nope_single_xyz: needed by" in caught.value.message
    assert "  n: needed by" not in caught.value.message  # not one tool per letter


@pytest.mark.parametrize("timeout", ["soon", 0, "{{ name }}"])
def test_timeout_must_be_seconds(
    timeout: object, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"a.py": "x = 1\n"}, variables=NAMED, checks=[{"py_compile": {"timeout": timeout}}]
    )
    with pytest.raises(BlueprintError, match="timeout must be a number of seconds"):
        new(blueprint, tmp_path / "out")


def test_files_option_narrows_a_check(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"src/{{ name }}.py.jinja": "x = 1\n", "scripts/broken.py": "def (:\n"},
        variables=NAMED,
        checks=[{"py_compile": {"files": "src/*.py"}}],
    )
    report = new(blueprint, tmp_path / "out")
    assert_passed(report)
    assert only(report, "py_compile").files == ("src/alpha.py",)


# --- process counting ----------------------------------------------------------------------


def test_five_hundred_items_start_one_pytest_and_nothing_else(
    tmp_path: Path, make_blueprint: MakeBlueprint, spawned: list[list[str]]
) -> None:
    blueprint = make_blueprint(
        {
            "pkg/mod_{{ name }}.py.jinja": "def f():\n    return {{ name | tojson }}\n",
            "tests/test_{{ name }}.py.jinja": "def test_{{ name }}():\n    assert True\n",
        },
        variables=NAMED,
        checks=["py_compile", {"pytest": {"collect_only": True, "exact": 1}}],
    )
    items = [{"name": f"m{number:03d}"} for number in range(500)]
    out = tmp_path / "out"
    report = batch(tmp_path, blueprint, items, out)
    assert_passed(report)
    py_compile, pytest_check = report.checks
    assert (py_compile.kind, len(py_compile.files), py_compile.processes) == ("py_compile", 1000, 0)
    assert (pytest_check.kind, len(pytest_check.files), pytest_check.processes) == (
        "pytest",
        500,
        1,
    )
    assert len(spawned) == 1
    assert "pytest" in spawned[0][2]  # python -c <runs pytest> ... -- <the 500 files>
    assert spawned[0][-500:] == sorted(f"tests/test_{item['name']}.py" for item in items)
    data = report.to_json()
    assert [c["processes"] for c in data["checks"]] == [0, 1]


def test_pytest_with_no_test_files_passes_unless_tests_are_expected(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    # a blueprint whose tests are optional: this item left them out
    blueprint = make_blueprint(
        {"{% if with_tests %}test_{{ name }}.py{% endif %}.jinja": "def test_x():\n    pass\n"},
        variables={
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "with_tests": {"type": "boolean"}},
        },
        checks=[{"pytest": {"collect_only": True}}],
    )
    assert_passed(new(blueprint, tmp_path / "none", {"name": "a", "with_tests": False}))
    assert_passed(new(blueprint, tmp_path / "some", {"name": "a", "with_tests": True}))
    expecting = make_blueprint(
        {"{% if with_tests %}test_{{ name }}.py{% endif %}.jinja": "def test_x():\n    pass\n"},
        name="expecting",
        variables=dict(blueprint.variables),
        checks=[{"pytest": {"collect_only": True, "min_tests": 1}}],
    )
    report = new(expecting, tmp_path / "missing", {"name": "a", "with_tests": False})
    (problem,) = only(report, "pytest").problems
    assert problem.message == "no test files were written, but tests are expected for item 1 (a)"


def test_rollback_keeps_and_names_what_a_check_left_in_folders_the_run_created(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"pkg/sub/{{ name }}.txt.jinja": "{{ name }}\n"},
        variables=NAMED,
        # a tool that leaves a cache behind, then fails
        checks=[
            {
                "command": {
                    "run": "sh -c 'mkdir -p pkg/.cache && touch pkg/.cache/x pkg/sub/y; exit 3'"
                }
            }
        ],
    )
    out = build_file_tree(tmp_path / "out", {"keep.txt": "mine\n", "existing/a.txt": "a\n"})
    before = snapshot(out)
    report = scaffolder.new(blueprint, {"name": "a"}, out=out, trust=True)
    assert report.outcome is Outcome.CHECKS_FAILED and report.rolled_back
    # the run's own file is gone; what the check wrote is not the run's: kept, and named
    left = {"pkg": None, "pkg/.cache": None, "pkg/.cache/x": b"", "pkg/sub": None, "pkg/sub/y": b""}
    assert snapshot(out) == {**before, **left}
    assert set(report.kept) == {"pkg/.cache", "pkg/sub/y"}
