"""Authoring blueprints: `scaffold blueprint init`, golden outputs (`blueprint test
--update-golden`), `scaffold blueprint lint`, and what `scaffold show` tells an author."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scaffolder.authoring.golden import Difference, GoldenStatus, compare, golden_test
from scaffolder.authoring.init import init_blueprint
from scaffolder.authoring.lint import FindingKind, lint
from scaffolder.blueprint import Origin
from scaffolder.catalog import SearchPath
from scaffolder.errors import BlueprintError, UsageError
from scaffolder.resources import data_dir
from tests.conftest import MakeBlueprint, build_file_tree, scaffold, snapshot
from tests.test_cli import no_traceback, run

BUILT_IN = SearchPath(((data_dir("blueprints"), Origin.BUILT_IN),))
NAMES: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "pattern": "^[a-z_]+$"}},
}


# --- init ----------------------------------------------------------------------------------


def test_init_then_new_with_defaults_works_with_no_edit(tmp_path: Path) -> None:
    made = scaffold(tmp_path, "blueprint", "init", "greeting")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "scaffold new greeting --defaults --out x" in made.stdout
    root = tmp_path / ".scaffold/blueprints/greeting"
    assert sorted(snapshot(root)) == [
        "blueprint.yaml",
        "template",
        "template/greeting.py.jinja",
    ]
    manifest = (root / "blueprint.yaml").read_text()
    assert manifest.count("\n#") >= 5  # commented: says what each part is for
    rendered = scaffold(tmp_path, "new", "greeting", "--defaults", "--out", "x")
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    assert "py_compile" in rendered.stdout and "passed" in rendered.stdout
    assert 'return "Hello, World!"' in (tmp_path / "x/greeting.py").read_text()
    # its own test and its lint pass as written
    tested = scaffold(tmp_path, "blueprint", "test", "greeting")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "greeting: 2 examples, all passed" in tested.stdout
    linted = scaffold(tmp_path, "blueprint", "lint", "greeting")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "greeting: no findings" in linted.stdout


def test_init_refuses_a_folder_that_exists_and_changes_nothing(tmp_path: Path) -> None:
    taken = build_file_tree(tmp_path / ".scaffold/blueprints/greeting", {"mine.txt": "keep"})
    before = snapshot(tmp_path)
    result = scaffold(tmp_path, "blueprint", "init", "greeting")
    assert result.returncode == 1
    assert f"{taken}: already exists; nothing was written" in result.stderr
    assert "Pick another name" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.usefixtures("isolated")
def test_init_names_out_and_json(tmp_path: Path) -> None:
    bad = run("blueprint", "init", "Not_A_Name")
    assert bad.exit_code == 2
    assert "lower-case words joined by hyphens" in bad.output
    result = run("blueprint", "init", "hello-world", "--out", "shared", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["files"] == ["blueprint.yaml", "template/hello_world.py.jinja"]
    assert Path(data["path"]) == Path("shared/hello-world")
    shown = run("blueprint", "init", "hello-world", "--out", "shared")
    assert shown.exit_code == 1
    # no hidden staging folder is left behind, whatever happened
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["hello-world"]
    made = run("new", "shared/hello-world", "--set", "who=Ada", "--out", "x")
    assert made.exit_code == 0, made.output
    assert 'return "Hello, Ada!"' in (tmp_path / "x/hello_world.py").read_text()


def test_init_in_python(tmp_path: Path) -> None:
    path = init_blueprint("a-b", tmp_path)
    assert path == tmp_path / "a-b"
    assert lint(path).clean
    with pytest.raises(BlueprintError, match="already exists"):
        init_blueprint("a-b", tmp_path)
    with pytest.raises(UsageError):
        init_blueprint("../x", tmp_path)


# --- golden outputs ------------------------------------------------------------------------


def test_golden_record_then_compare_then_a_changed_template_fails_with_a_diff(
    tmp_path: Path,
) -> None:
    assert scaffold(tmp_path, "blueprint", "init", "greeting").returncode == 0
    root = tmp_path / ".scaffold/blueprints/greeting"
    recorded = scaffold(tmp_path, "blueprint", "test", "greeting", "--update-golden")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert "golden: recorded in .scaffold/blueprints/greeting/golden/example-1" in recorded.stdout
    assert sorted(snapshot(root / "golden")) == [
        "example-1",
        "example-1/greeting.py",
        "example-2",
        "example-2/greeting.py",
    ]
    assert b"Hello, Ada Lovelace!" in (root / "golden/example-2/greeting.py").read_bytes()
    same = scaffold(tmp_path, "blueprint", "test", "greeting")
    assert same.returncode == 0, same.stdout + same.stderr
    assert same.stdout.count("golden: matches") == 2

    template = root / "template/greeting.py.jinja"
    template.write_text(template.read_text().replace("Hello", "Goodbye"))
    changed = scaffold(tmp_path, "blueprint", "test", "greeting")
    assert changed.returncode == 1
    assert "golden: differs from .scaffold/blueprints/greeting/golden/example-1" in changed.stdout
    assert "--- golden/example-1/greeting.py" in changed.stdout
    assert '-    return "Hello, World!"' in changed.stdout
    assert '+    return "Goodbye, World!"' in changed.stdout
    assert "greeting: 2 examples, 2 failed" in changed.stdout
    assert "Traceback" not in changed.stderr

    data = json.loads(scaffold(tmp_path, "blueprint", "test", "greeting", "--json").stdout)
    assert data["failed"] == [1, 2]
    assert [g["status"] for g in data["golden"]] == ["different", "different"]
    assert data["golden"][0]["differences"][0]["path"] == "greeting.py"
    assert data["golden"][0]["differences"][0]["difference"] == "changed"
    # accepting the change records it; the next run matches again
    assert scaffold(tmp_path, "blueprint", "test", "greeting", "--update-golden").returncode == 0
    assert scaffold(tmp_path, "blueprint", "test", "greeting").returncode == 0
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no staging left
    # the folder of an example that is gone fails the test until it is recorded again
    build_file_tree(root / "golden/example-7", {"greeting.py": "old"})
    stale = scaffold(tmp_path, "blueprint", "test", "greeting")
    assert stale.returncode == 1
    assert "stale   .scaffold/blueprints/greeting/golden/example-7: no example" in stale.stdout
    assert "greeting: 2 examples, all passed, 1 stale golden folder" in stale.stdout
    assert scaffold(tmp_path, "blueprint", "test", "greeting", "--update-golden").returncode == 0
    assert not (root / "golden/example-7").exists()


def test_golden_added_missing_unrecorded_and_stale(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt.jinja": "{{ name }}\n", "{{ extra }}/more.txt": "more\n"},
        variables={
            "type": "object",
            "properties": {"name": {"type": "string"}, "extra": {"type": "string", "default": ""}},
        },
        examples=[{"name": "a"}, {"name": "b"}],
    )
    first = golden_test(blueprint, update=True)
    assert [g.status for g in first.golden] == [GoldenStatus.RECORDED] * 2
    folder = blueprint.root / "golden"
    (folder / "example-2/a-file-no-longer-rendered.txt").write_text("x")
    build_file_tree(folder, {"example-9/old.txt": "x"})
    (folder / "example-1/a.txt").unlink()
    rerun = golden_test(blueprint.root)
    assert rerun.stale == ("example-9",)
    assert rerun.failed == [1, 2] and rerun.exit_code == 1
    assert [(d.path, d.difference) for d in rerun.golden[0].differences] == [
        ("a.txt", Difference.ADDED)
    ]
    assert [(d.path, d.difference) for d in rerun.golden[1].differences] == [
        ("a-file-no-longer-rendered.txt", Difference.MISSING)
    ]
    (folder / "example-2").rename(folder / "elsewhere")
    unrecorded = golden_test(blueprint.root)
    assert unrecorded.golden[1].status is GoldenStatus.NOT_RECORDED
    # --update-golden replaces the folder whole: the stale ones go
    golden_test(blueprint.root, update=True)
    assert sorted(p.name for p in folder.iterdir()) == ["example-1", "example-2"]
    assert golden_test(blueprint.root).exit_code == 0


def test_golden_compare_binary_and_no_golden_folder_means_no_comparison(
    make_blueprint: MakeBlueprint,
) -> None:
    found = compare({"a.bin": b"\xff\x00"}, {"a.bin": b"\xfe\x00"}, "golden/example-1")
    assert found[0].diff == "Binary files golden/example-1/a.bin and a.bin differ\n"
    blueprint = make_blueprint({"a.txt": "a"}, examples=[{"name": "x"}])
    plain = golden_test(blueprint)
    assert plain.golden == () and plain.exit_code == 0


def test_a_failing_example_is_not_recorded(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.py.jinja": "{% if name == 'bad' %}def broken(:\n{% endif %}X = 1\n"},
        checks=["py_compile"],
        examples=[{"name": "good"}, {"name": "bad"}],
    )
    run_ = golden_test(blueprint, update=True)
    assert [g.status for g in run_.golden] == [GoldenStatus.RECORDED, GoldenStatus.NOT_RUN]
    assert run_.failed == [2]
    assert sorted(p.name for p in (blueprint.root / "golden").iterdir()) == ["example-1"]


@pytest.mark.usefixtures("isolated")
def test_a_missing_tool_is_not_answered_with_an_option_blueprint_test_lacks(
    make_blueprint: MakeBlueprint,
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.py.jinja": "import no_such_module_anywhere\n"},
        checks=[{"import": {"modules": ["{{ name }}"], "requires": ["no_such_module_anywhere"]}}],
        examples=[{"name": "x"}],
    )
    result = run("blueprint", "test", blueprint.root, "--trust")
    no_traceback(result)
    assert result.exit_code == 1
    assert "no_such_module_anywhere: needed by demo" in result.output
    assert "--no-check" not in result.output  # blueprint test has no such option
    assert "give --python an environment that has it" in result.output


# --- lint ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in data_dir("blueprints").iterdir()))
def test_every_built_in_blueprint_lints_clean(name: str) -> None:
    report = lint(name, search=BUILT_IN)
    assert report.findings == ()


def kinds(report: Any) -> list[FindingKind]:
    return [finding.kind for finding in report.findings]


def test_lint_finds_unused_and_undeclared_variables(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"a.txt.jinja": "{{ name }}\n{% set local = 1 %}{{ local }}\n{{ typo_nme }}\n"},
        variables={
            "type": "object",
            "properties": {"name": {"type": "string"}, "unused": {"type": "integer"}},
        },
        examples=[{"name": "x"}],
    )
    report = lint(blueprint)
    assert kinds(report) == [
        FindingKind.UNDECLARED_VARIABLE,
        FindingKind.UNUSED_VARIABLE,
        FindingKind.TEMPLATE_ERROR,  # and so the example does not render
    ]
    undeclared, unused, _ = report.findings
    assert (undeclared.file, undeclared.line) == ("template/a.txt.jinja", 3)
    assert "'typo_nme'" in undeclared.message
    assert unused.file == "blueprint.yaml" and unused.line is not None
    assert "'unused'" in unused.message


def test_lint_finds_undeclared_names_in_file_names_computed_values_and_checks(
    make_blueprint: MakeBlueprint,
) -> None:
    blueprint = make_blueprint(
        {"{{ folder }}/{{ name }}.txt": "x"},
        computed={"upper": "{{ name | upper }}{{ suffix }}"},
        checks=[{"command": "test -n '{{ files }}{{ upper }}{{ nope }}'"}],
    )
    report = lint(blueprint)
    assert [(f.kind, f.message.split(",")[0]) for f in report.findings] == [
        (FindingKind.UNDECLARED_VARIABLE, "its name '{{ folder }}': uses 'folder'"),
        (FindingKind.UNDECLARED_VARIABLE, "computed.upper: uses 'suffix'"),
        (FindingKind.UNDECLARED_VARIABLE, "checks: command: uses 'nope'"),  # `files` is known
    ]
    assert report.findings[1].line is not None and report.findings[1].file == "blueprint.yaml"


def test_lint_finds_an_unused_computed_value(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"{{ module }}.py.jinja": "X = {{ double }}\n"},
        computed={"module": "{{ name }}", "double": "{{ 2 }}", "forgotten": "{{ name | pascal }}"},
        examples=[{"name": "x"}],
    )
    report = lint(blueprint)
    assert kinds(report) == [FindingKind.UNUSED_COMPUTED]
    assert "computed.forgotten is computed but nothing uses it" in report.findings[0].message


def test_lint_finds_an_example_that_does_not_validate(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt": "x"}, examples=[{"name": "ok"}, {"name": "Not-Valid"}, {}]
    )
    report = lint(blueprint)
    assert kinds(report) == [FindingKind.INVALID_EXAMPLE] * 2
    assert [f.example for f in report.findings] == [2, 3]
    assert "example 2: name: 'Not-Valid' does not match" in report.findings[0].message
    assert "[required]" in report.findings[1].message
    assert report.findings[0].line is not None


def test_lint_finds_file_names_that_render_empty(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {
            "{{ prefix }}{{ name }}.py.jinja": "X = 1\n",
            "{{ never }}/a.txt": "a",
            "{{ tests_dir }}/t.txt": "t",  # empty for one example: an optional folder, fine
        },
        variables={
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "prefix": {"type": "string", "default": "x_"},
                "never": {"type": "string", "default": ""},
                "tests_dir": {"type": "string", "default": ""},
            },
        },
        examples=[{"name": "a", "tests_dir": "tests"}, {"name": "", "prefix": "p_"}],
    )
    report = lint(blueprint)
    assert kinds(report) == [FindingKind.EMPTY_NAME] * 2
    never, part = report.findings  # in the order of the templates' paths
    assert part.file == "template/{{ prefix }}{{ name }}.py.jinja" and part.example == 2
    assert "the file is named 'p_.py'" in part.message
    assert never.file == "template/{{ never }}/a.txt"
    assert "renders empty for every example" in never.message


def test_lint_suggests_the_variable_a_typo_meant_and_still_checks_file_names(
    make_blueprint: MakeBlueprint,
) -> None:
    blueprint = make_blueprint(
        {"{{ module }}.py.jinja": "AUTHOR = '{{ autor }}'\n"},
        variables={
            "type": "object",
            "properties": {"module": {"type": "string"}, "author": {"type": "string"}},
        },
        examples=[{"module": "a", "author": "me"}, {"module": "", "author": "me"}],
    )
    report = lint(blueprint)
    undeclared = report.findings[0]
    assert undeclared.kind is FindingKind.UNDECLARED_VARIABLE
    assert "uses 'autor', which is neither a variable nor a computed value (did you mean " in (
        undeclared.message
    )
    # the examples do not render (autor), but their file names do: example 2's is empty
    empty = [f for f in report.findings if f.kind is FindingKind.EMPTY_NAME]
    assert [(f.example, f.file) for f in empty] == [(2, "template/{{ module }}.py.jinja")]


def test_lint_finds_an_import_check_of_a_module_no_example_renders(
    make_blueprint: MakeBlueprint,
) -> None:
    blueprint = make_blueprint(
        {"pkg/__init__.py": "", "pkg/{{ name }}.py.jinja": "X = 1\n"},
        checks=[
            {"import": "pkg.{{ name }}"},
            {"import": {"modules": ["pkg", "pkgs.{{ name }}"]}},
        ],
        examples=[{"name": "a"}],
    )
    report = lint(blueprint)
    assert kinds(report) == [FindingKind.CHECK_MODULE_NOT_RENDERED]
    assert (
        "checks: import pkgs.a: example 1 renders neither pkgs/a.py" in report.findings[0].message
    )


def test_lint_reports_template_errors(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"a.txt.jinja": "line\n{% if name %}\n", "b.txt.jinja": "{{ name | int * 'x' * 10**9 }}"},
        examples=[{"name": "ab"}],
    )
    report = lint(blueprint)
    assert kinds(report) == [FindingKind.TEMPLATE_ERROR, FindingKind.TEMPLATE_ERROR]
    syntax, rendering = report.findings
    assert syntax.file == "template/a.txt.jinja" and syntax.line == 2
    assert syntax.message.startswith("template syntax error: Unexpected end of template")
    assert rendering.example == 1 and "does not render" in rendering.message


@pytest.mark.usefixtures("isolated")
def test_lint_cli_exit_codes_and_json(make_blueprint: MakeBlueprint) -> None:
    clean = make_blueprint({"{{ name }}.txt": "x"}, name="clean", examples=[{"name": "a"}])
    result = run("blueprint", "lint", clean.root)
    assert result.exit_code == 0 and "clean: no findings" in result.stdout
    dirty = make_blueprint(
        {"a.txt.jinja": "{{ nme }}"}, name="dirty", examples=[{"name": "a"}, {"name": 1}]
    )
    result = run("blueprint", "lint", dirty.root)
    assert result.exit_code == 1
    no_traceback(result)
    assert "template/a.txt.jinja:1: undeclared variable: uses 'nme'" in (result.stdout)
    assert "dirty: 4 findings" in result.stdout  # example 1 does not render, either
    data = json.loads(run("blueprint", "lint", dirty.root, "--json").stdout)
    assert data["clean"] is False and data["blueprint"] == "dirty"
    assert [f["kind"] for f in data["findings"]] == [
        "undeclared_variable",
        "unused_variable",
        "invalid_example",
        "template_error",
    ]
    assert data["findings"][2]["example"] == 2
    missing = run("blueprint", "lint", "./nowhere")
    assert missing.exit_code == 1 and "no such blueprint folder" in missing.output


# --- show ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated")
def test_show_tells_an_author_patterns_and_examples(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt": "x"},
        computed={"Name": "{{ name | pascal }}"},
        checks=["py_compile"],
        examples=[{"name": "first_one"}],
    )
    result = run("show", blueprint.root)
    assert result.exit_code == 0, result.output
    assert "^[a-z_]+$" in result.stdout  # the pattern column
    assert "{{ name }}.txt" in result.stdout and "py_compile" in result.stdout
    assert '1. {"name": "first_one"}' in result.stdout
    data = json.loads(run("show", blueprint.root, "--json").stdout)
    assert data["examples"] == [{"name": "first_one"}]
    assert data["variables"]["properties"]["name"]["pattern"] == "^[a-z_]+$"


def test_a_copier_template_records_golden_outputs_only_outside_itself(tmp_path: Path) -> None:
    template = build_file_tree(
        tmp_path / "tpl",
        {
            "copier.yml": "who: {type: str, default: World}\n_scaffold: {examples: [{who: Ada}]}\n",
            "hello.txt.jinja": "Hello {{ who }}\n",
        },
    )
    with pytest.raises(BlueprintError, match="Copier would render the golden outputs"):
        golden_test(template, update=True)
    assert not (template / "golden").exists()
    recorded = golden_test(template, update=True, golden=tmp_path / "g")
    assert recorded.exit_code == 0
    assert (tmp_path / "g/example-1/hello.txt").read_text() == "Hello Ada\n"
    assert golden_test(template, golden=tmp_path / "g").golden[0].status is GoldenStatus.MATCHED
