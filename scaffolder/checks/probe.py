"""What a check asks of a Python interpreter: which modules it can import (the tool guard)
and whether some files compile (``py_compile``).

This file runs two ways: imported by scaffold, to ask scaffold's own interpreter, and as the
text of ``python -c`` in another one (the project's), which may be an older Python: so it
uses only the standard library and syntax that Python 3.8 reads (annotations are not
evaluated). It prints one line, a
marker and JSON, and never imports the modules it looks up.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import sys

MARKER = "--scaffold-probe--"


def module_available(name: str) -> bool:
    """Whether ``name`` can be imported by this interpreter.

    Found without importing it, or any package above it: ``a.b`` would import ``a``, whose
    ``__init__`` may be the destination's or the blueprint's code, and nothing of theirs may
    run while the checks are prepared (not even in a dry run). So only the top-level name is
    looked up through the import system (which imports nothing for a top-level name), and
    each name below it in its package's folders.
    """
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return False
    try:
        spec = importlib.util.find_spec(parts[0])
        for depth in range(1, len(parts)):
            if spec is None or spec.submodule_search_locations is None:
                return False
            spec = importlib.machinery.PathFinder.find_spec(
                ".".join(parts[: depth + 1]), list(spec.submodule_search_locations)
            )
    except (ImportError, ValueError):
        return False
    return spec is not None


def compile_errors(paths: list[str]) -> list[list[object]]:
    """``[message, path, line]`` for each file that does not compile (nothing is run, no
    bytecode is written)."""
    problems: list[list[object]] = []
    for path in paths:
        try:
            with open(path, "rb") as file:
                compile(file.read(), path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems.append([str(exc.msg), path, exc.lineno])
        except (ValueError, OSError) as exc:  # a NUL byte; a file that cannot be read
            problems.append([str(exc), path, None])
    return problems


def _main(argv: list[str]) -> None:
    # `python -c` puts the working folder first on sys.path: look where the checks look
    if sys.path and sys.path[0] in ("", "."):
        del sys.path[0]
    if argv[:1] == ["compile"]:
        answer: dict[str, object] = {"problems": compile_errors(argv[1:])}
    else:
        answer = {
            "version": ".".join(str(part) for part in sys.version_info[:3]),
            "found": {name: module_available(name) for name in argv},
        }
    sys.stdout.write(MARKER + json.dumps(answer) + "\n")


if __name__ == "__main__":
    _main(sys.argv[1:])
