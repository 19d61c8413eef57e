import os
from pathlib import Path

import pytest

from scaffolder.changes import ChangeSet
from scaffolder.errors import ConfinementError, ScaffoldError
from scaffolder.plan import ConflictPolicy, FileStatus, plan
from scaffolder.render import Renderer
from scaffolder.variables import validate_item
from tests.conftest import build_file_tree, snapshot

TEMPLATES = {
    "new.txt.jinja": "new {{ name }}\n",
    "same.txt.jinja": "same\n",
    "changed.txt.jinja": "rendered\n",
    "sub/deep.txt": "deep\n",
    "logo.bin": b"\x00\x01\x02",
}


@pytest.fixture
def changes(make_blueprint) -> ChangeSet:
    blueprint = make_blueprint(TEMPLATES)
    item = validate_item(blueprint, {"name": "x"})
    return ChangeSet.merge([(item, Renderer(blueprint).render(item))])


@pytest.fixture
def destination(tmp_path: Path) -> Path:
    return build_file_tree(
        tmp_path / "dest",
        {"same.txt": "same\n", "changed.txt": "edited by hand\n", "logo.bin": b"\x00\xff"},
    )


def statuses(result) -> dict[str, FileStatus]:
    return {f.path.as_posix(): f.status for f in result.files}


@pytest.mark.parametrize(
    ("policy", "changed", "binary"),
    [
        (ConflictPolicy.FAIL, FileStatus.CONFLICT, FileStatus.CONFLICT),
        (ConflictPolicy.SKIP, FileStatus.SKIP, FileStatus.SKIP),
        (ConflictPolicy.OVERWRITE, FileStatus.OVERWRITE, FileStatus.OVERWRITE),
    ],
)
def test_each_path_gets_a_status(changes, destination, policy, changed, binary) -> None:
    before = snapshot(destination)
    result = plan(changes, destination, policy)
    assert statuses(result) == {
        "changed.txt": changed,
        "logo.bin": binary,
        "new.txt": FileStatus.CREATE,
        "same.txt": FileStatus.IDENTICAL,
        "sub/deep.txt": FileStatus.CREATE,
    }
    assert snapshot(destination) == before  # planning never writes
    assert [f.path.as_posix() for f in result.writes] == [
        p for p, s in statuses(result).items() if s in (FileStatus.CREATE, FileStatus.OVERWRITE)
    ]


def test_a_missing_destination_plans_all_creates(changes, tmp_path: Path) -> None:
    result = plan(changes, tmp_path / "not-yet", ConflictPolicy.FAIL)
    assert set(statuses(result).values()) == {FileStatus.CREATE}
    assert not (tmp_path / "not-yet").exists()


def test_diffs(changes, destination) -> None:
    by_path = {f.path.as_posix(): f for f in plan(changes, destination, ConflictPolicy.FAIL).files}
    assert by_path["changed.txt"].diff().splitlines() == [
        "--- a/changed.txt",
        "+++ b/changed.txt",
        "@@ -1 +1 @@",
        "-edited by hand",
        "+rendered",
    ]
    assert by_path["new.txt"].diff().startswith("--- /dev/null\n+++ b/new.txt\n")
    assert by_path["same.txt"].diff() == ""
    assert by_path["logo.bin"].diff() == "Binary files a/logo.bin and b/logo.bin differ\n"


def test_symlink_leading_out_is_refused(changes, destination, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, destination / "sub")
    with pytest.raises(ConfinementError, match=r"sub is a symlink to .*outside the destination"):
        plan(changes, destination, ConflictPolicy.OVERWRITE)


def test_a_folder_symlinked_inside_is_read_but_never_written_through(changes, destination) -> None:
    """The commit never follows a link while it writes, so the plan says so first."""
    (destination / "real").mkdir()
    os.symlink(destination / "real", destination / "sub")
    with pytest.raises(ConfinementError, match=r"sub is a symlink to .*real folders"):
        plan(changes, destination, ConflictPolicy.FAIL)
    (destination / "real/deep.txt").write_bytes(
        next(f.content for f in changes.files if f.path.as_posix() == "sub/deep.txt")
    )
    assert (
        statuses(plan(changes, destination, ConflictPolicy.FAIL))["sub/deep.txt"]
        is FileStatus.IDENTICAL
    )


def test_symlinked_file_pointing_out_is_refused(changes, destination, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("x")
    os.symlink(tmp_path / "secret", destination / "new.txt")
    with pytest.raises(ConfinementError):
        plan(changes, destination, ConflictPolicy.OVERWRITE)


def test_folder_where_a_file_goes(changes, destination) -> None:
    (destination / "new.txt").mkdir()
    with pytest.raises(
        ScaffoldError, match="a folder is where the blueprint renders the file new.txt"
    ):
        plan(changes, destination, ConflictPolicy.OVERWRITE)


def test_file_where_a_folder_goes(changes, destination) -> None:
    (destination / "sub").write_text("file")
    with pytest.raises(ScaffoldError, match="a file stands where the blueprint needs a folder"):
        plan(changes, destination, ConflictPolicy.OVERWRITE)


def test_destination_that_is_a_file(changes, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ScaffoldError, match="is not a folder"):
        plan(changes, tmp_path / "f", ConflictPolicy.FAIL)
