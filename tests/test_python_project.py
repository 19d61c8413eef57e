"""The python-project blueprint bootstraps a package that installs and tests on its own.

``scaffold new python-project`` passes its checks (toml, py_compile, pytest, which
installs nothing); then the package installs editable into a fresh virtual environment
and its tests pass there. Offline and fast: the venv has no pip of its own, the current
pip installs into it without build isolation, and the build backend (hatchling) and
pytest come from this environment. Nothing is written outside ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import scaffolder

SCAFFOLD = Path(sys.executable).parent / "scaffold"
BIN = "Scripts" if os.name == "nt" else "bin"


@pytest.fixture(autouse=True)
def _entry_point_installed() -> None:
    if not SCAFFOLD.exists():
        pytest.skip(f"no scaffold script beside {sys.executable}; install the project")


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """A subprocess environment that keeps every tool's files inside ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if k not in ("SCAFFOLD_PATH", "PYTHONPATH")}
    for name in ("temp", "home", "cache"):
        (tmp_path / name).mkdir(exist_ok=True)
    env.update(
        TMPDIR=str(tmp_path / "temp"),
        HOME=str(tmp_path / "home"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PYTHONDONTWRITEBYTECODE="1",
        PIP_NO_INDEX="1",
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        COLUMNS="200",
    )
    env.pop("FORCE_COLOR", None)
    return env


def run(*args: str | Path, tmp_path: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=tmp_path,
        env=isolated_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    if ok:
        assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def test_new_project_passes_its_checks_installs_and_tests_in_a_fresh_venv(
    tmp_path: Path,
) -> None:
    project = tmp_path / "demo"

    # 1. Render it with the CLI: exit 0, and every check ran and passed.
    result = run(
        SCAFFOLD, "new", "python-project", "--set", "name=demo-lib", "--out", project, "--json",
        tmp_path=tmp_path,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["outcome"] == "succeeded"
    assert {check["kind"]: check["status"] for check in report["checks"]} == {
        "toml": "passed",
        "py_compile": "passed",
        "pytest": "passed",
    }
    package = project / "src" / "demo_lib"
    assert (package / "__init__.py").is_file()
    assert (project / "tests" / "test_core.py").is_file()

    # 2. A fresh venv without pip; hatchling and pytest come from this environment,
    #    listed after the new venv's own site-packages (which the install goes into).
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", None) or sys.executable
    run(base, "-m", "venv", "--without-pip", venv, tmp_path=tmp_path)
    python = venv / BIN / ("python.exe" if os.name == "nt" else "python")
    purelib = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            tmp_path=tmp_path,
        ).stdout.strip()
    )  # fmt: skip
    here = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    # scaffolder itself, as this environment sees it: its pytest plugin's entry point is in
    # those site-packages, and an editable install's own .pth is not read through another
    here.append(str(Path(scaffolder.__file__).resolve().parent.parent))
    (purelib / "zz_outer_environment.pth").write_text("\n".join(dict.fromkeys(here)) + "\n")

    find = "import demo_lib; print(demo_lib.__file__)"
    before = run(python, "-c", find, tmp_path=tmp_path, ok=False)
    assert before.returncode != 0 and "ModuleNotFoundError" in before.stderr

    # 3. Install it editable with the current pip: offline, no build isolation.
    run(
        sys.executable, "-m", "pip", "--python", python, "install",
        "--no-deps", "--no-build-isolation", "-e", project,
        tmp_path=tmp_path,
    )  # fmt: skip

    # `import demo_lib` now resolves to the project's src/ (cwd is tmp_path, not the project)
    where = run(
        python, "-c", find + "; import importlib.metadata as m; print(m.version('demo-lib'))",
        tmp_path=tmp_path,
    ).stdout.splitlines()  # fmt: skip
    assert Path(where[0]).resolve() == (package / "__init__.py").resolve()
    assert where[1] == "0.1.0"  # the version hatchling read from __init__.py

    # 4. Its tests pass in the new venv.
    tests = run(python, "-m", "pytest", project, "-p", "no:cacheprovider", tmp_path=tmp_path)
    assert " 8 passed" in tests.stdout, tests.stdout
    assert "failed" not in tests.stdout and "error" not in tests.stdout.lower()
