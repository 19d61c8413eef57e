"""The README's example session is what `scaffold` prints: its commands run for real, in
order, in one folder, and each shown line is compared with the output.

Times and run ids differ from run to run, and so does the width of table columns holding
them: those are compared as placeholders, and runs of spaces as one. A line `...` in the
README stands for any number of lines.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.e2e_helpers import run

README = Path(__file__).resolve().parent.parent / "README.md"
ELLIPSIS = "..."


@dataclass(frozen=True)
class Shown:
    args: list[str]  # after `scaffold`
    lines: list[str]  # its output as the README shows it


def session(text: str) -> list[Shown]:
    """The commands and shown output of the README's first ```console block."""
    block = text.split("```console\n", 1)[1].split("```", 1)[0]
    shown: list[Shown] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            words = shlex.split(line[2:], comments=True)  # `# again: a no-op` is a comment
            assert words[0] == "scaffold", line
            shown.append(Shown(words[1:], []))
        else:
            shown[-1].lines.append(line)
    return shown


def steady(line: str) -> str:
    line = re.sub(r"\b\d+\.\d+s\b", "<seconds>", line)
    line = re.sub(r"\brun [0-9a-f]{8}\b", "run <id>", line)
    return " ".join(line.split())


def matches(shown: list[str], printed: list[str]) -> bool:
    """Whether ``printed`` is ``shown``, each `...` standing for any lines."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line == ELLIPSIS else re.escape(steady(line)) + "\n" for line in shown
    )
    return re.fullmatch(pattern, "".join(steady(line) + "\n" for line in printed)) is not None


def test_the_readme_session_is_what_scaffold_prints(tmp_path: Path) -> None:
    commands = session(README.read_text(encoding="utf-8"))
    assert [c.args[0] for c in commands] == ["new", "new", "new", "undo"]
    for command in commands:
        result = run(command.args, tmp_path)
        assert result.returncode == 0, result.output
        printed = result.stdout.splitlines()
        assert matches(command.lines, printed), (
            "README shows:\n" + "\n".join(command.lines) + "\n\nscaffold printed:\n" + result.stdout
        )


def test_the_comparison_can_fail() -> None:
    shown = ["    create  a.txt", ELLIPSIS, "done: 2 created in 0.01s"]
    assert matches(shown, ["    create  a.txt", "    create  b.txt", "done: 2 created in 9.5s"])
    assert matches(shown, ["    create  a.txt", "done: 2 created in 0.2s"])
    assert not matches(shown, ["    create  b.txt", "done: 2 created in 0.2s"])
    assert not matches(shown, ["    create  a.txt", "done: 2 created in 0.2s", "more"])
    assert not matches(["identical  a.txt"], ["identical  a.txt", "checks"])
