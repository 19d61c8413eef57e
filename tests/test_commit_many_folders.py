"""A commit that creates more folders than it keeps open (a folder per item): it writes
them all, and a failure at its very last file still puts every one of them back."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from scaffolder.changes import ChangeSet
from scaffolder.commit import commit
from scaffolder.commit.files import OPEN_FOLDERS
from scaffolder.errors import CommitError
from scaffolder.plan import ConflictPolicy, plan
from scaffolder.render import Renderer
from scaffolder.variables import validate_item
from tests.commit_victim import CountingFileSystem
from tests.conftest import MakeBlueprint, build_file_tree, snapshot

ITEMS = OPEN_FOLDERS + 50


def letters(number: int) -> str:
    return "".join("abcdefghijklmnopqrstuvwxyz"[int(d)] for d in f"{number:04d}")


class FailsAtLastFile(CountingFileSystem):
    """Fails as it renames one of the last files into place (once: not in the rollback)."""

    fired = False

    def before(self, number: int, name: str, args: tuple[Any, ...]) -> None:
        if name == "replace" and args[1].name == "zzzz.txt" and not self.fired:
            self.fired = True
            raise OSError(errno.EIO, "Input/output error (injected)")


@pytest.mark.parametrize("fails", [False, True])
def test_a_folder_per_item(tmp_path: Path, make_blueprint: MakeBlueprint, fails: bool) -> None:
    blueprint = make_blueprint({"services/{{ name }}/main.txt.jinja": "{{ name }}\n"})
    items = [validate_item(blueprint, {"name": letters(n)}) for n in range(ITEMS)]
    last = validate_item(blueprint, {"name": "zzzz"})
    extra = {"services/zzzz.txt.jinja": "last\n"}
    build_file_tree(blueprint.template_dir, extra)
    renderer = Renderer(blueprint)
    changes = ChangeSet.merge((item, renderer.render(item)) for item in [*items, last])
    destination = build_file_tree(tmp_path / "out", {"services/zzzz.txt": "mine\n"})
    before = snapshot(destination)
    planned = plan(changes, destination, ConflictPolicy.OVERWRITE)
    if fails:
        with pytest.raises(CommitError, match="Input/output error"):
            commit(planned, FailsAtLastFile())
        assert snapshot(destination) == before
    else:
        commit(planned)
        for item in items:
            name = item.values["name"]
            assert (destination / "services" / name / "main.txt").read_text() == f"{name}\n"
