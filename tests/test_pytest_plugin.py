"""The ``scaffold`` pytest fixture (the ``pytest11`` entry point ``scaffolder``): an author's
test of a blueprint in three lines, run for real by pytest in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder.authoring.init import starter_files
from tests.conftest import build_file_tree

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def own_home(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """No SCAFFOLD_PATH and a HOME of the test's own (Cookiecutter reads ~/.cookiecutterrc)."""
    monkeypatch.delenv("SCAFFOLD_PATH", raising=False)
    monkeypatch.setenv("HOME", str(pytester.path / "home"))


def test_three_lines_test_a_native_blueprint(pytester: pytest.Pytester) -> None:
    build_file_tree(pytester.path / "greeting", starter_files("greeting"))
    pytester.makepyfile(
        test_greeting="""
        def test_greeting(scaffold):
            result = scaffold.render("./greeting", {"who": "Ada"})
            assert result.ok and 'return "Hello, Ada!"' in result.files["greeting.py"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_failing_render_fails_the_test_and_says_why(pytester: pytest.Pytester) -> None:
    build_file_tree(pytester.path / ".scaffold/blueprints/greeting", starter_files("greeting"))
    pytester.makepyfile(
        test_greeting="""
        def test_by_name_with_defaults(scaffold):
            result = scaffold.render("greeting")
            assert result.ok and (result.path / "greeting.py").is_file()
            assert result.report.checks[0].description == "py_compile"

        def test_invalid_value(scaffold):
            result = scaffold.render("greeting", {"who": "1nvalid"})
            assert result.ok

        def test_a_refusal_is_a_result(scaffold):
            result = scaffold.render("greeting", {"who": "1nvalid"})
            assert not result.ok and result.exit_code == 1 and result.files == {}
            assert "does not match" in result.error.message

        def test_without_checks(scaffold):
            result = scaffold.render("greeting", {"who": "Bo"}, check=False, out="here")
            assert result.ok and result.report.checks == ()
            assert result.path.name == "here" and list(result.files) == ["greeting.py"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*<Rendered render-1, 1 invalid value; nothing was written: who: '1nvalid' does not match*"
        ]
    )


def test_a_failed_check_is_not_ok(pytester: pytest.Pytester) -> None:
    files = starter_files("greeting")
    files["template/greeting.py.jinja"] += "def broken(:\n"
    build_file_tree(pytester.path / "greeting", files)
    pytester.makepyfile(
        test_greeting="""
        def test_greeting(scaffold):
            result = scaffold.render("./greeting")
            assert not result.ok and result.report.rolled_back
            assert any("greeting.py:6" in problem for problem in result.problems)
            kept = scaffold.render("./greeting", keep_failed=True)
            assert "def broken(:" in kept.files["greeting.py"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_missing_tool_says_how_a_test_renders_without_the_checks(
    pytester: pytest.Pytester,
) -> None:
    files = starter_files("greeting")
    files["blueprint.yaml"] = files["blueprint.yaml"].replace(
        "  - py_compile\n",
        "  - py_compile\n  - import: {modules: [greeting], requires: [no_such_module_here]}\n",
    )
    build_file_tree(pytester.path / "greeting", files)
    pytester.makepyfile(
        test_greeting="""
        def test_greeting(scaffold):
            result = scaffold.render("./greeting")
            assert "no_such_module_here" in result.error.message
            assert "--no-check" not in result.error.message  # a CLI option, not the fixture's
            assert "render with check=False" in result.error.message
            assert result.ok, repr(result)

        def test_one_file(scaffold):
            result = scaffold.render("./greeting", check=False)
            assert repr(result) == "<Rendered render-1, ok, 1 file>"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: <Rendered render-1, a check needs a tool*"])


def test_a_built_in_blueprint(pytester: pytest.Pytester) -> None:
    values = {
        "name": "point",
        "description": "A point.",
        "properties": [{"name": "x", "type": "integer", "description": "Across."}],
        "example": {"x": 1},
    }
    pytester.makepyfile(
        test_schema=f"""
        import json

        def test_point(scaffold):
            result = scaffold.render("json-schema", {values!r})
            assert result.ok and json.loads(result.files["schemas/point.schema.json"])["examples"] == [{{"x": 1}}]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_cookiecutter_template(pytester: pytest.Pytester) -> None:
    build_file_tree(
        pytester.path / "cc",
        {
            "cookiecutter.json": json.dumps({"project_slug": "demo", "greeting": "Hi"}),
            "{{cookiecutter.project_slug}}/hello.txt": "{{ cookiecutter.greeting }}!\n",
        },
    )
    pytester.makepyfile(
        test_cc="""
        def test_cookiecutter(scaffold):
            result = scaffold.render("./cc", {"greeting": "Hello"})
            assert result.ok and result.files == {"demo/hello.txt": "Hello!\\n"}
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_plugin_loads_nothing_heavy(tmp_path: Path) -> None:
    """pytest loads it in every run in the environment: only pytest itself, not the library."""
    code = (
        "import sys, scaffolder.pytest_plugin\n"
        "heavy = ('jinja2', 'jsonschema', 'copier', 'cookiecutter', 'rich', 'yaml',"
        " 'scaffolder.api', 'scaffolder.authoring')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--fixtures", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "scaffold -- " in listed.stdout and "scaffolder/pytest_plugin.py" in listed.stdout
