from pathlib import Path

import pytest

from scaffolder.blueprint import Origin
from scaffolder.catalog import SearchPath, find_blueprints, resolve_blueprint
from scaffolder.errors import BlueprintError
from tests.conftest import build_file_tree


def test_built_in_blueprints_are_found(tmp_path: Path) -> None:
    search = SearchPath.default(cwd=tmp_path, environ={})
    found = {b.name: b for b in find_blueprints(search)}
    assert {"crud-endpoint", "json-schema"} <= set(found)
    assert found["crud-endpoint"].origin is Origin.BUILT_IN
    assert found["crud-endpoint"].pattern == "EXEC-006"


def test_project_and_scaffold_path_blueprints_and_precedence(
    tmp_path: Path, make_blueprint
) -> None:
    project = tmp_path / "project"
    elsewhere = tmp_path / "elsewhere"
    make_blueprint({"a.txt": "project"}, name="shared", where=project / ".scaffold" / "blueprints")
    make_blueprint({"a.txt": "elsewhere"}, name="shared", where=elsewhere)
    make_blueprint({"a.txt": "only"}, name="only-there", where=elsewhere)
    make_blueprint({"a.txt": "x"}, name="crud-endpoint", where=elsewhere)
    search = SearchPath.default(cwd=project, environ={"SCAFFOLD_PATH": str(elsewhere)})

    found = {b.name: b for b in find_blueprints(search)}
    assert found["shared"].origin is Origin.PROJECT
    assert found["only-there"].origin is Origin.SCAFFOLD_PATH
    # SCAFFOLD_PATH shadows the built-in blueprint of the same name
    assert found["crud-endpoint"].origin is Origin.SCAFFOLD_PATH
    assert (
        resolve_blueprint("shared", search).root == project / ".scaffold" / "blueprints" / "shared"
    )
    assert resolve_blueprint("only-there", search).origin is Origin.SCAFFOLD_PATH


def test_a_path_is_used_directly(tmp_path: Path, make_blueprint) -> None:
    blueprint = make_blueprint({"a.txt": "x"}, name="mine", where=tmp_path / "somewhere")
    search = SearchPath.default(cwd=tmp_path, environ={})
    assert resolve_blueprint(str(blueprint.root), search).origin is Origin.PATH
    assert resolve_blueprint(blueprint.root, search).name == "mine"


def test_unknown_name_lists_the_known_ones(tmp_path: Path) -> None:
    search = SearchPath.default(cwd=tmp_path, environ={})
    with pytest.raises(
        BlueprintError, match=r"no blueprint named 'nope'\. Known blueprints: .*crud-endpoint"
    ):
        resolve_blueprint("nope", search)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError, match="no such blueprint folder"):
        resolve_blueprint(str(tmp_path / "nope"), SearchPath.default(cwd=tmp_path, environ={}))


def test_name_resolution_follows_the_manifest_name_like_list(
    tmp_path: Path, make_blueprint
) -> None:
    near, far = tmp_path / "near", tmp_path / "far"
    # the folder is called "other" but its manifest says "hello": that is its name
    make_blueprint({"a.txt": "near"}, name="hello", where=near)
    (near / "hello").rename(near / "other")
    make_blueprint({"a.txt": "far"}, name="hello", where=far)
    search = SearchPath.default(cwd=tmp_path, environ={"SCAFFOLD_PATH": f"{near}:{far}"})
    listed = {b.name: b for b in find_blueprints(search)}
    assert listed["hello"].root == near / "other"
    assert resolve_blueprint("hello", search).root == near / "other"


def test_a_broken_blueprint_asked_for_by_its_folder_says_what_is_wrong(tmp_path: Path) -> None:
    broken = tmp_path / "bps" / "broken"
    build_file_tree(broken, {"blueprint.yaml": "name: broken\nvariables: {type: object}\n"})
    search = SearchPath.default(cwd=tmp_path, environ={"SCAFFOLD_PATH": str(tmp_path / "bps")})
    with pytest.raises(BlueprintError, match="'description' is a required property"):
        resolve_blueprint("broken", search)
    assert "crud-endpoint" in {b.name for b in find_blueprints(search)}
