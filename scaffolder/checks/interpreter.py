"""The Python the checks use: the destination project's, or scaffold's own.

It is chosen once per run by :func:`find_python` and handed to the checks as an input:
``--python PATH``, else the ``VIRTUAL_ENV`` in effect, else a ``.venv`` or ``venv`` in the
destination or a folder above it, else scaffold's own interpreter. ``import`` and ``pytest``
run it; ``command`` runs in its environment (its ``bin`` folder first on ``PATH``, as in an
activated virtual environment); ``py_compile`` compiles with it; and the tool guard asks it,
before anything is written, whether it can import the modules the checks require.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.checks import probe
from scaffolder.errors import ScaffoldError

ASK_TIMEOUT = 60.0  # seconds an interpreter has to answer the tool guard
_BIN = "Scripts" if os.name == "nt" else "bin"
_EXE = "python.exe" if os.name == "nt" else "python"


class InterpreterError(ScaffoldError):
    """The Python the checks would use cannot run; found before anything is written."""

    kind = "python"


class Found(enum.Enum):
    """Where the checks' Python comes from."""

    OPTION = "option"  # --python
    VIRTUAL_ENV = "virtual_env"  # the VIRTUAL_ENV in effect
    PROJECT = "project"  # a .venv or venv in the destination or a folder above it
    SCAFFOLD = "scaffold"  # scaffold's own interpreter: the fallback


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter, and how it was found."""

    path: str  # absolute, links kept: a virtual environment's python is a link to its base
    found: Found
    venv: str | None = None  # the virtual environment it belongs to
    version: str | None = dataclasses.field(default=None, compare=False)  # once it answered

    @property
    def own(self) -> bool:
        """Whether it is scaffold's own interpreter (then it is asked in-process)."""
        if self.found is Found.SCAFFOLD or self.path == os.path.abspath(sys.executable):
            return True
        in_venv = sys.prefix != sys.base_prefix
        return self.venv is not None and in_venv and _same(self.venv, sys.prefix)

    @property
    def scripts(self) -> str | None:
        """Its virtual environment's folder of programs (``bin``), first on ``PATH`` when
        it runs a check."""
        return os.path.join(self.venv, _BIN) if self.venv else None

    @property
    def label(self) -> str:
        """A short name, for a column of the checks table."""
        if self.found is Found.PROJECT and self.venv:
            return Path(self.venv).name
        return {Found.OPTION: "--python", Found.VIRTUAL_ENV: "VIRTUAL_ENV"}.get(
            self.found, "scaffold"
        )

    def describe(self) -> str:
        """The interpreter and where it comes from: ``/p/.venv/bin/python (the project's
        .venv, in /p)``."""
        if self.found is Found.PROJECT and self.venv:
            venv = Path(self.venv)
            how = f"the project's {venv.name}, in {venv.parent}"
        else:
            how = {
                Found.OPTION: "--python",
                Found.VIRTUAL_ENV: "the VIRTUAL_ENV in effect",
            }.get(self.found, "scaffold's own: no --python, VIRTUAL_ENV, .venv or venv found")
        return f"{self.path} ({how})"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "found": self.found.value, "venv": self.venv}


def scaffold_python() -> Interpreter:
    """scaffold's own interpreter, the fallback."""
    return Interpreter(sys.executable, Found.SCAFFOLD, _venv_of(Path(sys.executable)))


