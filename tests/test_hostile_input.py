"""Hostile input: every case is refused with exit 1, a message that names the place
and the fix, no traceback, nothing written, and in bounded time (issue 8, item 8).

Each test works in ``tmp_path`` (the ``isolated`` fixture moves there); the ones that
could hang on a regression run the real ``scaffold`` in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from scaffolder.batches import render_batches
from scaffolder.blueprint import load_blueprint
from scaffolder.cli import app
from scaffolder.errors import BlueprintError, ConfinementError, ScaffoldError, TemplateError
from scaffolder.paths import MAX_NAME_BYTES, confine
from scaffolder.render import Renderer
from scaffolder.variables import Item
from scaffolder.yamlsource import parse_yaml
from tests.conftest import build_file_tree

pytestmark = pytest.mark.usefixtures("isolated")

runner = CliRunner(env={"COLUMNS": "1000", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
SCAFFOLD = Path(sys.executable).parent / "scaffold"

VARIABLES: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "count": {"type": "integer", "default": 1},
        "fields": {"type": "array", "default": []},
    },
}


def blueprint(
    root: Path,
    templates: dict[str, str | bytes] | None = None,
    manifest: str | None = None,
    **extra: Any,
) -> Path:
    """A small blueprint at ``root``; ``manifest`` replaces its blueprint.yaml text."""
    data = {"name": "demo", "description": "a demo", "variables": VARIABLES, **extra}
    text = manifest if manifest is not None else yaml.safe_dump(data, sort_keys=False)
    build_file_tree(root, {"blueprint.yaml": text})
    build_file_tree(root / "template", templates or {"{{ name }}.txt.jinja": "hi {{ name }}\n"})
    return root


def run(*args: str | Path, env: dict[str, str] | None = None) -> tuple[Result, float]:
    started = time.perf_counter()
    result = runner.invoke(app, [str(a) for a in args], env=env)
    elapsed = time.perf_counter() - started
    # a handled error ends in SystemExit; anything else escaped the error handler
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result, elapsed


def refused(result: Result, *words: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.output
    for word in words:
        assert word in result.output, (word, result.output)


def run_process(
    *args: str | Path, timeout: float = 30, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCAFFOLD), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "1000", **(env or {})},
        check=False,
    )


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


# 1. YAML aliases and nesting


def test_alias_bomb_in_an_items_file_is_refused_at_once(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    (tmp_path / "items.yaml").write_text(
        "blueprint: ./bp\n" + BOMB + "items: [{name: a, fields: *h}]\n"
    )
    assert len(BOMB) < 400
    result, elapsed = run("batch", "items.yaml", "--out", "out")
    refused(result, "items.yaml:", "aliases", "1,000,000 values")
    assert elapsed < 10
    assert not (tmp_path / "out").exists()


def test_alias_bomb_in_a_data_file_is_refused(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    (tmp_path / "data.yaml").write_text(BOMB + "name: x\n")
    result, elapsed = run("new", "./bp", "--data-file", "data.yaml", "--out", "out")
    refused(result, "data.yaml:", "aliases")
    assert elapsed < 10
    assert not (tmp_path / "out").exists()


def test_alias_bomb_in_a_manifest_is_refused(tmp_path: Path) -> None:
    manifest = (
        "name: demo\ndescription: a demo\nvariables:\n  type: object\n  $defs:\n"
        + "".join(f"    {line}\n" for line in BOMB.splitlines())
        + "examples: [{list: *h}]\n"
    )
    blueprint(tmp_path / "bp", manifest=manifest)
    result, elapsed = run("new", "./bp", "--set", "name=x", "--out", "out")
    refused(result, "blueprint.yaml:", "aliases")
    assert elapsed < 10
    assert not (tmp_path / "out").exists()


def test_counting_lines_walks_a_repeated_value_once() -> None:
    # 9**6 = 531,441 values once expanded: under the limit, and read in well under a
    # second because the lines are collected on the node graph, not its expansion
    text = "\n".join(BOMB.splitlines()[:6]) + "\n"
    started = time.perf_counter()
    document = parse_yaml(text, "six.yaml")
    assert time.perf_counter() - started < 5
    assert len(document.data["f"]) == 9
    assert len(document.lines) < 200
    assert document.line_of(("a", 8)) == 1
    assert document.line_of(("f", 8, 8, 8, 8, 8)) == 5  # *e, the list of line 5


def test_a_recursive_alias_is_an_error(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    (tmp_path / "items.yaml").write_text("blueprint: ./bp\nitems: &x [*x]\n")
    result, _ = run("batch", "items.yaml", "--out", "out")
    refused(result, "items.yaml:2", "recursive alias")
    assert not (tmp_path / "out").exists()


def test_a_recursive_mapping_alias_is_an_error() -> None:
    with pytest.raises(ScaffoldError, match=r"^m\.yaml:1: a recursive alias"):
        parse_yaml("a: &x {b: [1, {c: *x}]}\n", "m.yaml")


def test_nesting_deeper_than_the_limit_is_an_error(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    deep = "[" * 900 + "]" * 900
    (tmp_path / "items.yaml").write_text(f"blueprint: ./bp\nitems: [{{name: a, fields: {deep}}}]\n")
    result, _ = run("batch", "items.yaml", "--out", "out")
    refused(result, "items.yaml:2", "nested deeper than 100 levels")
    (tmp_path / "flat.yaml").write_text(f"blueprint: ./bp\nitems: {deep}\n")
    result, _ = run("batch", "flat.yaml", "--out", "out")
    refused(result, "flat.yaml:2", "nested deeper than 100 levels")
    assert not (tmp_path / "out").exists()


def test_nesting_up_to_the_limit_is_read() -> None:
    document = parse_yaml("a: " + "[" * 99 + "]" * 99 + "\n", "ok.yaml")
    assert isinstance(document.data["a"], list)


def test_a_recursion_error_while_parsing_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import scaffolder.yamlsource as yamlsource

    def explode(self: Any, node: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(yamlsource._Loader, "construct_document", explode)
    with pytest.raises(ScaffoldError, match=r"^r\.yaml: nested too deeply to read"):
        parse_yaml("a: [1]\n", "r.yaml")


# 2. huge integers

HUGE = "9" * 5000


def test_a_5000_digit_integer_in_set(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    result, _ = run("new", "./bp", "--set", "name=x", "--set", f"count={HUGE}", "--out", "out")
    refused(result, "count", "4300 digits")
    assert HUGE not in result.output  # shortened, not echoed whole
    result, _ = run("new", "./bp", "--set", "name=x", "--set", f"fields=[{HUGE}]", "--out", "o")
    refused(result, "fields")
    assert not (tmp_path / "out").exists() and not (tmp_path / "o").exists()


def test_a_5000_digit_integer_in_an_items_file(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    (tmp_path / "items.yaml").write_text(
        f"blueprint: ./bp\nitems:\n  - name: a\n    count: {HUGE}\n"
    )
    result, _ = run("batch", "items.yaml", "--out", "out")
    refused(result, "items.yaml:4", "more than 4300 digits", "Quote it")
    (tmp_path / "items.json").write_text(
        f'{{"blueprint": "./bp", "items": [{{"name": "a", "count": {HUGE}}}]}}'
    )
    result, _ = run("batch", "items.json", "--out", "out")
    refused(result, "items.json:1", "more than 4300 digits")
    # past Python's own limit in a sexagesimal YAML 1.1 integer, built without text
    (tmp_path / "sixty.yaml").write_text(
        "blueprint: ./bp\nitems: [{name: a, count: 1" + ":59" * 3000 + "}]\n"
    )
    result, _ = run("batch", "sixty.yaml", "--out", "out")
    refused(result, "sixty.yaml:2", "more than 4300 digits")
    assert not (tmp_path / "out").exists()


def test_a_5000_digit_integer_as_a_manifest_default(tmp_path: Path) -> None:
    manifest = (
        "name: demo\ndescription: a demo\nvariables:\n  type: object\n  properties:\n"
        f"    count: {{type: integer, default: {HUGE}}}\n"
    )
    blueprint(tmp_path / "bp", manifest=manifest)
    result, _ = run("new", "./bp", "--out", "out")
    refused(result, "blueprint.yaml:6", "4300 digits")
    assert not (tmp_path / "out").exists()


# 3. and 4. manifests


def test_a_ref_to_a_missing_pointer_is_a_load_error(tmp_path: Path) -> None:
    variables = {
        "type": "object",
        "properties": {"name": {"$ref": "#/$defs/missing"}},
    }
    root = blueprint(tmp_path / "bp", variables=variables)
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(root)
    assert "blueprint.yaml:" in caught.value.message
    assert "'#/$defs/missing'" in caught.value.message
    result, _ = run("new", "./bp", "--set", "name=x", "--out", "out")
    refused(result, "blueprint.yaml", "#/$defs/missing")
    assert not (tmp_path / "out").exists()


def test_refs_that_resolve_are_fine_and_remote_ones_are_never_fetched(tmp_path: Path) -> None:
    good = {
        "type": "object",
        "$defs": {"word": {"type": "string", "pattern": "^[a-z]+$"}},
        "properties": {"name": {"$ref": "#/$defs/word"}},
    }
    load_blueprint(blueprint(tmp_path / "good", variables=good))
    remote = {"type": "object", "properties": {"name": {"$ref": "https://example.invalid/s.json"}}}
    with pytest.raises(BlueprintError, match=r"never fetches"):
        load_blueprint(blueprint(tmp_path / "remote", variables=remote))


@pytest.mark.parametrize(
    ("manifest", "where"),
    [
        ("computed: {1: x}\n", "blueprint.yaml:4: computed"),
        ("computed: {null: x}\n", "blueprint.yaml:4: computed"),
        (
            "variables: {type: object, properties: {1: {type: string}}}\n",
            "blueprint.yaml:3: variables.properties",
        ),
        (
            "variables: {type: object, properties: {name: true}}\n",
            "blueprint.yaml:3: variables.properties.name",
        ),
        ("variables: {type: object, 2: 3}\n", "blueprint.yaml:3: variables"),
        ("examples: [{1: x}]\n", "blueprint.yaml:4: examples.0"),
    ],
)
def test_manifest_shapes_that_crashed_are_refused_with_a_line(
    tmp_path: Path, manifest: str, where: str
) -> None:
    text = "name: demo\ndescription: a demo\n"
    if not manifest.startswith("variables"):
        text += "variables: {type: object}\n"
    blueprint(tmp_path / "bp", manifest=text + manifest)
    result, _ = run("new", "./bp", "--out", "out", "--dry-run")
    refused(result, where, "the blueprint manifest is invalid")


def test_non_text_names_in_an_item_are_refused(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    (tmp_path / "items.yaml").write_text("blueprint: ./bp\nitems:\n  - name: a\n    1: x\n")
    result, _ = run("batch", "items.yaml", "--out", "out")
    refused(result, "items.yaml:3", "a name is text")


# 5. special files at a planned path


def test_a_fifo_at_a_planned_path_is_an_error_even_in_a_dry_run(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    (tmp_path / "out").mkdir()
    os.mkfifo(tmp_path / "out" / "x.txt")
    before = sorted((p.name, p.lstat().st_mode) for p in (tmp_path / "out").iterdir())
    for extra in (["--dry-run"], []):
        done = run_process("new", "./bp", "--set", "name=x", "--out", "out", *extra, timeout=60)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert "x.txt: a FIFO (named pipe)" in done.stderr
        assert "Remove it or choose another --out" in done.stderr
    assert sorted((p.name, p.lstat().st_mode) for p in (tmp_path / "out").iterdir()) == before


def test_a_socket_at_a_planned_path_is_an_error(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    (tmp_path / "out").mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind("out/x.txt")  # relative: the current folder is tmp_path
        result, _ = run("new", "./bp", "--set", "name=x", "--out", "out", "--dry-run")
    finally:
        server.close()
    refused(result, "x.txt: a socket")


# 6. template limits


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{ 'a' * 10**9 }}", ["'*' would make a text of 1,000,000,000 characters"]),
        ("{{ [0] * 10**9 }}", ["'*' would make a list"]),
        ("{{ 2 ** (10**9) }}", ["'**' would make an integer of more than 4300 digits"]),
        ("{{ (10 ** 4000) * (10 ** 4000) }}", ["'*' makes an integer of more than 4300 digits"]),
        ("{% set s = 'a' * 50000000 %}{{ s ~ s }}", ["'~' would make a text"]),
        ("{% set s = 'a' * 50000000 %}{{ s + s }}", ["'+' would make a text"]),
        ("{{ '%1000000000s' % 'a' }}", ["a width of 1,000,000,000 characters"]),
        ("{{ '%*s' % (1000000000, 'a') }}", ["a width of 1,000,000,000"]),
        ("{{ '{:>1000000000}'.format('a') }}", ["a width of 1,000,000,000"]),
        ("{{ 'a'.ljust(1000000000) }}", ["ljust() of 1,000,000,000"]),
        ("{{ 'a' | center(1000000000) }}", ["center of 1,000,000,000"]),
        ("{{ '%1000000000s' | format('a') }}", ["a width of 1,000,000,000"]),
        ("{{ (['a' * 60000000] * 3) | join }}", ["joining"]),
        (
            "{{ ('a' * 1000000) | replace('a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb') }}",
            ["replace()"],
        ),
        (
            "{% for i in range(70000) %}{{ 'x' * 1000 }}{% endfor %}",
            ["64 MiB, the limit for a file"],
        ),
    ],
)
def test_templates_past_the_limits_are_refused_before_they_allocate(
    tmp_path: Path, template: str, words: list[str]
) -> None:
    blueprint(tmp_path / "bp", {"big.txt.jinja": template})
    result, elapsed = run("new", "./bp", "--set", "name=x", "--out", "out")
    refused(result, "big.txt.jinja", *words)
    assert elapsed < 20
    assert not (tmp_path / "out").exists()


def test_a_file_name_past_the_limits_is_refused(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp", {"{{ name * 10**9 }}.txt": "x"})
    result, _ = run("new", "./bp", "--set", "name=x", "--out", "out")
    refused(result, "the file name", "'*' would make a text")


def test_a_computed_value_past_the_limits_is_refused(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp", computed={"big": "{{ 9 ** (10**8) }}"})
    result, _ = run("new", "./bp", "--set", "name=x", "--out", "out")
    refused(result, "computed.big", "'**' would make an integer")


def test_ordinary_arithmetic_still_works(tmp_path: Path) -> None:
    templates = {
        "a.txt.jinja": "{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ [1] * 2 }} {{ 'x' ~ 1 }} "
        "{{ '%05d' % 42 }} {{ '{:>4}'.format('z') }} {{ 'q' | center(5) }} {{ [1, 2] | join('-') }}\n"
    }
    root = blueprint(tmp_path / "bp", templates)
    files = Renderer(load_blueprint(root)).render(Item(1, {"name": "x"}))
    assert files[0].content == b"1024 ababab [1, 1] x1 00042    z   q   1-2\n"


SLOW = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
SLOW_WITH_OUTPUT = (
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
)


def test_rendering_has_a_deadline(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp", {"slow.txt.jinja": SLOW})
    result, elapsed = run(
        "new", "./bp", "--set", "name=users", "--out", "out", env={"SCAFFOLD_RENDER_TIMEOUT": "1"}
    )
    refused(
        result, "slow.txt.jinja", "item 1 (users)", "longer than 1 s", "SCAFFOLD_RENDER_TIMEOUT"
    )
    assert elapsed < 15
    assert not (tmp_path / "out").exists()


def test_the_deadline_holds_in_a_real_process_and_a_computed_value(tmp_path: Path) -> None:
    slow = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}x"
    blueprint(tmp_path / "bp", computed={"slow": slow})
    done = run_process(
        "new", "./bp", "--set", "name=x", "--out", "out", "--dry-run",
        env={"SCAFFOLD_RENDER_TIMEOUT": "1"}, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "computed.slow" in done.stderr and "longer than 1 s" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_deadline_holds_in_render_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCAFFOLD_RENDER_TIMEOUT", "1")
    root = blueprint(tmp_path / "bp", {"slow.txt.jinja": SLOW})
    items = [Item(i, {"name": f"n{i}"}, f"n{i}") for i in (1, 2)]
    started = time.perf_counter()
    with pytest.raises(
        TemplateError, match=r"slow\.txt\.jinja: rendering item \d \(n\d\) took longer"
    ):
        render_batches(load_blueprint(root), items, batch_size=1, jobs=2)
    assert time.perf_counter() - started < 30


def test_the_deadline_holds_outside_the_main_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCAFFOLD_RENDER_TIMEOUT", "1")
    root = blueprint(tmp_path / "bp", {"slow.txt.jinja": SLOW_WITH_OUTPUT})
    renderer = Renderer(load_blueprint(root))
    caught: list[BaseException] = []

    def work() -> None:
        try:
            renderer.render(Item(1, {"name": "x"}))
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(caught[0], TemplateError)
    assert "longer than 1 s" in caught[0].message


def test_a_bad_render_timeout_is_reported(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    result, _ = run(
        "new", "./bp", "--set", "name=x", "--out", "o", env={"SCAFFOLD_RENDER_TIMEOUT": "soon"}
    )
    refused(result, "SCAFFOLD_RENDER_TIMEOUT='soon'", "positive number")


# 7. symlinked templates


def test_a_template_symlinked_outside_the_blueprint_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret\n")
    root = blueprint(tmp_path / "bp")
    (root / "template" / "leak.txt").symlink_to(secret)
    result, _ = run("new", "./bp", "--set", "name=x", "--out", "out")
    refused(result, "leak.txt: a symlink to", "outside the blueprint")
    assert not (tmp_path / "out").exists()


def test_a_template_folder_symlinked_outside_the_blueprint_is_refused(tmp_path: Path) -> None:
    build_file_tree(tmp_path / "elsewhere", {"id_rsa": "key\n"})
    root = blueprint(tmp_path / "bp")
    (root / "template" / "ssh").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(BlueprintError, match=r"ssh: a symlink to .*outside the blueprint"):
        Renderer(load_blueprint(root))
    result, _ = run("new", "./bp", "--set", "name=x", "--out", "out", "--dry-run")
    refused(result, "outside the blueprint")
    assert "key" not in result.output


def test_symlinks_inside_the_blueprint_are_followed(tmp_path: Path) -> None:
    root = blueprint(tmp_path / "bp", {"docs/readme.md": "read me\n"})
    build_file_tree(root, {"shared/licence.txt": "MIT\n"})
    (root / "template" / "LICENCE").symlink_to(root / "shared" / "licence.txt")
    (root / "template" / "more").symlink_to(root / "template" / "docs")
    (root / "template" / "docs" / "loop").symlink_to(root / "template")  # a cycle is cut
    files = Renderer(load_blueprint(root)).render(Item(1, {"name": "x"}))
    contents = {f.path.as_posix(): f.content for f in files}
    assert contents["LICENCE"] == b"MIT\n"
    assert contents["more/readme.md"] == b"read me\n"
    assert sorted(contents) == ["LICENCE", "docs/readme.md", "more/readme.md"]


def test_a_fifo_in_a_template_folder_is_refused(tmp_path: Path) -> None:
    root = blueprint(tmp_path / "bp")
    os.mkfifo(root / "template" / "pipe")
    done = run_process("new", "./bp", "--set", "name=x", "--out", "out", "--dry-run")
    assert done.returncode == 1, done.stderr
    assert "pipe: not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


# 8. names


@pytest.mark.parametrize(
    "bad", ["a\nb", "a\x1b[31mred", "a\rb", "tab\there", "del\x7f", "c1\x85", "bell\x07"]
)
def test_control_characters_in_names_are_refused_and_shown_escaped(
    tmp_path: Path, bad: str
) -> None:
    blueprint(tmp_path / "bp")
    result, _ = run("new", "./bp", "--set", f"name={bad}", "--out", "out", "--dry-run")
    refused(result, "forbidden character", repr(bad)[1:-1])
    assert bad not in result.output
    assert "\x1b" not in result.output
    with pytest.raises(ConfinementError, match="forbidden character"):
        confine(f"folder/{bad}.txt", PurePosixPath("{{ name }}.txt.jinja"))


def test_a_name_is_bounded_so_that_its_temporary_file_fits(tmp_path: Path) -> None:
    assert MAX_NAME_BYTES == 228  # 255 - len(".") - len(".scaffold-") - 12 - len(".tmp")
    assert confine("a" * 224 + ".txt") == PurePosixPath("a" * 224 + ".txt")
    with pytest.raises(ConfinementError, match=r"is 229 bytes long; the limit is 228 bytes"):
        confine("d/" + "a" * 225 + ".txt")
    with pytest.raises(ConfinementError, match=r"is 230 bytes long"):
        confine("é" * 115 + "/x")  # counted in UTF-8 bytes
    blueprint(tmp_path / "bp")
    for size, code in ((236, 1), (300, 1), (224, 0)):
        result, _ = run("new", "./bp", "--set", f"name={'n' * size}", "--out", "out", "--dry-run")
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        if code:
            assert "the limit is 228 bytes" in result.output
    assert not (tmp_path / "out").exists()


def test_a_whole_path_is_bounded_by_path_max(tmp_path: Path) -> None:
    blueprint(tmp_path / "bp")
    out = Path("out", *(["d" * 200] * 20))  # 4,000+ bytes: nothing needs to exist
    result, _ = run("new", "./bp", "--set", f"name={'n' * 60}", "--out", out, "--dry-run")
    refused(result, "4,095 bytes, the longest path", "shorter --out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "bomb.yaml",
            "a: &a ['x','x','x','x','x','x','x','x','x','x']\n"
            + "".join(
                f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]\n"
                for n in range(8)
            ),
            "alias bomb",
        ),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("deep.yaml", "[" * 500 + "]" * 500, "nested deeper than 100 levels"),
    ],
)
def test_a_rendered_file_that_is_hostile_data_fails_its_check_cleanly(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    """The checks read what a blueprint rendered: the same limits hold there."""
    root = tmp_path / "bp"
    kind = "json" if name.endswith(".json") else "yaml"
    build_file_tree(
        root,
        {
            "blueprint.yaml": yaml.safe_dump(
                {
                    "name": "data",
                    "description": "d",
                    "variables": {"type": "object"},
                    "checks": [kind],
                }
            ),
            f"template/{name}": content,
        },
    )
    started = time.monotonic()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "scaffold"), "new", str(root), "--out", "o", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - started < 60
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["outcome"] == "checks_failed"
    (check,) = report["checks"]
    assert expected in check["problems"][0]["message"], check
    assert not (tmp_path / "o").exists()
