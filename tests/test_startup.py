"""Start-up: `scaffold --help`, `--version` and `list` load only what they need.

Each test runs a real `scaffold` process through the script's own entry point
(`scaffolder.cli:main`), instrumented to write, as it exits, every module it loaded.
No timings are asserted here: benchmarks/ measures them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import scaffolder
from scaffolder import catalog
from scaffolder.blueprint import Blueprint, Origin
from scaffolder.catalog import SearchPath, resolve_blueprint
from scaffolder.cli.options import OnConflict
from scaffolder.plan import ConflictPolicy
from scaffolder.resources import data_dir
from scaffolder.sources import load_source
from tests.conftest import MakeBlueprint, build_file_tree
from tests.e2e_helpers import TIMEOUT, environment

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINT = "scaffolder.cli:main"

# `python -c ENTRY MODULES_FILE ARGS…`: `scaffold ARGS…`, then the modules it loaded
ENTRY = """
import atexit, sys

def written(path):
    with open(path, "w") as file:
        file.write("\\n".join(sorted(sys.modules)))

atexit.register(written, sys.argv[1])
sys.argv = ["scaffold", *sys.argv[2:]]
from scaffolder.cli import main
main()
"""

# What renders, commits, checks, prompts or reads another tool's templates: no command that
# only lists or describes itself needs it.
HEAVY = (
    "copier",
    "cookiecutter",
    "jsonschema",
    "referencing",
    "inflect",
    "questionary",
    "prompt_toolkit",
    "jinja2",
    "scaffolder.pipeline",
    "scaffolder.render",
    "scaffolder.checks",
    "scaffolder.commit",
    "scaffolder.plan",
    "scaffolder.variables",
    "scaffolder.report",
    "scaffolder.updating",
    "scaffolder.cli.output",
    "scaffolder.cli.prompts",
    "rich.progress",
    "rich.syntax",
)
# ... nor, to print its help or version, what finds and draws blueprints
FINDING = ("yaml", "rich", "scaffolder.api", "scaffolder.catalog", "scaffolder.blueprint")
# `scaffold list` validates each manifest (a broken blueprint is reported, not listed)
VALIDATING = ("jsonschema", "referencing")


def scaffold_modules(
    args: list[str], cwd: Path
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `scaffold ARGS` in ``cwd``: the process, and the modules it had loaded at exit."""
    modules = cwd.parent / f"{cwd.name}-modules.txt"
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, str(modules), *args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert modules.exists(), proc.stderr
    return proc, set(modules.read_text().splitlines())