def find_python(
    destination: str | Path,
    given: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Interpreter:
    """The Python the checks of a run into ``destination`` use.

    ``given`` (``--python``: an interpreter, a virtual environment's folder, or a name on
    ``PATH``) must exist and answer as a Python, or this raises. Otherwise the ``VIRTUAL_ENV``
    of ``environ`` (default: this process's environment), else the nearest ``.venv`` or
    ``venv`` (a folder with ``pyvenv.cfg``) in the destination or a folder above it, else
    scaffold's own. A found one is not run here: the tool guard asks it, and says so if it
    cannot run.
    """
    if given is not None:
        return _given(str(given))
    environ = os.environ if environ is None else environ
    active = environ.get("VIRTUAL_ENV")
    if active:
        venv = Path(os.path.abspath(Path(active).expanduser()))
        return Interpreter(str(_python_in(venv)), Found.VIRTUAL_ENV, str(venv))
    folder = Path(os.path.abspath(destination))
    for place in (folder, *folder.parents):
        for name in (".venv", "venv"):
            if (place / name / "pyvenv.cfg").is_file():
                venv = place / name
                return Interpreter(str(_python_in(venv)), Found.PROJECT, str(venv))
    return scaffold_python()


def environment(destination: str | Path | None, python: Interpreter | None) -> dict[str, str]:
    """The environment of a check's process in ``destination``: the destination importable
    (on ``PYTHONPATH``; ``None``: not), no bytecode written, and ``python``'s virtual
    environment active (first on ``PATH``, ``VIRTUAL_ENV``), as its ``activate`` script
    would make it."""
    env = dict(os.environ)
    if destination is not None:
        # absolute: a relative destination (`--out svc`) seen from inside it would be svc/svc
        here = os.path.abspath(destination)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if python is None:
        return env
    if not python.own:
        env.pop("PYTHONHOME", None)
    env.pop("VIRTUAL_ENV", None)
    if python.venv:
        env["VIRTUAL_ENV"] = python.venv
        env["PATH"] = os.pathsep.join(p for p in (python.scripts, env.get("PATH")) if p)
    return env


def ask(python: Interpreter, arguments: Sequence[str]) -> dict[str, Any]:
    """Run the probe (:mod:`scaffolder.checks.probe`) in ``python`` and return its answer;
    an interpreter that cannot run, or is no Python, is an :class:`InterpreterError`.

    The destination is not on its path: what is there before the run is not the run's, and
    nothing in it may run while the checks are prepared (a ``sitecustomize.py``, say).
    """
    try:
        result = subprocess.run(
            probe_command(python, arguments),
            env=environment(None, python),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=ASK_TIMEOUT,
        )
    except OSError as exc:
        raise _broken(python, exc.strerror or str(exc)) from None
    except subprocess.TimeoutExpired:
        raise _broken(python, f"it did not answer within {ASK_TIMEOUT:.0f}s") from None
    answer = answer_of(result.stdout)
    if answer is None:
        said = (result.stderr or result.stdout).strip().splitlines()
        last = f": {said[-1][-300:]}" if said else ""
        raise _broken(python, f"it exited with {result.returncode}{last}")
    return answer


def probe_command(python: Interpreter, arguments: Sequence[str]) -> list[str]:
    return [python.path, "-c", _probe_source(), *arguments]


def answer_of(stdout: str) -> dict[str, Any] | None:
    """The probe's answer in what it printed, or None."""
    _, marker, text = stdout.rpartition(probe.MARKER)
    if not marker:
        return None
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


@functools.cache
def _probe_source() -> str:
    return inspect.getsource(probe)


def _given(text: str) -> Interpreter:
    path = Path(text).expanduser()
    if not path.exists() and "/" not in text and os.sep not in text:
        on_path = shutil.which(text)  # a name, as `--python python3.12`
        if on_path:
            path = Path(on_path)
    hint = (
        "Give the path of a Python interpreter (e.g. --python .venv/bin/python) or of a "
        "virtual environment's folder (--python .venv). Nothing was written."
    )
    if path.is_dir():
        inside = _python_in(path)
        if not os.path.lexists(inside):
            raise InterpreterError(
                f"--python {text}: a folder, but not a virtual environment "
                f"(there is no {inside.relative_to(path)} in it). {hint}"
            )
        path = inside
    if not os.path.lexists(path):
        raise InterpreterError(f"--python {text}: no such file. {hint}")
    if path.is_dir():
        raise InterpreterError(f"--python {text}: a folder, not a Python interpreter. {hint}")
    python = Interpreter(os.path.abspath(path), Found.OPTION, _venv_of(path))
    answer = ask(python, ())
    return dataclasses.replace(python, version=str(answer.get("version") or "") or None)


def _broken(python: Interpreter, reason: str) -> InterpreterError:
    fixes = {
        Found.OPTION: "Give the path of a Python interpreter (e.g. --python .venv/bin/python) "
        "or of a virtual environment's folder.",
        Found.VIRTUAL_ENV: "Activate a working virtual environment, deactivate this one "
        "(unset VIRTUAL_ENV), or give --python PATH.",
        Found.PROJECT: f"Recreate it (python -m venv {python.venv}), or give --python PATH.",
        Found.SCAFFOLD: "Reinstall scaffold.",
    }
    return InterpreterError(
        f"the checks would run with {python.describe()}, which cannot run as a Python "
        f"interpreter: {reason}. {fixes[python.found]} Nothing was written."
    )


def _python_in(venv: Path) -> Path:
    return venv / _BIN / _EXE


def _venv_of(python: Path) -> str | None:
    """The virtual environment ``python`` (a path, links not followed) is in, if any."""
    folder = Path(os.path.abspath(python)).parent.parent
    return str(folder) if (folder / "pyvenv.cfg").is_file() else None


def _same(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False
