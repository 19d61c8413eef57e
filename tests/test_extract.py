"""``scaffold extract``: a blueprint derived from examples renders every example back byte for
byte, and new names in every case and number.

The end-to-end tests run the real ``scaffold`` command, as a new user would: extract, then
``scaffold blueprint test``, then ``scaffold new`` with names the examples do not have.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffolder.extract import ExtractError, Extraction, extract, words
from scaffolder.sandbox import make_environment
from tests.conftest import build_file_tree, scaffold

PYTHON = sys.executable

ROUTER = '''\
"""The {plural} API: list, read and create {plural}."""

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

router = APIRouter(prefix="/{plural}", tags=["{plural}"])

{PLURAL}_TABLE = "{plural}"


class {Singular}(BaseModel):
    id: int
    name: str


_{PLURAL}: dict[int, {Singular}] = {{}}


@router.get("/")
def list_{plural}() -> list[{Singular}]:
    return list(_{PLURAL}.values())


@router.get("/{{{singular}_id}}")
def get_{singular}({singular}_id: int) -> {Singular}:
    if {singular}_id not in _{PLURAL}:
        raise HTTPException(status_code=404, detail="{Singular} not found")
    return _{PLURAL}[{singular}_id]


@router.post("/", status_code=201)
def create_{singular}({singular}: {Singular}) -> {Singular}:
    _{PLURAL}[{singular}.id] = {singular}
    return {singular}
'''

ROUTER_TEST = """\
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.{plural} import router

app = FastAPI()
app.include_router(router)
client = TestClient(app)


def test_create_and_get_{singular}() -> None:
    response = client.post("/{plural}/", json={{"id": 1, "name": "first {singular}"}})
    assert response.status_code == 201
    assert client.get("/{plural}/1").json()["name"] == "first {singular}"


def test_missing_{singular}() -> None:
    assert client.get("/{plural}/99").status_code == 404
"""


def router_example(singular: str, plural: str) -> dict[str, str]:
    """One hand-written example: a FastAPI router module and its tests."""
    names = {
        "singular": singular,
        "plural": plural,
        "Singular": singular.capitalize(),
        "PLURAL": plural.upper(),
    }
    return {
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        f"app/api/{plural}.py": ROUTER.format(**names),
        "tests/__init__.py": "",
        f"tests/test_{plural}.py": ROUTER_TEST.format(**names),
    }


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but scaffold's own records, by relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".scaffold" not in path.relative_to(root).parts
    }


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_fastapi_routers_become_a_blueprint_that_renders_new_resources(tmp_path: Path) -> None:
    for singular, plural in [
        ("user", "users"),
        ("project", "projects"),
        ("category", "categories"),
    ]:
        build_file_tree(tmp_path / "examples" / plural, router_example(singular, plural))
    project = tmp_path / "project"
    project.mkdir()
    examples = [tmp_path / "examples" / p for p in ("users", "projects", "categories")]

    output = ok(scaffold(project, "extract", *examples, "--name", "api-router"))
    assert "renders back byte for byte" in output
    root = project / ".scaffold" / "blueprints" / "api-router"
    manifest = yaml.safe_load((root / "blueprint.yaml").read_text())
    assert manifest["variables"]["required"] == ["resource"]
    assert manifest["variables"]["properties"]["resource"]["pattern"] == "^[a-z][a-z0-9_]*$"
    assert manifest["examples"] == [
        {"resource": "users"},
        {"resource": "projects"},
        {"resource": "categories"},
    ]
    assert manifest["checks"][0] == "py_compile"
    assert manifest["checks"][1]["import"]["modules"] == ["app.api.{{ resource }}"]
    assert manifest["checks"][2]["pytest"]["run"] is True
    router = (root / "template" / "app" / "api" / "{{ resource }}.py.jinja").read_text()
    assert "class {{ resource | singular | pascal }}(BaseModel):" in router
    assert "_{{ resource | upper }}: dict[int, {{ resource | singular | pascal }}]" in router

    ok(scaffold(project, "blueprint", "test", "api-router", "--trust", "--python", PYTHON))

    # each example renders back byte for byte through `scaffold new`
    for example in examples:
        again = tmp_path / "again" / example.name
        values = ["--set", f"resource={example.name}", "--out", again, "--no-check"]
        ok(scaffold(project, "new", "api-router", *values))
        assert files_of(again) == files_of(example)

    service = tmp_path / "service"
    for resource in ("people", "comments"):
        values = ["--set", f"resource={resource}", "--out", service]
        ok(scaffold(project, "new", "api-router", *values, "--trust", "--python", PYTHON))
    people = (service / "app" / "api" / "people.py").read_text()
    comments = (service / "app" / "api" / "comments.py").read_text()
    for text in (
        "class Person(BaseModel):",
        "def list_people() -> list[Person]:",
        "def get_person(person_id: int) -> Person:",
        'APIRouter(prefix="/people"',
        'PEOPLE_TABLE = "people"',
        '"/{person_id}"',
    ):
        assert text in people
    assert "class Comment(BaseModel):" in comments
    assert "def create_comment(comment: Comment) -> Comment:" in comments
    assert (service / "tests" / "test_people.py").is_file()

    probe = (
        "import py_compile, sys\n"
        "sys.path.insert(0, '.')\n"
        "for path in ['app/api/people.py', 'app/api/comments.py', 'tests/test_people.py']:\n"
        "    py_compile.compile(path, cfile=None, doraise=True)\n"
        "import app.api.people, app.api.comments\n"
        "print(app.api.people.Person.__name__, app.api.comments.Comment.__name__,\n"
        "      [r.path for r in app.api.people.router.routes])\n"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [PYTHON, "-c", probe], cwd=service, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Person Comment ['/people/', '/people/{person_id}'")


DOC_PAGE = """\
---
title: {Title}
owner: team-{name}
---
# {Title} service

