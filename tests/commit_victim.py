"""Commits that SIGKILL themselves at their k-th file operation (for ``test_commit.py``).

    python tests/commit_victim.py BLUEPRINT_FOLDER NAME K1 DEST1 [K2 DEST2 ...]

builds the plan ``test_commit.py`` builds (the blueprint with ``name=NAME``, overwriting)
for each destination and commits it with a file system that kills the process just
before operation ``K``. Every pair but the last runs in a forked child, so the imports
are paid once; for each the parent prints a JSON line with how the child ended. The
last pair runs in this process itself, so it ends by SIGKILL too (exit status 3 means
it was not killed). The test module imports the counting file system and the plan
builder from here, so both number the operations alike.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scaffolder.blueprint import Blueprint, load_blueprint
from scaffolder.changes import ChangeSet
from scaffolder.commit import FileSystem, commit
from scaffolder.plan import ConflictPolicy, Plan, plan
from scaffolder.render import Renderer
from scaffolder.variables import validate_item

OPERATIONS = (
    "make_dir",
    "write",
    "sync_file",
    "flush",
    "backup",
    "copy",
    "replace",
    "remove",
    "remove_dir",
    "sync_dir",
)


def render(blueprint: Blueprint, values: Mapping[str, Any]) -> ChangeSet:
    item = validate_item(blueprint, values)
    return ChangeSet.merge([(item, Renderer(blueprint).render(item))])


def build_plan(changes: ChangeSet, destination: Path) -> Plan:
    return plan(changes, destination, ConflictPolicy.OVERWRITE)


class CountingFileSystem(FileSystem):
    """Records every file operation and calls :meth:`before` ahead of each one.

    Only the outermost call counts: ``FileSystem.copy`` writes its target through
    ``self.write``, and that write is part of the copy, not an operation of its own.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._depth = 0

    def before(self, number: int, name: str, args: tuple[Any, ...]) -> None:
        """Called before operation ``number`` (1-based) runs."""

    def _run(self, name: str, base: Callable[..., None], *args: Any) -> None:
        if self._depth:
            base(self, *args)
            return
        self.calls.append((name, args))
        self.before(len(self.calls), name, args)
        self._depth += 1
        try:
            base(self, *args)
        finally:
            self._depth -= 1

    def make_dir(self, path: Path) -> None:
        self._run("make_dir", FileSystem.make_dir, path)

    def write(self, path: Path, content: bytes, mode: int = 0o644) -> None:
        self._run("write", FileSystem.write, path, content, mode)

    def sync_file(self, path: Path) -> None:
        self._run("sync_file", FileSystem.sync_file, path)

    def flush(self, path: Path) -> None:
        self._run("flush", FileSystem.flush, path)

    def backup(self, source: Path, target: Path) -> None:
        self._run("backup", FileSystem.backup, source, target)

    def copy(self, source: Path, target: Path) -> None:
        self._run("copy", FileSystem.copy, source, target)

    def replace(self, source: Path, target: Path) -> None:
        self._run("replace", FileSystem.replace, source, target)

    def remove(self, path: Path) -> None:
        self._run("remove", FileSystem.remove, path)

    def remove_dir(self, path: Path) -> None:
        self._run("remove_dir", FileSystem.remove_dir, path)

    def sync_dir(self, path: Path) -> None:
        self._run("sync_dir", FileSystem.sync_dir, path)


class KillingFileSystem(CountingFileSystem):
    def __init__(self, kill_at: int) -> None:
        super().__init__()
        self.kill_at = kill_at

    def before(self, number: int, name: str, args: tuple[Any, ...]) -> None:
        if number == self.kill_at:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)


def _commit(changes: ChangeSet, destination: str, kill_at: str) -> None:
    fs = KillingFileSystem(int(kill_at))
    commit(build_plan(changes, Path(destination)), fs)
    print(f"survived: the commit made only {len(fs.calls)} operations", flush=True)


def main(argv: list[str]) -> int:
    blueprint_folder, name, *pairs = argv
    changes = render(load_blueprint(Path(blueprint_folder)), {"name": name})
    runs = list(zip(pairs[::2], pairs[1::2], strict=True))
    for kill_at, destination in runs[:-1]:
        sys.stdout.flush()
        child = os.fork()
        if child == 0:
            try:
                _commit(changes, destination, kill_at)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(3)
        _, status = os.waitpid(child, 0)
        signalled = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        exited = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        record = {"k": int(kill_at), "destination": destination, "signal": signalled}
        print(json.dumps({**record, "exit": exited}), flush=True)
    kill_at, destination = runs[-1]
    _commit(changes, destination, kill_at)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
