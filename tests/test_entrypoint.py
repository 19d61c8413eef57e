"""The installed ``scaffold`` script, and the wheel: it ships blueprints and schemas."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SCAFFOLD = Path(sys.executable).parent / "scaffold"
BIN = "Scripts" if os.name == "nt" else "bin"


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a subprocess: no SCAFFOLD_PATH, temp files in tmp_path."""
    env = {k: v for k, v in os.environ.items() if k not in ("SCAFFOLD_PATH", "PYTHONPATH")}
    temp = tmp_path / "temp"
    temp.mkdir(exist_ok=True)
    env.update(
        TMPDIR=str(temp),
        PYTHONDONTWRITEBYTECODE="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        COLUMNS="200",
    )
    env.pop("FORCE_COLOR", None)
    return env


def scaffold(tmp_path: Path, *args: str, exe: Path = SCAFFOLD) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- the installed entry point ------------------------------------------------------


@pytest.fixture(autouse=True)
def _entry_point_installed() -> None:
    if not SCAFFOLD.exists():
        pytest.skip(f"no scaffold script beside {sys.executable}; install the project")


def test_version(tmp_path: Path) -> None:
    result = scaffold(tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("scaffold ")


def test_list(tmp_path: Path) -> None:
    result = scaffold(tmp_path, "list")
    assert result.returncode == 0, result.stderr
    assert "crud-endpoint" in result.stdout
    assert "json-schema" in result.stdout
    assert "built-in" in result.stdout


def test_new_writes_files(tmp_path: Path) -> None:
    result = scaffold(tmp_path, "new", "crud-endpoint", "--set", "resource=users", "--out", "x")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x" / "app" / "api" / "users.py").is_file()
    assert "app/api/users.py" in result.stdout
    assert result.stderr == ""


def test_unknown_option_is_exit_2(tmp_path: Path) -> None:
    result = scaffold(tmp_path, "new", "crud-endpoint", "--no-such-option")
    assert result.returncode == 2
    assert "--no-such-option" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["new", "crud-endpoint", "--set", "resource=Bad-Name", "--out", "x"],
        ["new", "no-such-blueprint", "--out", "x"],
    ],
    ids=["invalid-value", "unknown-blueprint"],
)
def test_user_error_is_exit_1_without_traceback(tmp_path: Path, args: list[str]) -> None:
    result = scaffold(tmp_path, *args)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_usage_error_is_exit_2_without_traceback(tmp_path: Path) -> None:
    result = scaffold(tmp_path, "new", "crud-endpoint", "--set", "resource")
    assert result.returncode == 2
    assert "NAME=VALUE" in result.stderr
    assert "Traceback" not in result.stderr


# --- the wheel -------------------------------------------------------------------------


def run(*args: str | Path, tmp_path: Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd or tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_wheel_ships_blueprints_and_schemas(tmp_path: Path) -> None:
    # Build from a copy so that nothing, not even a build artefact, lands in the checkout.
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("scaffolder", "blueprints", "schemas"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-cache-dir", "-w", dist, source, tmp_path=tmp_path,
    )  # fmt: skip
    (wheel,) = dist.glob("scaffolder-*.whl")

    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", None) or sys.executable
    run(base, "-m", "venv", "--without-pip", venv, tmp_path=tmp_path)
    python = venv / BIN / ("python.exe" if os.name == "nt" else "python")
    run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--no-cache-dir", wheel, tmp_path=tmp_path,
    )  # fmt: skip
    purelib = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            tmp_path=tmp_path).strip()
    )  # fmt: skip
    # The dependencies come from this venv, after the new venv's own site-packages.
    here = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    (purelib / "zz_dependencies.pth").write_text("\n".join(dict.fromkeys(here)) + "\n")

    where = run(
        python, "-c",
        "import scaffolder, scaffolder.resources as r;"
        "print(scaffolder.__file__); print(r.data_dir('blueprints')); print(r.data_dir('schemas'))",
        tmp_path=tmp_path,
    ).splitlines()  # fmt: skip
    package, blueprints, schemas = (Path(line) for line in where)
    assert package.is_relative_to(purelib / "scaffolder")
    assert blueprints == (purelib / "scaffolder" / "_data" / "blueprints").resolve()
    assert schemas == (purelib / "scaffolder" / "_data" / "schemas").resolve()
    assert (blueprints / "crud-endpoint" / "blueprint.yaml").is_file()
    assert (schemas / "report.schema.json").is_file()
    assert (schemas / "blueprint.schema.json").is_file()

    listed = run(venv / BIN / "scaffold", "list", tmp_path=tmp_path)
    rows = {line.split()[1]: line for line in listed.splitlines() if "EXEC-" in line}
    assert "built-in" in rows["crud-endpoint"]
    assert "built-in" in rows["json-schema"]

    # pip byte-compiled the templates' .py files; their caches must not be rendered
    assert list((blueprints / "crud-endpoint" / "template").rglob("*.pyc"))
    out = tmp_path / "rendered"
    run(
        venv / BIN / "scaffold", "new", "crud-endpoint", "--set", "resource=users",
        "--out", out, "--no-check", tmp_path=tmp_path,
    )  # fmt: skip
    assert (out / "app" / "api" / "users.py").is_file()
    assert not list(out.rglob("__pycache__")) and not list(out.rglob("*.pyc"))
