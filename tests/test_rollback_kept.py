"""A rolled-back run removes only what it created: what another process put into the
folders it created is kept, with those folders, and the report names it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import MakeBlueprint, build_file_tree, snapshot
from tests.test_cli import run

pytestmark = pytest.mark.usefixtures("isolated")

# The check stands in for another process that writes beside the run while its checks run
# (a second service generated into the same folder), then fails.
INTRUDER = (
    "import pathlib; "
    "pathlib.Path('services/b').mkdir(parents=True); "
    "pathlib.Path('services/b/main.py').write_text('print(1)\\n'); "
    "pathlib.Path('services/a/extra.txt').write_text('not the run s\\n'); "
    "raise SystemExit(1)"
)


def test_a_rollback_keeps_what_others_wrote_in_the_folders_it_created(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"services/a/{{ name }}.py.jinja": "NAME = {{ name | tojson }}\n"},
        checks=[{"command": f'{sys.executable} -c "{INTRUDER}"'}],
    )
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    args = ["new", blueprint.root, "--set", "name=alpha", "--out", out, "--trust"]
    result = run(*args, "--json")
    assert result.exit_code == 1, result.stdout
    report = json.loads(result.stdout)
    assert report["outcome"] == "checks_failed" and report["rolled_back"] is True
    assert report["kept"] == ["services/a/extra.txt", "services/b"]
    assert snapshot(out) == {
        "README.md": b"mine\n",
        "services": None,
        "services/a": None,
        "services/a/extra.txt": b"not the run s\n",
        "services/b": None,
        "services/b/main.py": b"print(1)\n",
    }
    # on a terminal: the verdict, then what was kept
    result = run("new", blueprint.root, "--set", "name=alpha", "--out", tmp_path / "two", "--trust")
    assert result.exit_code == 1
    assert "kept 2 paths that the run did not write" in result.stdout
    assert "kept  services/a/extra.txt" in result.stdout and "kept  services/b" in result.stdout
