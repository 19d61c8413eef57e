"""What checks may run and touch: trust for the kinds that run a blueprint's code (import,
pytest, command), trust from the user's settings file, ``requires:`` looked up without
importing, sqlite refusing files, and check option paths confined to the blueprint.

Every blueprint, settings file and marker is in ``tmp_path``; nothing is written elsewhere.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scaffolder
from scaffolder.blueprint import Blueprint, Origin
from scaffolder.checks import CheckStatus, PhaseChecks, UntrustedError, prepare
from scaffolder.checks.base import module_available
from scaffolder.errors import BlueprintError, ScaffoldError
from scaffolder.report import Outcome, Report
from scaffolder.settings import Settings, TrustedSource, load_settings, settings_path
from scaffolder.variables import Item
from tests.conftest import MakeBlueprint, build_file_tree, snapshot
from tests.test_checks import NAMED
from tests.test_cli import no_traceback, run

PYTHON = sys.executable


@pytest.fixture(autouse=True)
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The settings file a test may write; none exists until it does."""
    path = tmp_path / "config" / "settings.yaml"
    monkeypatch.setenv("SCAFFOLD_SETTINGS", str(path))
    return path


def new(blueprint: Blueprint, out: Path, **kw: Any) -> Report:
    return scaffolder.new(blueprint, {"name": "alpha"}, out=out, **kw)


def gated(kind: str, marker: Path) -> tuple[dict[str, str], list[Any]]:
    """Templates and checks of a blueprint whose ``kind`` check runs code that writes
    ``marker`` (outside the destination): proof that the check ran the blueprint's code."""
    touch = f"open({str(marker)!r}, 'w').close()\n"
    if kind == "import":
        return {"app/__init__.py": "", "app/{{ name }}.py.jinja": touch}, [
            {"import": "app.{{ name }}"}
        ]
    if kind == "pytest collect_only":  # collecting imports conftest.py
        templates = {"tests/conftest.py": touch, "tests/test_{{ name }}.py.jinja": TEST}
        return templates, [{"pytest": {"collect_only": True, "exact": 1}}]
    if kind == "pytest run":
        return {"tests/test_{{ name }}.py.jinja": touch + TEST}, [{"pytest": {"run": True}}]
    assert kind == "command"
    return {"{{ name }}.txt": "x\n"}, [{"command": f'{PYTHON} -c "{touch.strip()}"'}]


TEST = "\n\ndef test_it():\n    assert True\n"
GATED = ["import", "pytest collect_only", "pytest run", "command"]


# --- each kind that runs code needs trust --------------------------------------------------