def loaded(modules: set[str], *names: str) -> list[str]:
    """Those of ``names`` loaded, as packages or modules (a package's submodules count)."""
    return [n for n in names if any(m == n or m.startswith(f"{n}.") for m in modules)]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder to run in: no project blueprints, no SCAFFOLD_PATH."""
    (tmp_path / "cwd").mkdir()
    return tmp_path / "cwd"


def test_the_instrumented_entry_is_the_scripts() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["scaffold"] == ENTRY_POINT
    assert f"from {ENTRY_POINT.replace(':', ' import ')}" in ENTRY


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["new", "--help"], ["blueprint", "--help"]]
)
def test_help_and_version_load_the_command_line_only(args: list[str], folder: Path) -> None:
    proc, modules = scaffold_modules(args, folder)
    assert proc.returncode == 0, proc.stderr
    assert "scaffolder.cli.app" in modules  # the instrument saw the command
    assert loaded(modules, *HEAVY, *FINDING) == []
    if args == ["--version"]:
        assert proc.stdout == f"scaffold {scaffolder.__version__}\n"
    else:
        assert "Usage: scaffold" in proc.stdout
    if args == ["new", "--help"]:  # the choices typer shows come from the CLI's own enum
        assert "--on-conflict <fail|skip|overwrite>" in proc.stdout


@pytest.mark.parametrize("args", [["list"], ["list", "--json"]])
def test_list_loads_what_finds_blueprints_only(args: list[str], folder: Path) -> None:
    proc, modules = scaffold_modules(args, folder)
    assert proc.returncode == 0, proc.stderr
    assert loaded(modules, "scaffolder.catalog", "yaml") == ["scaffolder.catalog", "yaml"]
    assert loaded(modules, *(n for n in HEAVY if n not in VALIDATING)) == []
    built_in = sorted(p.name for p in data_dir("blueprints").iterdir() if p.is_dir())
    if args == ["list", "--json"]:
        listed = json.loads(proc.stdout)
        assert sorted(b["name"] for b in listed["blueprints"]) == built_in
        assert listed["broken"] == []
    else:
        assert all(name in proc.stdout for name in built_in)


def test_a_run_loads_the_stages(folder: Path) -> None:
    """The instrument sees what a command that renders loads: it is not blind."""
    args = ["new", "crud-endpoint", "--set", "resource=users", "--dry-run", "--out", "service"]
    proc, modules = scaffold_modules(args, folder)
    assert proc.returncode == 0, proc.stderr
    assert "create  app/api/users.py" in proc.stdout and "nothing was written" in proc.stdout
    expected = ["jsonschema", "jinja2", "scaffolder.pipeline", "scaffolder.render"]
    assert loaded(modules, *expected) == expected
    assert loaded(modules, "questionary", "prompt_toolkit", "copier") == []  # no terminal


# what only `scaffold check`, `update` or `undo`, or a run with checks, draws on
CHECKING = ("scaffolder.checks", "scaffolder.native_update", "scaffolder.updating", "sqlite3")


@pytest.mark.parametrize("check", [False, True])
def test_a_batch_without_checks_loads_no_checks(check: bool, folder: Path) -> None:
    """`batch --no-check` writes its files, its record and its history without importing a
    check; the same batch with its checks (dry: prepared, not run) imports them."""
    items = folder.parent / "items.yaml"
    items.write_text("blueprint: crud-endpoint\nitems:\n  - resource: users\n  - resource: posts\n")
    args = ["batch", str(items), "--out", "service"]
    proc, modules = scaffold_modules(
        [*args, "--dry-run"] if check else [*args, "--no-check"], folder
    )
    assert proc.returncode == 0, proc.stderr
    assert loaded(modules, "scaffolder.pipeline", "scaffolder.commit") == [
        "scaffolder.pipeline",
        "scaffolder.commit",
    ]
    if check:
        assert "nothing was written" in proc.stdout
        assert "scaffolder.checks" in modules
    else:
        assert (folder / "service/app/api/posts.py").is_file()
        record = json.loads((folder / "service/.scaffold/last-run.json").read_text())
        assert [i["values"]["resource"] for i in record["phases"][0]["items"]] == ["users", "posts"]
        assert len(list((folder / "service/.scaffold/history").glob("*.json"))) == 1
        assert loaded(modules, *CHECKING) == []


def test_the_library_api_imports_when_used() -> None:
    code = """
import importlib, json, sys
import scaffolder
before = sorted(m for m in sys.modules if m.startswith("scaffolder."))
same = {
    name: getattr(scaffolder, name) is getattr(importlib.import_module(source), name)
    for name, source in scaffolder._SOURCES.items()
}
from scaffolder import *
print(json.dumps({"before": before, "same": same, "star": sorted(k for k in dir() if k[0] != "_")}))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    found = json.loads(proc.stdout)
    assert found["before"] == []  # `import scaffolder` loads nothing of the library yet
    assert sorted(found["same"]) == sorted(scaffolder.__all__)
    assert all(found["same"].values())
    assert set(scaffolder.__all__) <= set(found["star"])
    assert set(scaffolder.__all__) <= set(dir(scaffolder))
    with pytest.raises(AttributeError, match="no attribute 'run_everything'"):
        scaffolder.run_everything  # noqa: B018


def test_the_command_lines_conflict_choices_are_the_librarys() -> None:
    assert [(c.name, c.value) for c in OnConflict] == [(p.name, p.value) for p in ConflictPolicy]


def test_a_blueprint_asked_for_by_name_is_the_only_one_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_blueprint: MakeBlueprint
) -> None:
    """`scaffold new NAME` does not load (validate) every blueprint to find NAME: those whose
    manifest names another are passed over. A manifest that names it from a folder of
    another name still wins, and one whose name cannot be read is loaded to tell."""
    loaded: list[str] = []

    def spy(candidate: Path, origin: Origin, reference: str | None = None) -> Blueprint:
        loaded.append(candidate.name)
        return load_source(candidate, origin, reference)

    monkeypatch.setattr(catalog, "load_source", spy)
    built_in = resolve_blueprint("sql-migration", SearchPath.default(cwd=tmp_path, environ={}))
    assert built_in.name == "sql-migration" and loaded == ["sql-migration"]

    near = tmp_path / "near"
    make_blueprint({"a.txt": "near"}, name="sql-migration", where=near)
    (near / "sql-migration").rename(near / "renamed")
    build_file_tree(near / "a-nameless", {"blueprint.yaml": "description: no name\n"})
    loaded.clear()
    search = SearchPath.default(cwd=tmp_path, environ={"SCAFFOLD_PATH": str(near)})
    assert resolve_blueprint("sql-migration", search).root == near / "renamed"
    assert loaded == ["a-nameless", "renamed"]
