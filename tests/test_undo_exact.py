"""`scaffold undo` puts the destination back exactly, with real `scaffold` processes.

- Modes: a file the run overwrote comes back with its own mode, bit for bit, whatever the
  umask of the `scaffold undo` process (here 077, which would make 0o755 0o700 and 0o664
  0o600 if undo wrote files as a run writes new ones).
- What the run made and nothing else goes: its files, its symlinks, its empty folders and the
  folders it made for its files (now empty); never a folder that was there before the run
  (empty or not), nor one that holds a file of the user's since.

Everything is written under ``tmp_path``.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path

import yaml

from tests.conftest import build_file_tree
from tests.e2e_helpers import SCAFFOLD, Result, environment, no_traceback, run
from tests.test_symlinks import COPIER_YML, no_copier_settings
from tests.test_update_guarantees import write_manifest

__all__ = ["no_copier_settings"]  # the fixture: Copier without the user's settings

DEST = "svc"


def blueprint(root: Path, templates: dict[str, str | bytes]) -> Path:
    write_manifest(root, [])
    build_file_tree(root / "template", templates)
    return root


def run_with_umask(args: tuple[str, ...], cwd: Path, umask: int) -> Result:
    """``scaffold ARGS`` in a process whose umask is ``umask``."""
    done = subprocess.run(
        ["sh", "-c", f'umask {umask:03o} && exec "$0" "$@"', str(SCAFFOLD), *args],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    return Result(tuple(args), done.returncode, done.stdout, done.stderr)


def state(root: Path) -> dict[str, tuple[str, int, bytes | str | None]]:
    """Every file, folder and symlink under ``root``: its kind, mode and content (a link's
    target), never following a link."""
    found: dict[str, tuple[str, int, bytes | str | None]] = {}
    for folder, names, files in os.walk(root):
        for name in [*names, *files]:
            path = Path(folder, name)
            info = path.lstat()
            relative = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[relative] = ("link", 0, os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[relative] = ("folder", stat.S_IMODE(info.st_mode), None)
            else:
                found[relative] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes())
    return found


def differences(actual: Mapping[str, object], expected: Mapping[str, object]) -> list[str]:
    return [
        f"{path}: {actual.get(path)!r} (expected {expected.get(path)!r})"
        for path in sorted(set(actual) | set(expected))
        if actual.get(path) != expected.get(path)
    ]


def test_undo_gives_overwritten_files_their_exact_modes_whatever_the_umask(
    tmp_path: Path,
) -> None:
    bp = blueprint(
        tmp_path / "bp",
        {"run.sh": "#!/bin/sh\necho new\n", "shared.txt": "new\n", "secret.txt": "new\n"},
    )
    workspace = tmp_path / "ws"
    build_file_tree(
        workspace / DEST,
        {"run.sh": "#!/bin/sh\necho mine\n", "shared.txt": "mine\n", "secret.txt": "mine\n"},
    )
    (workspace / DEST / "run.sh").chmod(0o755)
    (workspace / DEST / "shared.txt").chmod(0o664)
    (workspace / DEST / "secret.txt").chmod(0o600)
    before = state(workspace)

    made = run(("new", str(bp), "--set", "name=x", "--out", DEST, "--on-conflict",
                "overwrite"), workspace)  # fmt: skip
    assert made.returncode == 0, made.output
    assert state(workspace)[f"{DEST}/run.sh"][2] == b"#!/bin/sh\necho new\n"

    undone = run_with_umask(("undo", "--out", DEST), workspace, 0o077)
    no_traceback(undone)
    assert undone.returncode == 0, undone.output
    assert not differences(state(workspace), before), differences(state(workspace), before)


def test_undo_removes_the_links_and_folders_the_run_made_and_nothing_else(
    tmp_path: Path,
) -> None:
    """A Copier template that keeps its symlinks (a link to a file, one to a folder) and an
    empty folder, and files in new folders, in a folder that was there empty, in one of the
    user's, and in one the user puts a file of theirs into after the run."""
    template = tmp_path / "tpl"
    build_file_tree(
        template,
        {
            "copier.yml": yaml.safe_dump(COPIER_YML),
            "target.txt": "the target\n",
            "deep/er/{{ name }}.txt.jinja": "{{ name }}\n",  # deep/ and deep/er/ are new
            "was-empty/x.txt": "into a folder that was there, empty\n",
            "keep/x.txt": "into a folder of the user's\n",
            "later/x.txt": "the user puts a file beside it after the run\n",
        },
    )
    (template / "link.txt").symlink_to("target.txt")
    (template / "logs/inner").mkdir(parents=True)  # empty folders the run makes
    (template / "deep/linked").symlink_to("er")  # a link to a folder
    workspace = tmp_path / "ws"
    build_file_tree(workspace / DEST, {"keep/mine.txt": "mine\n", "NOTES.md": "notes\n"})
    (workspace / DEST / "was-empty").mkdir()
    (workspace / DEST / "was-empty").chmod(0o750)
    before = state(workspace)

    made = run(("new", str(template), "--out", DEST, "--defaults"), workspace)
    assert made.returncode == 0, made.output
    after = state(workspace)
    assert after[f"{DEST}/link.txt"] == ("link", 0, "target.txt")
    assert after[f"{DEST}/deep/linked"] == ("link", 0, "er")
    assert after[f"{DEST}/logs/inner"][0] == "folder"
    (workspace / DEST / "later/mine.txt").write_text("mine, since\n", encoding="utf-8")

    undone = run(("undo", "--out", DEST), workspace)
    no_traceback(undone)
    assert undone.returncode == 0, undone.output
    now = state(workspace)
    assert now.get(f"{DEST}/later/mine.txt", ("", 0, None))[2] == b"mine, since\n"
    expected = {
        **before,
        f"{DEST}/later": after[f"{DEST}/later"],
        f"{DEST}/later/mine.txt": now[f"{DEST}/later/mine.txt"],
    }
    assert not differences(now, expected), (
        "\n".join(differences(now, expected)) + "\n" + undone.output
    )
    assert "left as it is" not in undone.stdout + undone.stderr, undone.output


def test_a_link_the_run_made_and_the_user_changed_since_is_left_with_a_note(
    tmp_path: Path,
) -> None:
    template = tmp_path / "tpl"
    build_file_tree(template, {"copier.yml": yaml.safe_dump(COPIER_YML), "a.txt": "a\n"})
    (template / "link.txt").symlink_to("a.txt")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    made = run(("new", str(template), "--out", DEST, "--defaults"), workspace)
    assert made.returncode == 0, made.output
    link = workspace / DEST / "link.txt"
    link.unlink()
    link.symlink_to("elsewhere.txt")  # the user's, since

    undone = run(("undo", "--out", DEST), workspace)
    no_traceback(undone)
    assert undone.returncode == 0, undone.output
    assert "link.txt: a symlink the run made, changed since; left as it is" in undone.stdout
    assert state(workspace) == {
        DEST: state(workspace)[DEST],
        f"{DEST}/link.txt": ("link", 0, "elsewhere.txt"),
    }, undone.output