@pytest.mark.parametrize("kind", GATED)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_check_that_runs_the_blueprints_code_needs_trust(
    kind: str, dry_run: bool, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    marker = tmp_path / "ran"
    templates, checks = gated(kind, marker)
    blueprint = make_blueprint(templates, variables=NAMED, checks=checks)
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    with pytest.raises(UntrustedError) as refused:
        new(blueprint, out, dry_run=dry_run)
    message = refused.value.message
    assert f"demo ({kind.split()[0]}" in message  # the blueprint and its check
    assert str(blueprint.root) in message
    assert "Nothing was run or written" in message
    assert "--trust" in message and "trust:" in message
    assert snapshot(out) == before
    assert not marker.exists()

    report = new(blueprint, out, dry_run=dry_run, trust=True)
    assert report.exit_code == 0, [p.describe() for c in report.checks for p in c.problems]
    assert marker.exists() is not dry_run  # trusted, the check ran (a dry run runs none)


def test_the_refusal_lists_every_blueprint_and_check_at_once(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    one_templates, one_checks = gated("import", tmp_path / "one")
    two_templates, two_checks = gated("pytest collect_only", tmp_path / "two")
    one = make_blueprint(one_templates, name="one", variables=NAMED, checks=one_checks)
    two = make_blueprint(two_templates, name="two", variables=NAMED, checks=two_checks)
    phases = [phase(one, "first"), phase(two, "second")]
    with pytest.raises(UntrustedError) as refused:
        prepare(phases, trusted=())
    assert "one (import app.a)" in refused.value.message
    assert "two (pytest collect_only, exact=1)" in refused.value.message


def phase(blueprint: Blueprint, name: str | None = None) -> PhaseChecks:
    files = {1: ("app/a.py", "tests/test_a.py", "a.txt")}
    return PhaseChecks(name, blueprint, (Item(1, {"name": "a"}),), files)


@pytest.mark.parametrize("kind", GATED)
def test_built_in_blueprints_need_no_trust(
    kind: str, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    templates, checks = gated(kind, tmp_path / "ran")
    blueprint = make_blueprint(templates, variables=NAMED, checks=checks)
    with pytest.raises(UntrustedError):
        prepare([phase(blueprint)], trusted=())
    built_in = dataclasses.replace(blueprint, origin=Origin.BUILT_IN)
    (target,) = prepare([phase(built_in)], trusted=())
    assert target.kind == kind.split()[0]
    assert target.built_in


def test_a_built_in_blueprint_of_the_same_name_lends_no_trust(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    # a plan: a local blueprint that imports its code, and a built-in one with the same name
    templates, checks = gated("import", tmp_path / "ran")
    local = make_blueprint(templates, variables=NAMED, checks=checks)
    other = make_blueprint({"b.txt": "y\n"}, variables=NAMED, where=tmp_path / "elsewhere")
    built_in = dataclasses.replace(other, origin=Origin.BUILT_IN)
    assert local.name == built_in.name
    with pytest.raises(UntrustedError, match="--trust"):
        prepare([phase(local, "one"), phase(built_in, "two")], trusted=())


def test_checks_that_run_no_code_need_no_trust(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.py.jinja": "X = 1\n", "{{ name }}.json.jinja": "{}\n"},
        variables=NAMED,
        checks=["py_compile", "json", {"jsonschema": {"metaschema": True, "files": "*.json"}}],
    )
    report = new(blueprint, tmp_path / "out")
    assert report.outcome is Outcome.SUCCEEDED


# --- trust from the settings file -----------------------------------------------------------


@pytest.mark.parametrize("entry", ["exact", "parent/", "home"])
def test_a_blueprint_trusted_in_the_settings_file_runs_without_trust(
    entry: str,
    tmp_path: Path,
    make_blueprint: MakeBlueprint,
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marker = tmp_path / "ran"
    templates, checks = gated("pytest collect_only", marker)
    blueprint = make_blueprint(templates, variables=NAMED, checks=checks)
    monkeypatch.setenv("HOME", str(tmp_path))
    listed = {
        "exact": str(blueprint.root),
        "parent/": f"{blueprint.root.parent}/",
        "home": "~/blueprints/",
    }[entry]
    build_file_tree(settings_file.parent, {settings_file.name: f"trust:\n  - {listed}\n"})
    report = new(blueprint, tmp_path / "out")
    assert report.outcome is Outcome.SUCCEEDED
    assert marker.exists()


@pytest.mark.parametrize(
    "listed",
    [
        "{root}/",  # every blueprint *under* the folder, and demo is the folder itself: covered
        "{root}",
    ],
)
def test_a_trusted_folder_covers_itself(listed: str, make_blueprint: MakeBlueprint) -> None:
    templates, checks = gated("import", Path("unused"))
    blueprint = make_blueprint(templates, variables=NAMED, checks=checks)
    (target,) = prepare([phase(blueprint)], trusted=[listed.format(root=blueprint.root)])
    assert target.kind == "import"


@pytest.mark.parametrize(
    "listed",
    [
        "{parent}",  # the folder above, without "/": exactly that folder, not what is in it
        "{root}-other",  # a sibling whose name starts the same
        "{root}x/",
        "{root}/template/",  # a folder inside the blueprint
    ],
)
def test_a_trust_entry_covers_nothing_else(listed: str, make_blueprint: MakeBlueprint) -> None:
    templates, checks = gated("import", Path("unused"))
    blueprint = make_blueprint(templates, variables=NAMED, checks=checks)
    entry = listed.format(root=blueprint.root, parent=blueprint.root.parent)
    with pytest.raises(UntrustedError):
        prepare([phase(blueprint)], trusted=[entry])


def test_trust_compares_resolved_paths(tmp_path: Path, make_blueprint: MakeBlueprint) -> None:
    templates, checks = gated("import", Path("unused"))
    blueprint = make_blueprint(templates, variables=NAMED, checks=checks)
    link = tmp_path / "link"
    link.symlink_to(blueprint.root)
    (target,) = prepare([phase(blueprint)], trusted=[str(link)])
    assert target.kind == "import"
    # and a blueprint loaded through a link is trusted by its real folder
    through = dataclasses.replace(blueprint, root=link)
    (target,) = prepare([phase(through)], trusted=[TrustedSource(blueprint.root)])
    assert target.kind == "import"


def test_explicit_trusted_leaves_the_settings_file_unread(
    make_blueprint: MakeBlueprint, settings_file: Path
) -> None:
    build_file_tree(settings_file.parent, {settings_file.name: "trust: [oops\n"})
    templates, checks = gated("import", Path("unused"))
    blueprint = make_blueprint(templates, variables=NAMED, checks=checks)
    with pytest.raises(UntrustedError):
        prepare([phase(blueprint)], trusted=[])
    with pytest.raises(ScaffoldError, match="settings.yaml:2: not valid YAML"):
        prepare([phase(blueprint)])  # trusted=None: the settings file is read


def test_the_settings_file_is_read_only_when_a_check_needs_trust(
    tmp_path: Path, make_blueprint: MakeBlueprint, settings_file: Path
) -> None:
    build_file_tree(settings_file.parent, {settings_file.name: "- not a mapping\n"})
    plain = make_blueprint(
        {"{{ name }}.py.jinja": "X = 1\n"}, variables=NAMED, checks=["py_compile"]
    )
    assert new(plain, tmp_path / "plain").outcome is Outcome.SUCCEEDED
    templates, checks = gated("import", tmp_path / "ran")
    code = make_blueprint(templates, name="code", variables=NAMED, checks=checks)
    assert new(code, tmp_path / "trusted", trust=True).outcome is Outcome.SUCCEEDED
    with pytest.raises(ScaffoldError, match="must be a mapping"):
        new(code, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()


MALFORMED = {
    "trust: [oops\n": ("settings.yaml:2", "not valid YAML"),
    "- ~/blueprints/\n": ("settings.yaml:1", "must be a mapping"),
    "trust: ~/blueprints/\n": ("settings.yaml:1", "trust must be a list"),
    "trust:\n  - ~/a/\n  - 5\n": ("settings.yaml:3", "each entry must be a folder path"),
    "trust:\n  - blueprints/\n": ("settings.yaml:2", "not an absolute path"),
    "trust:\n  - ''\n": ("settings.yaml:2", "an empty path"),
    "trusted:\n  - ~/a/\n": ("settings.yaml:1", "unknown setting trusted"),
    b"trust: [\xff]\n": ("settings.yaml", "not UTF-8 text"),
}


@pytest.mark.parametrize("text", list(MALFORMED), ids=range(len(MALFORMED)))
def test_a_malformed_settings_file_is_a_clear_error(text: str | bytes, settings_file: Path) -> None:
    build_file_tree(settings_file.parent, {settings_file.name: text})
    where, what = MALFORMED[text]
    with pytest.raises(ScaffoldError) as caught:
        load_settings()
    assert where in caught.value.message
    assert what in caught.value.message
    assert str(settings_file.parent) in caught.value.message


def test_a_malformed_settings_file_through_the_cli(
    tmp_path: Path, make_blueprint: MakeBlueprint, settings_file: Path
) -> None:
    build_file_tree(settings_file.parent, {settings_file.name: "trust:\n  - relative/\n"})
    templates, checks = gated("import", tmp_path / "ran")
    blueprint = make_blueprint(templates, variables=NAMED, checks=checks)
    out = tmp_path / "out"
    result = run("new", blueprint.root, "--set", "name=alpha", "--out", out)
    assert result.exit_code == 1, result.output
    no_traceback(result)
    assert f"{settings_file}:2:" in result.output
    assert not out.exists()


def test_no_settings_file_trusts_nothing(settings_file: Path) -> None:
    assert load_settings() == Settings()
    build_file_tree(settings_file.parent, {settings_file.name: "# nothing yet\n"})
    assert load_settings() == Settings(source=settings_file)
    build_file_tree(settings_file.parent, {settings_file.name: "trust:\n"})
    assert load_settings().trust == ()


def test_where_the_settings_file_is(tmp_path: Path) -> None:
    home = Path.home()
    mine = str(tmp_path / "mine.yaml")
    assert settings_path({"SCAFFOLD_SETTINGS": mine}) == Path(mine)
    assert settings_path({"SCAFFOLD_SETTINGS": mine, "XDG_CONFIG_HOME": "/x"}) == Path(mine)
    assert settings_path({"XDG_CONFIG_HOME": "/x/conf"}) == Path("/x/conf/scaffold/settings.yaml")
    default = home / ".config/scaffold/settings.yaml"
    assert settings_path({}) == default
    assert settings_path({"SCAFFOLD_SETTINGS": "", "XDG_CONFIG_HOME": "relative"}) == default


def test_trust_entries_expand_the_home_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    assert TrustedSource.parse("~/blueprints/") == TrustedSource(
        Path("/home/someone/blueprints"), subtree=True
    )
    assert TrustedSource.parse("/srv/bp") == TrustedSource(Path("/srv/bp"), subtree=False)


# --- requires: looked up, never imported ---------------------------------------------------


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package on scaffold's own sys.path whose ``__init__`` writes a marker if imported."""
    marker = tmp_path / "imported"
    lib = build_file_tree(
        tmp_path / "lib",
        {
            "planted_pkg_xyz/__init__.py": f"open({str(marker)!r}, 'w').close()\n",
            "planted_pkg_xyz/sub.py": f"open({str(marker)!r}, 'w').close()\n",
        },
    )
    monkeypatch.syspath_prepend(str(lib))
    yield marker
    for name in ("planted_pkg_xyz", "planted_pkg_xyz.sub"):
        assert name not in sys.modules


@pytest.mark.parametrize("dry_run", [False, True])
def test_requires_imports_nothing_into_scaffold(
    dry_run: bool, planted: Path, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.py.jinja": "X = 1\n"},
        variables=NAMED,
        checks=[{"py_compile": {"requires": ["planted_pkg_xyz.sub"]}}],
    )
    out = tmp_path / "out"
    report = new(blueprint, out, dry_run=dry_run)
    assert report.exit_code == 0  # found: the tool guard let it through
    assert [c.status for c in report.checks] == ([] if dry_run else [CheckStatus.PASSED])
    assert not planted.exists()
    result = run("new", blueprint.root, "--set", "name=alpha", "--out", out, "--on-conflict",
                 "overwrite", *(["--dry-run"] if dry_run else []))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not planted.exists()


def test_requires_looks_up_names_below_a_package_without_importing_it(planted: Path) -> None:
    assert module_available("planted_pkg_xyz")
    assert module_available("planted_pkg_xyz.sub")
    assert not module_available("planted_pkg_xyz.nope")
    assert not module_available("planted_pkg_xyz.sub.deeper")  # sub is a module, no package
    assert not module_available("no_such_pkg_xyz.sub")
    assert module_available("json.decoder") and module_available("sys")
    assert not planted.exists()


MALFORMED_OPTIONS = [
    {"py_compile": {"requires": True}},
    {"py_compile": {"requires": 5}},
    {"py_compile": {"requires": ["ok", 5]}},
    {"py_compile": {"requires": ["not-a-module"]}},
    {"py_compile": {"timeout": "x"}},
    {"py_compile": {"timeout": True}},
    {"py_compile": {"timeout": ".inf"}},
    {"py_compile": {"files": 5}},
    {"py_compile": 5},
    {"py_compile": "fast"},
    {"import": {"modules": 5}},
    {"import": {"modules": ["app", 5]}},
    {"import": 5},
    {"pytest": {"exact": ".inf"}},
    {"sqlite": {"up": 3}},
    {"jsonschema": {"schema": 5}},
    {"jsonschema": {"schema": ["a.json"]}},
    {"markdown": {"sections": [1]}},
    {"command": {"run": ["ls"]}},
]


@pytest.mark.parametrize("check", MALFORMED_OPTIONS, ids=[str(c) for c in MALFORMED_OPTIONS])
def test_malformed_options_are_the_blueprints_error(
    check: dict[str, Any], tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint({"{{ name }}.py.jinja": "X = 1\n"}, variables=NAMED, checks=[check])
    out = tmp_path / "out"
    with pytest.raises(BlueprintError) as caught:
        new(blueprint, out, trust=True)
    (kind,) = check
    assert f"{blueprint.root / 'blueprint.yaml'}: checks: {kind}: " in caught.value.message
    assert not out.exists()


# --- sqlite touches no file ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("ATTACH DATABASE '{tmp}/x.db' AS x;", "x.db"),
        ("VACUUM INTO '{tmp}/y.db';", "y.db"),
        ("PRAGMA temp_store_directory = '{tmp}';", "temp_store_directory"),
        ("DETACH DATABASE temp;", "DETACH"),
    ],
)
def test_a_sqlite_migration_that_touches_a_file_fails(
    statement: str, named: str, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {
            "migrations/001_{{ name }}.up.sql.jinja": (
                "CREATE TABLE {{ name }} (id INTEGER);\n" + statement.format(tmp=tmp_path) + "\n"
            ),
            "migrations/001_{{ name }}.down.sql.jinja": "DROP TABLE {{ name }};\n",
        },
        variables=NAMED,
        checks=["sqlite"],
    )
    out = tmp_path / "out"
    before = set(os.listdir(tmp_path))
    report = new(blueprint, out)
    assert report.outcome is Outcome.CHECKS_FAILED and report.rolled_back
    (check,) = report.checks
    (problem,) = check.problems
    assert problem.file == "migrations/001_alpha.up.sql"
    assert named in problem.message
    assert "may not touch any file" in problem.message
    assert set(os.listdir(tmp_path)) == before  # no x.db, no y.db, and out/ is gone again


def test_a_sqlite_migration_may_use_ordinary_pragmas(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = make_blueprint(
        {
            "migrations/001_{{ name }}.up.sql.jinja": (
                "PRAGMA foreign_keys = ON;\nCREATE TABLE {{ name }} (id INTEGER PRIMARY KEY);\n"
            ),
            "migrations/001_{{ name }}.down.sql.jinja": "DROP TABLE {{ name }};\n",
        },
        variables=NAMED,
        checks=["sqlite"],
    )
    assert new(blueprint, tmp_path / "out").outcome is Outcome.SUCCEEDED


# --- check option paths stay in the blueprint ----------------------------------------------


def schema_blueprint(make_blueprint: MakeBlueprint, schema: str) -> Blueprint:
    return make_blueprint(
        {"{{ name }}.json.jinja": '{"name": "{{ name }}"}\n'},
        variables=NAMED,
        checks=[{"jsonschema": {"schema": schema}}],
    )


@pytest.mark.parametrize("schema", ["/etc/passwd", "../../x.json", "link.json", "dir/../../x.json"])
def test_a_schema_outside_the_blueprint_is_refused_before_writing(
    schema: str, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    build_file_tree(tmp_path, {"x.json": "{}"})
    blueprint = schema_blueprint(make_blueprint, schema)
    (blueprint.root / "link.json").symlink_to(tmp_path / "x.json")
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    with pytest.raises(BlueprintError) as caught:
        new(blueprint, out, dry_run=True)
    message = caught.value.message
    assert "checks: jsonschema: option schema" in message
    assert "outside the blueprint folder" in message
    assert "Put the schema file in the blueprint folder" in message
    with pytest.raises(BlueprintError):
        new(blueprint, out)
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("s.json", b'{"type": "object",\n  oops}\n', "s.json:2: not valid JSON"),
        ("s.yaml", b"type: [object\n", "not valid YAML"),
        ("s.json", b'{"type": "\xff"}', "not UTF-8"),
        ("s.json", b'{"type": "nonsense"}', "not a valid JSON Schema"),
        ("s.json", b"[1, 2]", "not a JSON Schema"),
        ("s.json", b'{"$schema": ["x"]}', "not a valid JSON Schema"),
        ("missing.json", None, "no such file"),
        ("folder.json", b"", "no such file"),
    ],
)
def test_a_broken_schema_in_the_blueprint_is_a_clear_error(
    name: str, content: bytes | None, said: str, tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = schema_blueprint(make_blueprint, name)
    if name == "folder.json":
        (blueprint.root / name).mkdir()
    elif content is not None:
        build_file_tree(blueprint.root, {name: content})
    out = tmp_path / "out"
    with pytest.raises(BlueprintError) as caught:
        new(blueprint, out)
    assert "checks: jsonschema: option schema" in caught.value.message
    assert said in caught.value.message
    assert not out.exists()
    result = run("new", blueprint.root, "--set", "name=alpha", "--out", out)
    assert result.exit_code == 1
    no_traceback(result)


def test_a_schema_inside_the_blueprint_through_a_link_inside_it(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    blueprint = schema_blueprint(make_blueprint, "current.json")
    build_file_tree(blueprint.root, {"schemas/v2.json": '{"required": ["name"]}'})
    (blueprint.root / "current.json").symlink_to(blueprint.root / "schemas/v2.json")
    assert new(blueprint, tmp_path / "out").outcome is Outcome.SUCCEEDED
