"""Checks run in the project's own environment: ``--python PATH``, else the ``VIRTUAL_ENV`` in
effect, else a ``.venv``/``venv`` in the destination or a folder above it, else scaffold's own
interpreter; the tool guard asks that interpreter, and the report names it.

The project's environment is a real virtual environment made here without pip (fast) and
without scaffold: a ``.pth`` file makes a tiny package, ``onlyhere_pkg``, importable in it
and nowhere else (and, for the ``pytest`` check, pytest and its dependencies, linked one by
one from this environment: not scaffold, nor anything else of it). Everything is written
under the test's temporary folders.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffolder.checks import Found, find_python
from tests.conftest import SCAFFOLD, build_file_tree

BIN = "Scripts" if os.name == "nt" else "bin"
BASE = getattr(sys, "_base_executable", None) or sys.executable
PYTEST_PARTS = ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "pygments", "py.py")

MODULE_BLUEPRINT = {
    "name": "envcheck",
    "description": "a module that imports a package only the project's environment has",
    "variables": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string", "pattern": "^[a-z_]+$"}},
    },
    "checks": [
        "py_compile",
        {"import": {"modules": "app.{{ name }}", "requires": ["onlyhere_pkg"]}},
        {"command": "python -c \"import onlyhere_pkg, sys; print('prefix=' + sys.prefix)\""},
        {"command": "onlyhere-tool"},  # a program only the project's environment has
        "yaml",
    ],
    "examples": [{"name": "alpha"}],
}
MODULE_TEMPLATE = {
    "app/__init__.py": "",
    "app/{{ name }}.py.jinja": "import onlyhere_pkg\n\nMARK = onlyhere_pkg.MARK\n",
    "config/{{ name }}.yaml.jinja": "name: {{ name }}\n",
}
TESTS_BLUEPRINT = {
    **MODULE_BLUEPRINT,
    "name": "envtests",
    "checks": [{"pytest": {"run": True, "exact": 1}}],
}
TESTS_TEMPLATE = {
    "tests/test_{{ name }}.py.jinja": (
        "import onlyhere_pkg\n\n\ndef test_mark():\n    assert onlyhere_pkg.MARK == 'project'\n"
    ),
}


def make_venv(folder: Path, *visible: Path) -> Path:
    """A real virtual environment (no pip); each of ``visible`` on its path by a .pth file."""
    subprocess.run(
        [BASE, "-m", "venv", "--without-pip", str(folder)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    python = folder / BIN / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "zz_visible.pth").write_text("".join(f"{p}\n" for p in visible))
    return python


def make_blueprint(root: Path, manifest: dict[str, Any], template: dict[str, str]) -> Path:
    build_file_tree(root, {"blueprint.yaml": yaml.safe_dump(manifest, sort_keys=False)})
    build_file_tree(root / "template", template)
    return root


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``project`` (its .venv sees onlyhere_pkg and pytest), ``bare`` (its .venv sees
    nothing), and the two blueprints."""
    root = tmp_path_factory.mktemp("world")
    vendor = build_file_tree(root / "vendor", {"onlyhere_pkg/__init__.py": "MARK = 'project'\n"})
    tools = root / "pytest-only"
    tools.mkdir()
    here = Path(pytest.__file__).resolve().parent.parent  # this environment's site-packages
    for part in PYTEST_PARTS:
        (tools / part).symlink_to(here / part)
    project, bare = root / "project", root / "bare"
    make_venv(project / ".venv", vendor, tools)
    build_file_tree(project / ".venv" / BIN, {"onlyhere-tool": "#!/bin/sh\necho tool ok\n"})
    (project / ".venv" / BIN / "onlyhere-tool").chmod(0o755)
    make_venv(bare / ".venv")
    return {
        "root": root,
        "project": project,
        "bare": bare,
        "module": make_blueprint(root / "blueprints/envcheck", MODULE_BLUEPRINT, MODULE_TEMPLATE),
        "tests": make_blueprint(root / "blueprints/envtests", TESTS_BLUEPRINT, TESTS_TEMPLATE),
    }


