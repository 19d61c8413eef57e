"""Injection: snippets put into files the destination holds or the run renders.

Unit tests apply patches to bytes (after/before the first or last matching line, between
markers, at either end; idempotent; in item order; errors); the manifest's ``inject:`` is
checked at load; then runs through the library and real ``scaffold`` processes: the
built-in crud-endpoint's app module, re-runs, dry runs and a rollback after a failed check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

import scaffolder
from scaffolder.blueprint import Blueprint, Origin, load_blueprint
from scaffolder.catalog import SearchPath
from scaffolder.errors import BlueprintError, TemplateError
from scaffolder.inject import InjectionError, Occurrence, Patch, Placement, apply
from scaffolder.plan import FileStatus
from scaffolder.resources import load_schema
from tests.conftest import MakeBlueprint, build_file_tree, scaffold, snapshot, without_history

SHOWN = Path("dest/app.py")
SOURCE = "demo/blueprint.yaml: inject.0"


def patch(
    snippet: str,
    placement: Placement,
    anchor: str | None = None,
    *,
    end: str | None = None,
    where: Occurrence = Occurrence.FIRST,
    skip_if: str | None = None,
    item: int = 1,
) -> Patch:
    return Patch(
        PurePosixPath("app.py"),
        snippet,
        placement,
        anchor,
        end,
        where,
        skip_if,
        items=(item,),
        source=SOURCE,
        label=f"item {item}",
    )


def applied(text: str, *patches: Patch) -> str:
    return apply(SHOWN, text.encode(), patches).decode()


IMPORTS = "import os\nimport sys\n\nx = 1\n"


# -- applying patches ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("placement", "where", "expected"),
    [
        (Placement.AFTER, Occurrence.FIRST, "import os\nimport re\nimport sys\n\nx = 1\n"),
        (Placement.AFTER, Occurrence.LAST, "import os\nimport sys\nimport re\n\nx = 1\n"),
        (Placement.BEFORE, Occurrence.FIRST, "import re\nimport os\nimport sys\n\nx = 1\n"),
        (Placement.BEFORE, Occurrence.LAST, "import os\nimport re\nimport sys\n\nx = 1\n"),
    ],
)
def test_after_or_before_the_first_or_last_matching_line(
    placement: Placement, where: Occurrence, expected: str
) -> None:
    assert applied(IMPORTS, patch("import re\n", placement, "^import ", where=where)) == expected


def test_the_snippet_becomes_whole_lines_and_a_last_line_gets_its_ending() -> None:
    result = applied("import os", patch("import re", Placement.AFTER, "^import os$"))
    assert result == "import os\nimport re\n"


def test_a_pattern_over_several_lines_inserts_after_the_line_its_match_ends_on() -> None:
    text = "class A:\n    pass\nx = 1\n"
    result = applied(text, patch("y = 2\n", Placement.AFTER, r"class A:\n\s+pass"))
    assert result == "class A:\n    pass\ny = 2\nx = 1\n"


def test_at_the_end_and_at_the_start() -> None:
    assert applied("a\nb", patch("c\n", Placement.END)) == "a\nb\nc\n"
    assert applied("", patch("c\n", Placement.END)) == "c\n"
    assert applied("a\n", patch("#!/bin/sh\n", Placement.START)) == "#!/bin/sh\na\n"


def test_between_markers_replaces_what_is_between() -> None:
    text = "head\n# <routes>\nold one\nold two\n# </routes>\ntail\n"
    step = patch("new\n", Placement.BETWEEN, "# <routes>", end="# </routes>")
    result = applied(text, step)
    assert result == "head\n# <routes>\nnew\n# </routes>\ntail\n"
    assert applied(result, step) == result  # again: the same bytes
    empty = patch("", Placement.BETWEEN, "# <routes>", end="# </routes>")
    assert applied(text, empty) == "head\n# <routes>\n# </routes>\ntail\n"


def test_between_takes_literal_markers_and_the_last_pair_when_asked() -> None:
    text = "# [a] (x)\n1\n# end\n# [a] (x)\n2\n# end\n"
    step = patch("3\n", Placement.BETWEEN, "# [a] (x)", end="# end", where=Occurrence.LAST)
    assert applied(text, step) == "# [a] (x)\n1\n# end\n# [a] (x)\n3\n# end\n"


@pytest.mark.parametrize(
    "step",
    [
        patch("import re\n", Placement.AFTER, "^import "),
        patch("import re\n", Placement.BEFORE, "^x = ", where=Occurrence.LAST),
        patch("import re\n", Placement.END),
        patch("import re\n", Placement.START),
    ],
    ids=["after", "before", "end", "start"],
)
def test_a_snippet_already_there_is_left_alone(step: Patch) -> None:
    once = applied(IMPORTS, step)
    assert once != IMPORTS and once.count("import re\n") == 1
    assert applied(once, step) == once
    assert applied(IMPORTS, step, step) == once  # two items, the same snippet: once


def test_a_snippet_is_there_only_as_whole_lines() -> None:
    text = "import os_extra\nx = 1\n"
    assert applied(text, patch("import os", Placement.START)) == "import os\n" + text


def test_skip_if_decides_when_given() -> None:
    step = patch("GREETING = 'hi'\n", Placement.END, skip_if=r"^GREETING\s*=")
    assert applied("GREETING = 'hello'\n", step) == "GREETING = 'hello'\n"
    assert applied("x = 1\n", step) == "x = 1\nGREETING = 'hi'\n"


def test_patches_compose_in_item_order() -> None:
    steps = [
        patch(
            f"from app.api.{name} import router\n",
            Placement.AFTER,
            "^from ",
            where=Occurrence.LAST,
            item=n,
        )
        for n, name in enumerate(["users", "projects", "tasks"], start=1)
    ]
    result = applied("from fastapi import FastAPI\n\napp = FastAPI()\n", *steps)
    assert result.splitlines()[:4] == [
        "from fastapi import FastAPI",
        "from app.api.users import router",
        "from app.api.projects import router",
        "from app.api.tasks import router",
    ]


def test_where_last_stays_right_when_an_earlier_patch_edits_above_its_match() -> None:
    text = "# <\nsome long text between the markers\n# >\nfrom a import x\n"
    last = Occurrence.LAST
    result = applied(
        text,
        patch("from b import x\n", Placement.AFTER, "^from ", where=last),
        patch("", Placement.BETWEEN, "# <", end="# >"),  # shortens the text above the imports
        patch("from c import x\n", Placement.AFTER, "^from ", where=last),
        patch("from z import x\n", Placement.START),
        patch("from d import x\n", Placement.AFTER, "^from ", where=last),
    )
    assert result == (
        "from z import x\n# <\n# >\nfrom a import x\nfrom b import x\nfrom c import x\n"
        "from d import x\n"
    )


def test_windows_line_endings_are_kept() -> None:
    result = applied("a\r\nb\r\n", patch("c\nd\n", Placement.AFTER, "^a"))
    assert result == "a\r\nc\r\nd\r\nb\r\n"


def test_a_missing_anchor_names_the_file_the_pattern_and_the_item() -> None:
    with pytest.raises(InjectionError) as raised:
        applied(IMPORTS, patch("y = 2\n", Placement.AFTER, "^def main", item=3))
    message = raised.value.message
    assert str(SHOWN) in message and "'^def main'" in message
    assert SOURCE in message and "item 3" in message and "Nothing was written" in message


def test_missing_markers_are_errors() -> None:
    start_only = "# <a>\nx\n"
    with pytest.raises(InjectionError, match=r"no line holds the start marker '# <b>'"):
        applied(start_only, patch("y\n", Placement.BETWEEN, "# <b>", end="# </b>"))
    with pytest.raises(InjectionError, match=r"no line after '# <a>' holds the end marker"):
        applied(start_only, patch("y\n", Placement.BETWEEN, "# <a>", end="# </a>"))


def test_a_file_that_is_not_text_is_an_error() -> None:
    with pytest.raises(InjectionError, match="not UTF-8 text"):
        apply(SHOWN, b"\xff\xfe\x00", [patch("x\n", Placement.END)])


# -- the manifest ------------------------------------------------------------------------


def test_the_manifest_declares_injections(make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"snippets/route.py.jinja": "ROUTES.append({{ name!r }})\n", "a.txt": "a"},
        inject=[
            {"into": "app.py", "template": "snippets/route.py.jinja", "after": "^ROUTES = "},
            {"into": "app.py", "snippet": "x\n", "between": ["# <", "# >"], "where": "last"},
            {"into": "app.py", "snippet": "y\n", "at": "end"},
        ],
    )
    first, second, third = blueprint.injections
    assert (first.placement, first.anchor, first.template) == (
        Placement.AFTER,
        "^ROUTES = ",
        "snippets/route.py.jinja",
    )
    assert (second.placement, second.anchor, second.end, second.occurrence) == (
        Placement.BETWEEN,
        "# <",
        "# >",
        Occurrence.LAST,
    )
    assert third.placement is Placement.END
    # a snippet's template is not a file of its own
    assert [p.as_posix() for p in blueprint.template_files()] == ["a.txt"]


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        (
            {"into": "a.py", "snippet": "x", "after": "^def (main"},
            r"inject\.0\.after: '\^def \(main' is not a valid regular expression: missing \)",
        ),
        (
            {"into": "a.py", "snippet": "x", "at": "end", "skip_if": "[x"},
            r"inject\.0\.skip_if: '\[x' is not a valid regular expression",
        ),
        (
            {"into": "a.py", "snippet": "x", "after": "a", "before": "b"},
            r"inject\.0: give exactly one of after, before, between, at \(found 2\)",
        ),
        ({"into": "a.py", "after": "a"}, r"inject\.0: give exactly one of snippet .* \(found 0\)"),
        (
            {"into": "a.py", "snippet": "x", "at": "end", "where": "last"},
            r"inject\.0\.where: first or last applies to after",
        ),
        (
            {"into": "a.py", "template": "nope.jinja", "at": "end"},
            r"inject\.0\.template: no file nope\.jinja in .*template",
        ),
    ],
)
def test_a_bad_injection_is_reported_at_load_with_the_manifest_and_line(
    make_blueprint: MakeBlueprint, tmp_path: Path, entry: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(BlueprintError) as raised:
        make_blueprint({"a.txt": "a"}, inject=[entry])
    manifest = tmp_path / "blueprints" / "demo" / "blueprint.yaml"
    assert re.search(rf"{re.escape(str(manifest))}:\d+: {complaint}", raised.value.message), (
        raised.value.message
    )


def test_the_schema_refuses_unknown_keys_and_placements(make_blueprint: MakeBlueprint) -> None:
    with pytest.raises(BlueprintError, match=r"inject\.0: Additional properties .*'afterwards'"):
        make_blueprint({"a.txt": "a"}, inject=[{"into": "a", "snippet": "x", "afterwards": "y"}])
    with pytest.raises(BlueprintError, match=r"inject\.0\.at: 'middle' is not one of"):
        make_blueprint({"a.txt": "a"}, inject=[{"into": "a", "snippet": "x", "at": "middle"}])


def test_a_templated_pattern_is_checked_when_it_renders(
    make_blueprint: MakeBlueprint, tmp_path: Path
) -> None:
    blueprint = make_blueprint(
        {"a.txt": "a"}, inject=[{"into": "a.txt", "snippet": "x", "after": "^{{ name }}("}]
    )
    with pytest.raises(
        TemplateError, match=r"blueprint\.yaml: inject\.0\.after: '\^users\(' is not a valid"
    ):
        scaffolder.new(blueprint, {"name": "users"}, out=tmp_path / "out", check=False)
    assert not (tmp_path / "out").exists()


# -- runs through the library ------------------------------------------------------------

ROUTES = "ROUTES = []\n"
ROUTE = {
    "into": "{{ folder }}/routes.py",
    "snippet": "ROUTES.append({{ name | tojson }})\n",
    "after": "^ROUTES",
    "where": "last",
}
VARIABLES = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "folder": {"type": "string", "default": "app"}},
}


def routes_blueprint(make_blueprint: MakeBlueprint, **manifest: Any) -> Blueprint:
    return make_blueprint(
        {"{{ folder }}/{{ name }}.py.jinja": "NAME = {{ name | tojson }}\n"},
        variables=VARIABLES,
        **{"inject": [ROUTE], **manifest},
    )


def test_inject_into_an_existing_file_then_again_identical(
    make_blueprint: MakeBlueprint, tmp_path: Path
) -> None:
    out = build_file_tree(tmp_path / "out", {"app/routes.py": ROUTES})
    blueprint = routes_blueprint(make_blueprint)

    first = scaffolder.new(blueprint, {"name": "users"}, out=out, check=False)

    statuses = {f.path: f.status for f in first.files}
    assert statuses == {"app/routes.py": FileStatus.INJECT, "app/users.py": FileStatus.CREATE}
    assert (out / "app/routes.py").read_text() == ROUTES + 'ROUTES.append("users")\n'
    assert first.to_json()["counts"]["inject"] == 1
    item = first.items[0]
    assert "app/routes.py" in item.files  # the injected file is the item's too (checks)

    again = scaffolder.new(blueprint, {"name": "users"}, out=out, check=False)
    assert {f.status for f in again.files} == {FileStatus.IDENTICAL}


def test_several_items_compose_in_item_order_each_once(
    make_blueprint: MakeBlueprint, tmp_path: Path
) -> None:
    out = build_file_tree(tmp_path / "out", {"app/routes.py": ROUTES})
    shared = {"into": "app/routes.py", "snippet": "import json\n", "before": "^ROUTES"}
    routes_blueprint(make_blueprint, inject=[ROUTE, shared])
    items = tmp_path / "items.yaml"
    names = ["users", "projects", "users_archive", "tasks"]
    items.write_text(yaml.safe_dump({"blueprint": "demo", "items": [{"name": n} for n in names]}))

    report = scaffolder.run(items, out=out, check=False, search=_search(tmp_path))

    assert report.exit_code == 0
    assert (out / "app/routes.py").read_text() == (
        "import json\n" + ROUTES + "".join(f'ROUTES.append("{n}")\n' for n in names)
    )
    routes = next(f for f in report.files if f.path == "app/routes.py")
    assert routes.status is FileStatus.INJECT and routes.items == (1, 2, 3, 4)


def test_a_file_the_run_renders_is_injected_into_before_it_is_written(
    make_blueprint: MakeBlueprint, tmp_path: Path
) -> None:
    routes_blueprint(make_blueprint, skip_if_exists=["{{ folder }}/routes.py"])
    build_file_tree(tmp_path / "blueprints/demo/template", {"{{ folder }}/routes.py": ROUTES})
    items = tmp_path / "items.yaml"
    items.write_text(yaml.safe_dump({"blueprint": "demo", "items": [{"name": "a"}, {"name": "b"}]}))
    out = tmp_path / "out"

    first = scaffolder.run(items, out=out, check=False, search=_search(tmp_path))

    assert {f.path: f.status for f in first.files}["app/routes.py"] is FileStatus.CREATE
    assert (
        out / "app/routes.py"
    ).read_text() == ROUTES + 'ROUTES.append("a")\nROUTES.append("b")\n'
    # the file is there now: it is kept (skip_if_exists) and a new item injects into it
    third = scaffolder.new(
        load_blueprint(tmp_path / "blueprints/demo"), {"name": "c"}, out=out, check=False
    )
    assert {f.path: f.status for f in third.files}["app/routes.py"] is FileStatus.INJECT
    assert (out / "app/routes.py").read_text().endswith('ROUTES.append("b")\nROUTES.append("c")\n')


def test_a_missing_target_is_an_error_and_nothing_is_written(
    make_blueprint: MakeBlueprint, tmp_path: Path
) -> None:
    out = build_file_tree(tmp_path / "out", {"other.txt": "x"})
    before = snapshot(out)
    blueprint = routes_blueprint(make_blueprint)

    with pytest.raises(InjectionError) as raised:
        scaffolder.new(blueprint, {"name": "users"}, out=out, check=False)

    message = raised.value.message
    assert str(out / "app/routes.py") in message and "after '^ROUTES'" in message
    assert "does not exist and this run does not create it" in message
    assert snapshot(out) == before


def test_a_missing_anchor_in_the_destination_writes_nothing(
    make_blueprint: MakeBlueprint, tmp_path: Path
) -> None:
    out = build_file_tree(tmp_path / "out", {"app/routes.py": "routes = []\n"})
    before = snapshot(out)

    with pytest.raises(InjectionError, match=r"routes\.py: no line matches '\^ROUTES'"):
        scaffolder.new(routes_blueprint(make_blueprint), {"name": "u"}, out=out, check=False)
    assert snapshot(out) == before


def test_a_dry_run_shows_the_injection_as_a_diff(
    make_blueprint: MakeBlueprint, tmp_path: Path
) -> None:
    out = build_file_tree(tmp_path / "out", {"app/routes.py": ROUTES})
    before = snapshot(out)

    report = scaffolder.new(routes_blueprint(make_blueprint), {"name": "u"}, out=out, dry_run=True)

    routes = next(f for f in report.files if f.path == "app/routes.py")
    assert routes.status is FileStatus.INJECT
    assert routes.diff is not None
    assert "--- a/app/routes.py\n+++ b/app/routes.py\n" in routes.diff
    assert '+ROUTES.append("u")\n' in routes.diff
    assert snapshot(out) == before


def _search(tmp_path: Path) -> SearchPath:
    return SearchPath(((tmp_path / "blueprints", Origin.PATH),))


# -- the built-in crud-endpoint, with real `scaffold` processes ----------------------------


def report_of(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    errors = [e.message for e in Draft202012Validator(load_schema("report")).iter_errors(data)]
    assert not errors, errors
    return data


def statuses_of(data: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["status"] for f in data["files"]}


def test_crud_batch_includes_every_router_once_and_its_tests_pass_through_the_app(
    tmp_path: Path,
) -> None:
    """The issue's acceptance: a batch of 12 resources, then the same batch again."""
    resources = ["users", "projects", "stock_items", *(f"things{n}" for n in range(9))]
    items = tmp_path / "items.yaml"
    items.write_text(
        "blueprint: crud-endpoint\nitems:\n"
        + "".join(f"  - {{resource: {r}}}\n" for r in resources)
    )
    first = scaffold(tmp_path, "batch", items, "--out", "svc", "--json")
    data = report_of(first)
    assert first.returncode == 0, first.stdout + first.stderr
    assert statuses_of(data)["app/main.py"] == "create"
    checks = {c["kind"]: c for c in data["checks"]}
    assert checks["pytest"]["status"] == "passed"  # the generated tests, run through app.main
    assert "app/main.py" in checks["py_compile"]["files"]
    main = (tmp_path / "svc/app/main.py").read_text()
    assert len(resources) == 12
    for resource in resources:
        assert main.count(f"from app.api.{resource} import router as {resource}_router\n") == 1
        assert main.count(f"app.include_router({resource}_router)\n") == 1
    test = (tmp_path / "svc/tests/test_users_api.py").read_text()
    assert "from app.main import app" in test and "TestClient(app)" in test
    tree = without_history(snapshot(tmp_path / "svc"))

    again = scaffold(tmp_path, "batch", items, "--out", "svc", "--json", "--no-check")
    again_data = report_of(again)
    assert again.returncode == 0, again.stdout + again.stderr
    assert set(statuses_of(again_data).values()) == {"identical"}
    assert without_history(snapshot(tmp_path / "svc")) == tree

    # one more resource, alone, into the same folder: its router joins the app
    orders = scaffold(tmp_path, "new", "crud-endpoint", "--set", "resource=orders", "--out", "svc")
    assert orders.returncode == 0, orders.stdout + orders.stderr
    assert re.search(r"^\s*inject  app/main\.py$", orders.stdout, re.MULTILINE), orders.stdout
    assert "1 injected" in orders.stdout
    assert re.search(r"pytest run.*passed", orders.stdout)
    after = (tmp_path / "svc/app/main.py").read_text()
    assert after.startswith(main.split("\n\napp = FastAPI()")[0])
    assert after.endswith("app.include_router(things8_router)\napp.include_router(orders_router)\n")
    assert after.count("orders_router") == 2


