"""Shell completion: `scaffold --show-completion` / `--install-completion` (Typer's), and the
blueprint names it offers for `new`, `show` and `--blueprint`.

Each test runs the real `scaffold` the way a shell does at TAB: Typer's bash completion sets
`_SCAFFOLD_COMPLETE=complete_bash`, `COMP_WORDS` (the line) and `COMP_CWORD` (the index of
the word being completed), and reads one candidate a line. The last test goes through bash
itself: it sources the script `--show-completion` prints and calls its function.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scaffolder.resources import data_dir
from tests.conftest import SCAFFOLD, build_file_tree
from tests.e2e_helpers import TIMEOUT, environment
from tests.test_startup import HEAVY, loaded, scaffold_modules

BUILT_IN = sorted(p.name for p in data_dir("blueprints").iterdir() if p.is_dir())


def complete(line: str, cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    """What `scaffold` offers for the last word of ``line`` (empty when it ends in a space)."""
    words = line.split()
    current = len(words) if line.endswith(" ") else len(words) - 1
    proc = subprocess.run(
        [str(SCAFFOLD)],
        cwd=cwd,
        env={
            **(env or environment()),
            "_SCAFFOLD_COMPLETE": "complete_bash",
            "COMP_WORDS": line,
            "COMP_CWORD": str(current),
        },
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout.split()


def bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in bash, the venv's `scaffold` on ``PATH`` (as in an activated venv)."""
    path = f"{SCAFFOLD.parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env={**environment(), "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with a project blueprint (folder `handler-folder`, manifest name `handler`)."""
    build_file_tree(
        tmp_path / "project" / ".scaffold" / "blueprints" / "handler-folder",
        {
            "blueprint.yaml": "name: handler\ndescription: A handler.\nvariables: {type: object}\n",
            "template/handler.py": "pass\n",
        },
    )
    return tmp_path / "project"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("scaffold new ", BUILT_IN),
        ("scaffold new cr", ["crud-endpoint"]),
        ("scaffold show module-", ["module-doc", "module-manifest"]),
        ("scaffold new --blueprint py", ["python-module", "python-project"]),
        ("scaffold new -b sql", ["sql-migration"]),
        ("scaffold new --set resource=users -b js", ["json-schema"]),
        ("scaffold new nothing-starts-so", []),
        ("scaffold blueprint test crud", ["crud-endpoint"]),
        ("scaffold blueprint lint env", ["env-config"]),
    ],
)
def test_blueprint_names_complete(line: str, expected: list[str], tmp_path: Path) -> None:
    assert complete(line, tmp_path) == expected


def test_names_come_from_the_project_and_scaffold_path_too(project: Path, tmp_path: Path) -> None:
    """Every place `scaffold list` searches: a native blueprint by its manifest's name, a
    Copier template by its folder's; a name found twice is offered once."""
    extra = build_file_tree(
        tmp_path / "extra",
        {
            "service-template/copier.yml": "project: {type: str}\n",
            "crud-endpoint/blueprint.yaml": "name: crud-endpoint\ndescription: mine\n",
        },
    )
    env = {**environment(), "SCAFFOLD_PATH": str(extra)}
    names = complete("scaffold new ", project, env)
    assert names == sorted({*BUILT_IN, "handler", "service-template"})
    assert complete("scaffold show h", project, env) == ["handler"]
    assert complete("scaffold new --blueprint s", project, env) == [
        "service-template",
        "sql-migration",
    ]


@pytest.mark.parametrize("word", ["./", "../bp", "~/templates", "gh:owner/repo"])
def test_a_path_is_left_to_the_shell(word: str, tmp_path: Path) -> None:
    """Nothing offered: the script's `complete -o default` then completes file names."""
    assert complete(f"scaffold new {word}", tmp_path) == []


def test_commands_and_choices_complete_as_before(tmp_path: Path) -> None:
    assert "batch" in complete("scaffold ", tmp_path)
    assert complete("scaffold new --on-conflict ", tmp_path) == ["fail", "skip", "overwrite"]


def test_completing_loads_no_blueprint(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Names are read from folders and manifests: nothing is validated or rendered, so a
    TAB answers at once."""
    monkeypatch.setenv("_SCAFFOLD_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "scaffold new ")
    monkeypatch.setenv("COMP_CWORD", "2")
    proc, modules = scaffold_modules([], project)
    assert proc.returncode == 0, proc.stderr
    assert "handler" in proc.stdout.split()
    assert "scaffolder.catalog" in modules  # the instrument saw the names being read
    assert loaded(modules, *HEAVY) == []


def test_the_script_completes_in_bash(project: Path) -> None:
    """`--show-completion` run from bash prints bash's script; sourced in bash, its function
    fills COMPREPLY with the blueprint names."""
    script = """
set -e
eval "$(scaffold --show-completion)"
complete -p scaffold
COMP_WORDS=(scaffold new h)
COMP_CWORD=2
_scaffold_completion scaffold
printf 'reply:%s\\n' "${COMPREPLY[@]}"
"""
    proc = bash(script, project)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "complete -o default -F _scaffold_completion scaffold" in lines
    assert [line for line in lines if line.startswith("reply:")] == ["reply:handler"]


def test_install_completion_writes_the_script_and_sources_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    proc = bash("scaffold --install-completion", tmp_path, HOME=str(home))
    assert proc.returncode == 0, proc.stderr
    installed = home / ".bash_completions" / "scaffold.sh"
    assert "bash completion installed in" in proc.stdout
    assert "_SCAFFOLD_COMPLETE=complete_bash" in installed.read_text()
    assert f"source '{installed}'" in (home / ".bashrc").read_text()
    assert sorted(p.name for p in home.iterdir()) == [".bash_completions", ".bashrc"]