{summary}
Read `{{{{ {name}.url }}}}` in templates; `{{% raw %}}` and `{{# note #}}` stay as written.
A brace before a name: {{{name}}}.

## Usage

```sh
curl https://{name}.example.com/health
```

## Owners

Team {Title}, on call via #{name}-oncall.
"""

CONFIG = """\
service: {name}-api  # the {name} API
port: {port}
replicas: {replicas}
database:
  url: postgres://db/{name}
  pool: 5
"""


def test_markdown_pages_and_yaml_configs_render_back_byte_for_byte(tmp_path: Path) -> None:
    pages = build_file_tree(
        tmp_path / "docs",
        {
            "billing.md": DOC_PAGE.format(
                name="billing", Title="Billing", summary="The billing service handles invoices."
            ),
            "search.md": DOC_PAGE.format(
                name="search",
                Title="Search",
                summary="Search indexes documents\nfor full-text queries.",
            ),
        },
    )
    configs = build_file_tree(
        tmp_path / "config",
        {
            "billing.yaml": CONFIG.format(name="billing", port=8080, replicas=2),
            "search.yaml": CONFIG.format(name="search", port=9090, replicas=3),
        },
    )
    for name, folder, files in [
        ("doc-page", pages, ["billing.md", "search.md"]),
        ("service-config", configs, ["billing.yaml", "search.yaml"]),
    ]:
        out = tmp_path / "blueprints" / name
        args = ["extract", *(folder / f for f in files), "--name", name, "--out", out, "--json"]
        report = json.loads(ok(scaffold(tmp_path, *args)))
        assert report["verified"] == 2
        kept = tmp_path / "kept" / name
        ok(scaffold(tmp_path, "blueprint", "test", out, "--keep", kept))
        for number, file in enumerate(files, start=1):
            rendered = files_of(kept / f"example-{number}")
            assert rendered == {file: (folder / file).read_bytes()}

    doc = yaml.safe_load((tmp_path / "blueprints" / "doc-page" / "blueprint.yaml").read_text())
    assert doc["checks"] == [{"markdown": {"sections": ["Usage", "Owners"]}}]
    assert [e["name"] for e in doc["examples"]] == ["billing", "search"]
    config = yaml.safe_load(
        (tmp_path / "blueprints" / "service-config" / "blueprint.yaml").read_text()
    )
    assert config["checks"] == ["yaml"]
    assert config["examples"] == [
        {"name": "billing", "replicas": 2, "port": 8080},
        {"name": "search", "replicas": 3, "port": 9090},
    ]
    assert config["variables"]["properties"]["port"]["type"] == "integer"


def test_a_difference_no_name_explains_is_reported_with_its_line(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "users.py": "USERS = []\n\n\ndef add_user(user):\n    USERS.append(user)\n",
            "orders.py": "ORDERS = []\n\n\ndef add_order(order):\n    print('adding', order)\n"
            "    ORDERS.append(order)\n",
        },
    )
    result = scaffold(tmp_path, "extract", "users.py", "orders.py", "--name", "store", "--strict")
    assert result.returncode == 1
    assert "orders.py:5: " in result.stderr and "no name explains" in result.stderr
    assert not (tmp_path / ".scaffold").exists()

    output = ok(scaffold(tmp_path, "extract", "users.py", "orders.py", "--name", "store"))
    assert "kept      orders.py:5: differs in a way no name explains" in output
    report = json.loads(
        ok(
            scaffold(
                tmp_path, "extract", "users.py", "orders.py", "--name", "store", "--json", "--force"
            )
        )
    )
    assert [(k["where"], k["line"]) for k in report["kept"]] == [
        ("orders.py:5", "    print('adding', order)")
    ]
    text = next(v for v in report["variables"] if v["kind"] == "text")
    assert text["values"] == ["", "    print('adding', order)\n"]
    # a line that differs in both examples is named in the first
    build_file_tree(
        tmp_path,
        {
            "a.py": "def add_user(user):\n    return 'a'\n",
            "b.py": "def add_order(order):\n    return 'some words instead'\n",
        },
    )
    report = json.loads(ok(scaffold(tmp_path, "extract", "a.py", "b.py", "-n", "x", "--json")))
    assert [(k["where"], k["line"]) for k in report["kept"]] == [("a.py:2", "    return 'a'")]


def test_existing_blueprints_are_replaced_only_with_force(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"a/users.txt": "users\n", "b/teams.txt": "teams\n"})
    out = tmp_path / "bp"
    build_file_tree(out, {"notes.txt": "mine\n"})
    refused = scaffold(tmp_path, "extract", "a/users.txt", "b/teams.txt", "-n", "x", "-o", out)
    assert refused.returncode == 1 and "already exists; give --force" in refused.stderr
    forced = scaffold(
        tmp_path, "extract", "a/users.txt", "b/teams.txt", "-n", "x", "-o", out, "--force"
    )
    assert forced.returncode == 1 and "not a blueprint folder" in forced.stderr
    assert (out / "notes.txt").read_text() == "mine\n"

    other = tmp_path / "bp2"
    ok(scaffold(tmp_path, "extract", "a/users.txt", "b/teams.txt", "-n", "x", "-o", other))
    again = scaffold(tmp_path, "extract", "a/users.txt", "b/teams.txt", "-n", "x", "-o", other)
    assert again.returncode == 1
    ok(
        scaffold(
            tmp_path, "extract", "a/users.txt", "b/teams.txt", "-n", "y", "-o", other, "--force"
        )
    )
    assert yaml.safe_load((other / "blueprint.yaml").read_text())["name"] == "y"


def test_usage_and_example_errors(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "one/a.py": "A = 1\n",
            "two/b.py": "B = 1\n",
            "two/c.py": "C = 1\n",
            "f.py": "x\n",
        },
    )
    single = scaffold(tmp_path, "extract", "one", "--name", "x")
    assert single.returncode == 2 and "two or more examples" in single.stderr
    bad_name = scaffold(tmp_path, "extract", "one", "two", "--name", "Bad_Name")
    assert bad_name.returncode == 2 and "lower-case words joined by hyphens" in bad_name.stderr
    layout = scaffold(tmp_path, "extract", "one", "two", "--name", "x")
    assert layout.returncode == 1 and "two has 2 files, one has 1" in layout.stderr
    mixed = scaffold(tmp_path, "extract", "one", "f.py", "--name", "x")
    assert mixed.returncode == 1 and "mix files and folders" in mixed.stderr
    for result in (single, bad_name, layout, mixed):
        assert "Traceback" not in result.stderr
    assert not (tmp_path / ".scaffold").exists()


def render(expression: str, value: str) -> str:
    return make_environment().from_string("{{ " + expression + " }}").render(v=value)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("user", "users"),
        ("users", "users"),
        ("User", "users"),
        ("Users", "users"),
        ("USER", "users"),
        ("USERS_TABLE", "users"),
        ("user_profile", "user_profiles"),
        ("user-profile", "user_profiles"),
        ("UserProfile", "user_profiles"),
        ("userProfiles", "user_profiles"),
        ("USER_PROFILES", "user_profiles"),
        ("person", "people"),
        ("People", "people"),
        ("category", "categories"),
        ("Categories", "categories"),
        ("comment", "comment"),
        ("comments", "comment"),
    ],
)
def test_one_word_in_each_case_and_number_comes_from_one_value(text: str, stored: str) -> None:
    found = words.split(text)
    size = len(stored.split("_"))
    run = found[:size]
    assert words.key([w.text for w in run]) == words.key(stored.split("_"))
    case = words.case_of(run, text, "module.py")
    assert case is not None
    form = words.Form(words.is_plural(run[-1].text), case)
    chain = words.filters_for(form, words.is_plural(stored), invariant=False)
    assert render(words.expression("v", chain), stored) == text[run[0].start : run[-1].end]


def test_every_form_of_a_word_becomes_one_variable(tmp_path: Path) -> None:
    def forms(one: str, many: str) -> str:
        return (
            f"{one} {many} {one.title()} {many.title()} {one.upper()} {many.upper()}_TABLE "
            f"{one}_profile {one}-profile {one.title()}Profile\n"
        )

    files = {
        "person.txt": forms("person", "people"),
        "category.txt": forms("category", "categories"),
    }
    build_file_tree(tmp_path, files)
    result = extract(
        [tmp_path / "person.txt", tmp_path / "category.txt"], name="forms", out=tmp_path / "bp"
    )
    assert [(v.name, v.values) for v in result.variables] == [("name", ("person", "category"))]
    source = (tmp_path / "bp" / "template" / "{{ name }}.txt.jinja").read_text()
    assert "person" not in source.lower() and "people" not in source.lower()
    # a capitalised word on its own in a text file is a title: `title` (in code: `pascal`)
    assert source == (
        "{{ name }} {{ name | plural }} {{ name | title }} {{ name | plural | title }} "
        "{{ name | upper }} {{ name | plural | upper }}_TABLE {{ name }}_profile "
        "{{ name }}-profile {{ name | pascal }}Profile\n"
    )


def test_examples_that_differ_in_a_binary_file_are_refused(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"a/x.bin": b"\xff\x00a", "b/x.bin": b"\xff\x00b"})
    with pytest.raises(ExtractError, match=r"x\.bin: binary"):
        extract([tmp_path / "a", tmp_path / "b"], name="bin", out=tmp_path / "bp")
    assert not (tmp_path / "bp").exists()


def test_carriage_returns_and_a_missing_last_newline_come_back(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {
        "a/alpha.ini": b"[alpha]\r\nname = alpha\r\nbraces = {{ {% {#\r\nend",
        "b/beta.ini": b"[beta]\r\nname = beta\r\nbraces = {{ {% {#\r\nend",
    })  # fmt: skip
    result = extract([tmp_path / "a", tmp_path / "b"], name="ini", out=tmp_path / "bp")
    assert result.kept == ()
    assert [(v.name, v.values) for v in result.variables] == [("name", ("alpha", "beta"))]
    assert result.templates == ("{{ name }}.ini.jinja",)


def test_a_file_name_no_name_explains_is_kept_per_example(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"a/Foo_bar.txt": "hello alpha\n", "b/baz-Qux.txt": "hello beta\n"})
    result = extract([tmp_path / "a", tmp_path / "b"], name="p", out=tmp_path / "bp")
    assert [(v.name, v.values, v.where) for v in result.kept] == [
        ("path_1", ("Foo_bar.txt", "baz-Qux.txt"), f"{tmp_path / 'a'}/Foo_bar.txt")
    ]
    assert result.templates == ("{{ path_1 }}.jinja",)
    # the file name's words came first; kept as text, `name` goes to the next word
    names = [(v.name, v.values) for v in result.variables if v.kind.value == "name"]
    assert names == [("name", ("alpha", "beta"))]


def test_examples_that_do_not_differ_are_refused(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {"a/x.txt": "same\n", "b/x.txt": "same\n"})
    with pytest.raises(ExtractError, match="the examples are the same"):
        extract([tmp_path / "a", tmp_path / "b"], name="same", out=tmp_path / "bp")
    assert not (tmp_path / "bp").exists()


def test_folders_with_a_page_and_a_config_each_render_back(tmp_path: Path) -> None:
    for name, title, port in [("billing", "Billing", 8080), ("search", "Search", 9090)]:
        summary = f"The {name} service."
        build_file_tree(tmp_path / name, {
            f"docs/{name}.md": DOC_PAGE.format(name=name, Title=title, summary=summary),
            f"config/{name}.yaml": CONFIG.format(name=name, port=port, replicas=2),
        })  # fmt: skip
    out = tmp_path / "bp"
    ok(scaffold(tmp_path, "extract", "billing", "search", "-n", "service", "-o", out))
    kept = tmp_path / "kept"
    ok(scaffold(tmp_path, "blueprint", "test", out, "--keep", kept))
    assert files_of(kept / "example-1") == files_of(tmp_path / "billing")
    assert files_of(kept / "example-2") == files_of(tmp_path / "search")
    manifest = yaml.safe_load((out / "blueprint.yaml").read_text())
    assert manifest["checks"] == ["yaml", {"markdown": {"sections": ["Usage", "Owners"]}}]
    assert manifest["examples"] == [
        {"name": "billing", "port": 8080},
        {"name": "search", "port": 9090},
    ]


def _apply(opcodes: list[tuple[str, int, int, int, int]], a: list[str], b: list[str]) -> list[str]:
    out, at_a, at_b = [], 0, 0
    for tag, i1, i2, j1, j2 in opcodes:
        assert (i1, j1) == (at_a, at_b)
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        out += b[j1:j2]
        at_a, at_b = i2, j2
    assert (at_a, at_b) == (len(a), len(b))
    return out


@pytest.mark.parametrize("limit", [2000, 3])
def test_alignment_turns_one_sequence_into_the_other(
    limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import difflib
    import random

    from scaffolder.extract import align

    monkeypatch.setattr(align, "MAX_DIFFERENCES", limit)
    chosen = random.Random(12)
    for _ in range(500):
        a = [chosen.choice("abc") for _ in range(chosen.randint(0, 12))]
        b = [chosen.choice("abc") for _ in range(chosen.randint(0, 12))]
        opcodes = align.opcodes(a, b)
        assert _apply(opcodes, a, b) == b
        if limit == 2000:  # a shortest edit script keeps at least what difflib keeps
            kept = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            assert kept >= sum(block.size for block in matcher.get_matching_blocks())


def test_long_examples_of_many_alike_lines_are_aligned_quickly(tmp_path: Path) -> None:
    """3,000 lines of a handful of shapes, one example with lines the others lack."""
    import time

    for singular, plural in [("user", "users"), ("order", "orders"), ("person", "people")]:
        lines = []
        for number in range(1500):
            lines.append(f"def get_{singular}_{number}({singular}_id: int) -> {singular.title()}:")
            lines.append(f'    return fetch("{plural}", {singular}_id + {number})')
            if number % 500 == 0 and singular == "order":
                lines.append("    # a line only orders has")
        (tmp_path / f"{plural}.py").write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    result = extract(
        [tmp_path / "users.py", tmp_path / "orders.py", tmp_path / "people.py"],
        name="long",
        out=tmp_path / "bp",
    )
    assert time.monotonic() - started < 60
    assert [(v.name, v.values) for v in result.variables if v.kind.value == "name"] == [
        ("resource", ("users", "orders", "people"))
    ]
    assert [v.line for v in result.kept] == ["    # a line only orders has"] * 3


def from_files(tmp_path: Path, files: dict[str, str]) -> tuple[Extraction, Path]:
    """Extract the blueprint ``bp`` from example files, in the order given."""
    build_file_tree(tmp_path, files)
    out = tmp_path / "bp"
    return extract([tmp_path / name for name in files], name="bp", out=out), out


def test_two_independent_words_one_that_only_looks_plural_are_two_variables(
    tmp_path: Path,
) -> None:
    # "postgres" and "redis" end in s but are not plurals; mysql is not plural either
    config = (
        "# {plural} on {db}\nservice:\n  name: {plural}\n  database: {db}\n"
        "  env:\n    {PLURAL}_URL: {db}://db/{plural}\n"
    )
    result, out = from_files(tmp_path, {
        "users_postgres.yaml": config.format(plural="users", PLURAL="USERS", db="postgres"),
        "orders_mysql.yaml": config.format(plural="orders", PLURAL="ORDERS", db="mysql"),
    })  # fmt: skip
    assert result.kept == ()
    assert [(v.name, v.values) for v in result.variables] == [
        ("resource", ("users", "orders")),
        ("database", ("postgres", "mysql")),
    ]
    assert result.templates == ("{{ resource }}_{{ database }}.yaml.jinja",)
    ok(scaffold(tmp_path, "new", out, "-s", "resource=people", "-s", "database=redis", "-o", "o"))
    assert (tmp_path / "o" / "people_redis.yaml").read_text() == config.format(
        plural="people", PLURAL="PEOPLE", db="redis"
    )


def test_a_one_word_name_takes_its_case_from_an_example_that_has_more_words(
    tmp_path: Path,
) -> None:
    # `user` alone could be snake, camel or kebab; `orderItem` and `order-item` tell
    card = (
        'import type {{ {Pascal} }} from "../types/{camel}";\n\n'
        "export const {Pascal}Card = ({{ {camel} }}: {{ {camel}: {Pascal} }}) => (\n"
        '  <div data-testid="{kebab}-card">{{{camel}.name}}</div>\n);\n'
    )
    result, out = from_files(tmp_path, {
        "UserCard.tsx": card.format(Pascal="User", camel="user", kebab="user"),
        "OrderItemCard.tsx": card.format(Pascal="OrderItem", camel="orderItem", kebab="order-item"),
    })  # fmt: skip
    assert result.kept == ()
    assert [(v.name, v.values) for v in result.variables] == [("name", ("user", "order_item"))]
    ok(scaffold(tmp_path, "new", out, "-s", "name=invoice_line", "-o", "o"))
    assert (tmp_path / "o" / "InvoiceLineCard.tsx").read_text() == card.format(
        Pascal="InvoiceLine", camel="invoiceLine", kebab="invoice-line"
    )


def test_lines_kept_as_one_text_are_named_by_their_first_and_last_line(tmp_path: Path) -> None:
    build_file_tree(tmp_path, {
        "a.py": "def add_user(user):\n    x = 'a'\n    return 'a'\n\n\nUSER = 1\n",
        "b.py": "def add_order(order):\n    y = 'more words'\n    return 'some words'\n\n\nORDER = 1\n",
    })  # fmt: skip
    output = ok(scaffold(tmp_path, "extract", "a.py", "b.py", "-n", "x"))
    assert "kept      a.py:2-3: differs in a way no name explains; kept per example as text_1" in (
        output
    )


def test_a_value_is_named_after_its_key_without_the_other_variables_words(
    tmp_path: Path,
) -> None:
    dockerfile = "WORKDIR /srv/{name}\nENV {NAME}_PORT={port}\nEXPOSE {port}\n"
    build_file_tree(tmp_path, {
        "billing/Dockerfile": dockerfile.format(name="billing", NAME="BILLING", port=8080),
        "search/Dockerfile": dockerfile.format(name="search", NAME="SEARCH", port=9090),
    })  # fmt: skip
    result = extract([tmp_path / "billing", tmp_path / "search"], name="d", out=tmp_path / "bp")
    assert [(v.name, v.values) for v in result.variables] == [
        ("name", ("billing", "search")),
        ("port", (8080, 9090)),  # not billing_port: its key is SEARCH_PORT in the other
    ]


def test_a_date_is_one_value_named_after_its_key(tmp_path: Path) -> None:
    page = "---\ntitle: Release notes\ndate: {date}\n---\n\nReleased on {date}.\n"
    result, out = from_files(tmp_path, {
        "2024-01-15.md": page.format(date="2024-01-15"),
        "2024-03-02.md": page.format(date="2024-03-02"),
    })  # fmt: skip
    assert [(v.name, v.values) for v in result.variables] == [
        ("date", ("2024-01-15", "2024-03-02"))
    ]
    assert result.templates == ("{{ date }}.md.jinja",)
    ok(scaffold(tmp_path, "new", out, "-s", "date=2025-06-30", "-o", "o"))
    assert (tmp_path / "o" / "2025-06-30.md").read_text() == page.format(date="2025-06-30")


def test_files_pair_by_their_words_when_a_name_of_more_words_changes_their_shape(
    tmp_path: Path,
) -> None:
    for plural in ("users", "line_items"):
        build_file_tree(tmp_path / plural, {
            f"cli/export_{plural}.py": f"def export_{plural}() -> str:\n    return '{plural}'\n",
            f"tests/test_export_{plural}.py": f"from cli.export_{plural} import export_{plural}\n",
        })  # fmt: skip
    result = extract([tmp_path / "users", tmp_path / "line_items"], name="e", out=tmp_path / "bp")
    assert result.kept == ()
    assert result.templates == (
        "cli/export_{{ resource }}.py.jinja",
        "tests/test_export_{{ resource }}.py.jinja",
    )


def test_a_kept_line_of_a_crlf_file_is_shown_without_its_carriage_return(tmp_path: Path) -> None:
    result, _ = from_files(tmp_path, {
        "user.py": 'class User:\r\n    x = 1\r\n',
        "order.py": 'class Order:\r\n    y = "other words"\r\n',
    })  # fmt: skip
    assert [(v.where, v.line) for v in result.kept] == [(f"{tmp_path / 'user.py'}:2", "    x = 1")]


def test_names_with_digits_and_acronyms_are_words(tmp_path: Path) -> None:
    assert [w.text for w in words.split("EC2Instance S3Bucket HTTP2Client")] == [
        "EC2", "Instance", "S3", "Bucket", "HTTP2", "Client",
    ]  # fmt: skip
    assert [words.singular(w) for w in ("s3", "k8s", "us", "os", "users")] == [
        "s3", "k8s", "us", "os", "user",
    ]  # fmt: skip
    module = 'class {Pascal}:\n    """An {UPPER} {noun}."""\n\n    client = "{lower}"\n'
    result, out = from_files(tmp_path, {
        "s3_bucket.py": module.format(Pascal="S3Bucket", UPPER="S3", noun="bucket", lower="s3"),
        "ec2_instance.py": module.format(
            Pascal="Ec2Instance", UPPER="EC2", noun="instance", lower="ec2"
        ),
    })  # fmt: skip
    assert result.kept == ()
    ok(scaffold(tmp_path, "new", out, "-s", "name=ecr", "-s", "name_2=image", "-o", "o", "--trust"))
    assert (tmp_path / "o" / "ecr_image.py").read_text() == module.format(
        Pascal="EcrImage", UPPER="ECR", noun="image", lower="ecr"
    )


def test_numbered_variables_have_no_gaps(tmp_path: Path) -> None:
    # database is named after its key, but takes no number: the next is name_2, not name_3
    config = "service: {name}\ndatabase: {db}\nimage: api-{tag}\n"
    result, _ = from_files(tmp_path, {
        "billing.yaml": config.format(name="billing", db="postgres", tag="stable"),
        "search.yaml": config.format(name="search", db="mysql", tag="edge"),
    })  # fmt: skip
    assert [v.name for v in result.variables] == ["name", "database", "name_2"]


def test_the_next_step_asks_for_trust_only_when_a_proposed_check_runs_code(
    tmp_path: Path,
) -> None:
    module = "def get_{w}() -> str:\n    return '{w}'\n"
    code, _ = from_files(
        tmp_path / "code",
        {"users.py": module.format(w="users"), "orders.py": module.format(w="orders")},
    )
    assert any(c.startswith("import") for c in code.checks) and code.needs_trust
    page = "# {w}\n\nAll about {w}.\n"
    docs, _ = from_files(
        tmp_path / "docs",
        {"users.md": page.format(w="users"), "orders.md": page.format(w="orders")},
    )
    assert not docs.needs_trust
    shown = scaffold(tmp_path / "code", "extract", "users.py", "orders.py", "--name", "getter")
    assert "Next: scaffold blueprint test" in shown.stdout and shown.stdout.rstrip().endswith(
        "--trust"
    )