def test_crud_dry_run_shows_the_inject_diff_and_writes_nothing(tmp_path: Path) -> None:
    first = scaffold(
        tmp_path, "new", "crud-endpoint", "--set", "resource=users", "--out", "svc", "--no-check"
    )
    assert first.returncode == 0, first.stdout + first.stderr
    before = snapshot(tmp_path / "svc")

    dry = scaffold(
        tmp_path,
        "new",
        "crud-endpoint",
        "--set",
        "resource=tasks",
        "--out",
        "svc",
        "--dry-run",
        "--json",
    )

    data = report_of(dry)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    main = next(f for f in data["files"] if f["path"] == "app/main.py")
    assert main["status"] == "inject"
    assert "+from app.api.tasks import router as tasks_router\n" in main["diff"]
    assert "+app.include_router(tasks_router)\n" in main["diff"]
    assert data["counts"]["inject"] == 1
    assert snapshot(tmp_path / "svc") == before


def test_a_failed_check_after_an_injection_restores_the_file(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path / "blueprints/broken",
        {
            "blueprint.yaml": yaml.safe_dump(
                {
                    "name": "broken",
                    "description": "injects code that does not compile",
                    "variables": {"type": "object", "properties": {"name": {"type": "string"}}},
                    "inject": [{"into": "app.py", "snippet": "def {{ name }}(:\n", "at": "end"}],
                    "checks": ["py_compile"],
                }
            ),
            "template/README.md": "made by broken\n",
        },
    )
    original = b"# the project's own module\r\nVALUE = 1"
    build_file_tree(tmp_path / "svc", {"app.py": original})
    before = snapshot(tmp_path / "svc")

    result = scaffold(
        tmp_path,
        "new",
        tmp_path / "blueprints/broken",
        "--set",
        "name=oops",
        "--out",
        "svc",
        "--json",
    )

    data = report_of(result)
    assert result.returncode == 1
    assert statuses_of(data) == {"README.md": "create", "app.py": "inject"}
    assert data["rolled_back"] is True
    failed = next(c for c in data["checks"] if c["status"] == "failed")
    assert failed["kind"] == "py_compile" and "app.py" in json.dumps(failed["problems"])
    assert (tmp_path / "svc/app.py").read_bytes() == original
    assert without_history(snapshot(tmp_path / "svc")) == without_history(before)