def scaffold(
    cwd: Path, *args: str | Path, virtual_env: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real ``scaffold``, with no VIRTUAL_ENV (unless given) and no PYTHONPATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SCAFFOLD_PATH", "VIRTUAL_ENV", "PYTHONPATH")
    }
    env.update(COLUMNS="200", NO_COLOR="1")
    if virtual_env is not None:
        env["VIRTUAL_ENV"] = str(virtual_env)
    return subprocess.run(
        [str(SCAFFOLD), *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def assert_guarded(cwd: Path, blueprint: Path, out: str, message: str, *more: str) -> None:
    """``scaffold new`` stops before writing anything, saying ``message`` (on stderr)."""
    result = scaffold(cwd, "new", blueprint, "--set", "name=alpha", "--out", out, "--trust", *more)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr and "othing was written" in result.stderr, result.stderr
    assert not (cwd / out).exists()


def venv_python(project: Path) -> str:
    return str(project / ".venv" / BIN / "python")


def pythons(report: dict[str, Any]) -> dict[str, Any]:
    """Each check's ``python``, by kind."""
    return {check["kind"]: check["python"] for check in report["checks"]}


def passed(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    report = json.loads(result.stdout)
    failures = [c["problems"] for c in report.get("checks", []) if c["problems"]]
    assert result.returncode == 0, (report.get("error"), failures, result.stderr)
    assert report["checks"] and {c["status"] for c in report["checks"]} == {"passed"}
    return dict(report)


def test_checks_run_with_the_projects_venv_and_the_report_names_it(
    world: dict[str, Path],
) -> None:
    project = world["project"]
    result = scaffold(project, "new", world["module"], "--set", "name=alpha", "--out", "svc",
                      "--trust", "--json")  # fmt: skip
    report = passed(result)
    venv = {"path": venv_python(project), "found": "project", "venv": str(project / ".venv")}
    assert pythons(report) == {"py_compile": venv, "import": venv, "command": venv, "yaml": None}
    checks = {check["check"]: check for check in report["checks"]}
    assert checks["py_compile"]["processes"] == 1  # compiled by the project's Python
    # `python` in a command is the project's, and so are its programs: its environment is active
    (python_c,) = [c for c in report["checks"] if "prefix=" in c["check"]]
    prefix = python_c["output"].rpartition("prefix=")[2].strip()
    assert os.path.realpath(prefix) == os.path.realpath(project / ".venv")
    assert checks["command onlyhere-tool"]["output"].endswith("tool ok")

    # the table has a python column, and a line names the interpreter
    again = scaffold(project, "new", world["module"], "--set", "name=alpha", "--out", "svc",
                     "--trust")  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    header = next(line for line in again.stdout.splitlines() if "blueprint" in line)
    assert header.split() == ["blueprint", "check", "python", "files", "result", "time"]
    assert any(line.split()[:2] == ["envcheck", "py_compile"] and ".venv" in line.split()
               for line in again.stdout.splitlines())  # fmt: skip
    assert f"python: {venv_python(project)} (the project's .venv, in {project})" in (again.stdout)

    # `scaffold check` finds the same environment
    checked = passed(scaffold(project, "check", "--out", "svc", "--trust", "--json"))
    assert pythons(checked)["import"] == venv


def test_scaffolds_own_python_is_guarded_naming_the_interpreter(
    world: dict[str, Path], tmp_path: Path
) -> None:
    project = world["project"]
    own = (
        f"  onlyhere_pkg: needed by envcheck: import app.alpha.\n  Looked up with {sys.executable} "
        f"(--python). Install it with: {sys.executable} -m pip install onlyhere_pkg\n"
    )
    assert_guarded(project, world["module"], "own", own, "--python", sys.executable)

    # where there is no project environment at all, scaffold's own is the fallback, named
    result = scaffold(tmp_path, "new", world["module"], "--set", "name=alpha", "--out", "alone",
                      "--trust", "--json")  # fmt: skip
    error = json.loads(result.stdout)["error"]
    assert result.returncode == 1 and error["kind"] == "tool"
    assert (
        f"Looked up with {sys.executable} (scaffold's own: no --python, VIRTUAL_ENV, .venv or "
        "venv found). Install it with: pip install onlyhere_pkg"
    ) in error["message"]
    assert not (tmp_path / "alone").exists()

    # a check that fails with scaffold's own Python says which Python that was
    result = scaffold(tmp_path, "new", world["tests"], "--set", "name=alpha", "--out", "alone",
                      "--trust")  # fmt: skip
    assert result.returncode == 1
    assert "No module named 'onlyhere_pkg'" in result.stdout
    assert (
        f"python: {sys.executable} (scaffold's own: no --python, VIRTUAL_ENV, .venv or venv found)"
    ) in result.stdout
    assert not (tmp_path / "alone").exists()


def test_the_virtual_env_in_effect_is_honoured_before_a_destinations_venv(
    world: dict[str, Path], tmp_path: Path
) -> None:
    project, bare = world["project"], world["bare"]
    expected = {
        "path": venv_python(project),
        "found": "virtual_env",
        "venv": str(project / ".venv"),
    }
    # a destination with no environment of its own
    report = passed(
        scaffold(tmp_path, "new", world["module"], "--set", "name=alpha", "--out", "out",
                 "--trust", "--json", virtual_env=project / ".venv")
    )  # fmt: skip
    assert pythons(report)["import"] == expected

    # inside bare (whose .venv lacks the package), the VIRTUAL_ENV in effect comes first ...
    report = passed(
        scaffold(bare, "new", world["module"], "--set", "name=beta", "--out", "in-bare",
                 "--trust", "--json", virtual_env=project / ".venv")
    )  # fmt: skip
    assert pythons(report)["command"] == expected

    # ... and without it, bare's own .venv is used, and found wanting
    wanting = (
        f"Looked up with {venv_python(bare)} (the project's .venv, in {bare}). Install it with: "
        f"{venv_python(bare)} -m pip install onlyhere_pkg"
    )
    assert_guarded(bare, world["module"], "bare-out", wanting)
    assert_guarded(
        bare, world["module"], "bare-out",
        f"  onlyhere-tool: needed by envcheck: command onlyhere-tool. Looked for on PATH, "
        f"{bare / '.venv' / BIN} first. Install onlyhere-tool and put it on PATH.\n",
    )  # fmt: skip


def test_the_python_option_wins_over_everything(world: dict[str, Path]) -> None:
    project, bare = world["project"], world["bare"]
    for given in (project / ".venv" / BIN / "python", project / ".venv"):  # or its folder
        report = passed(
            scaffold(bare, "new", world["module"], "--set", "name=delta", "--out", "opt",
                     "--trust", "--json", "--on-conflict", "overwrite", "--python", given,
                     virtual_env=bare / ".venv")
        )  # fmt: skip
        assert pythons(report)["import"] == {
            "path": venv_python(project),
            "found": "option",
            "venv": str(project / ".venv"),
        }


def test_a_python_that_is_missing_or_is_not_one_stops_the_run_before_writing(
    world: dict[str, Path], tmp_path: Path
) -> None:
    fake = tmp_path / "fake-python"
    fake.write_text("#!/bin/sh\necho hello from a shell script\n")
    fake.chmod(0o755)
    cases = {
        tmp_path / "nope": "no such file",
        fake: "which cannot run as a Python interpreter: it exited with 0: hello from a shell script",
        world["root"] / "blueprints": "a folder, but not a virtual environment",
    }
    for given, expected in cases.items():
        result = scaffold(tmp_path, "new", world["module"], "--set", "name=alpha", "--out", "o",
                          "--trust", "--python", given, "--json")  # fmt: skip
        error = json.loads(result.stdout)["error"]
        assert result.returncode == 1 and error["kind"] == "python", result.stdout
        assert expected in error["message"] and "Nothing was written." in error["message"]
        assert not (tmp_path / "o").exists()

    # a .venv found in the destination that cannot run is named, with the fix
    broken = tmp_path / "broken"
    build_file_tree(broken, {".venv/pyvenv.cfg": "home = /nowhere\n"})
    assert_guarded(
        broken, world["module"], "o",
        f"the checks would run with {venv_python(broken)} (the project's .venv, in {broken}), "
        f"which cannot run as a Python interpreter: No such file or directory. Recreate it "
        f"(python -m venv {broken / '.venv'}), or give --python PATH.",
    )  # fmt: skip


def test_pytest_runs_with_the_projects_python(world: dict[str, Path]) -> None:
    project, bare = world["project"], world["bare"]
    report = passed(scaffold(project, "new", world["tests"], "--set", "name=alpha", "--out",
                             "tested", "--trust", "--json"))  # fmt: skip
    assert pythons(report)["pytest"]["path"] == venv_python(project)
    assert "1 passed" in report["checks"][0]["output"]

    # bare's .venv has no pytest: the guard says so, naming that interpreter
    no_pytest = (
        f"pytest: needed by envtests: pytest run, exact=1.\n  Looked up with {venv_python(bare)} "
        f"(the project's .venv, in {bare}). Install it with: {venv_python(bare)} -m pip install "
        "pytest\n"
    )
    assert_guarded(bare, world["tests"], "tested", no_pytest)


def test_blueprint_test_takes_python(world: dict[str, Path], tmp_path: Path) -> None:
    found = scaffold(tmp_path, "blueprint", "test", world["module"], "--trust", "--python",
                     world["project"] / ".venv")  # fmt: skip
    assert found.returncode == 0, found.stdout + found.stderr
    assert "envcheck: 1 example, all passed" in found.stdout
    # its examples render in a temporary folder: no .venv there, so scaffold's own is asked
    missing = scaffold(tmp_path, "blueprint", "test", world["module"], "--trust")
    assert missing.returncode == 1
    assert "onlyhere_pkg: needed by envcheck" in missing.stderr


def test_find_python_takes_the_nearest_venv_else_scaffolds_own(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {"top/venv/pyvenv.cfg": "", "top/mid/.venv/pyvenv.cfg": "", "top/mid/.venv/x": ""},
    )
    no_env: dict[str, str] = {}
    deep = tmp_path / "top/mid/not-yet/made"  # a destination that does not exist yet
    found = find_python(deep, environ=no_env)
    assert (found.found, found.venv) == (Found.PROJECT, str(tmp_path / "top/mid/.venv"))
    assert found.path == str(tmp_path / "top/mid/.venv" / BIN / "python")
    found = find_python(tmp_path / "top/other", environ=no_env)
    assert (found.found, found.venv) == (Found.PROJECT, str(tmp_path / "top/venv"))
    found = find_python(tmp_path / "top/mid", environ={"VIRTUAL_ENV": str(tmp_path / "top/venv")})
    assert (found.found, found.venv) == (Found.VIRTUAL_ENV, str(tmp_path / "top/venv"))
    (tmp_path / "elsewhere").mkdir()
    found = find_python(tmp_path / "elsewhere", environ=no_env)
    assert (found.found, found.path, found.own) == (Found.SCAFFOLD, sys.executable, True)


HIDDEN_FROM_SCAFFOLD = ("fastapi", "starlette")


def test_crud_endpoint_checks_run_in_the_projects_venv_when_scaffolds_own_lacks_fastapi(
    tmp_path: Path,
) -> None:
    """The issue's case: scaffold in a venv of its own without FastAPI, the project's ``.venv``
    with it. ``scaffold new crud-endpoint`` inside the project runs its checks (imports and
    the generated tests through FastAPI's TestClient) with the project's interpreter."""
    here = Path(pytest.__file__).resolve().parent.parent  # this environment's site-packages
    without = tmp_path / "site-without-fastapi"
    without.mkdir()
    for entry in here.iterdir():
        if not entry.name.lower().startswith(HIDDEN_FROM_SCAFFOLD) and entry.suffix != ".pth":
            (without / entry.name).symlink_to(entry)
    repo = Path(__file__).resolve().parent.parent
    tool = make_venv(tmp_path / "scaffold-venv", without, repo)
    lacks = subprocess.run([tool, "-c", "import fastapi"], capture_output=True, timeout=60)
    assert lacks.returncode != 0, "scaffold's own venv must not see FastAPI for this test"
    project = tmp_path / "project"
    project_python = make_venv(project / ".venv", here)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env.update(COLUMNS="200", NO_COLOR="1")
        return subprocess.run(
            [tool, "-c", "from scaffolder.cli import main; main()", *args],
            cwd=project, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    # scaffold's own interpreter, asked for explicitly, is stopped by the tool guard
    guarded = run("new", "crud-endpoint", "--set", "resource=users", "--python", str(tool))
    assert guarded.returncode == 1, guarded.stdout
    assert "fastapi" in guarded.stderr and str(tool) in guarded.stderr, guarded.stderr
    assert sorted(p.name for p in project.iterdir()) == [".venv"]

    result = run("new", "crud-endpoint", "--set", "resource=users", "--json")
    report = passed(result)
    ran_with = {c["kind"]: (c["python"] or {}).get("path") for c in report["checks"]}
    assert ran_with["import"] == ran_with["pytest"] == str(project_python), ran_with
    assert (project / "app/main.py").is_file() and (project / "app/api/users.py").is_file()
