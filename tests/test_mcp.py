"""`scaffold mcp`: the real server, started as a subprocess, driven by the MCP SDK's own
client over stdio. The server's root is ``tmp_path/project``; every test checks that
nothing outside it changed."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult

from tests.conftest import SCAFFOLD, build_file_tree, snapshot
from tests.e2e_helpers import environment

TIMEOUT = 120  # seconds for a whole conversation; the crud-endpoint run takes a few


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()  # where the server is started from
    return root


def outside(tmp_path: Path) -> dict[str, bytes | None]:
    """Everything under ``tmp_path`` but the root and the server's log."""
    return {
        path: content
        for path, content in snapshot(tmp_path).items()
        if not path.startswith(("project", "server.log"))
    }


@contextlib.asynccontextmanager
async def connected(root: Path, *options: str) -> AsyncIterator[ClientSession]:
    """A session with ``scaffold mcp --root ROOT OPTIONS``, started in a folder beside it."""
    params = StdioServerParameters(
        command=str(SCAFFOLD),
        args=["mcp", "--root", str(root), *options],
        env=environment(),
        cwd=root.parent / "elsewhere",
    )
    with (root.parent / "server.log").open("a") as log:
        async with (
            stdio_client(params, errlog=log) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


def talk(
    root: Path, conversation: Callable[[ClientSession], Awaitable[None]], *options: str
) -> None:
    async def main() -> None:
        with anyio.fail_after(TIMEOUT):
            async with connected(root, *options) as session:
                await conversation(session)

    anyio.run(main)


def data(result: CallToolResult) -> dict[str, Any]:
    assert result.structuredContent is not None, result.content
    return result.structuredContent


def problems(result: CallToolResult) -> list[tuple[Any, str, str]]:
    assert result.isError, data(result)
    return sorted((p["item"], p["field"], p["rule"]) for p in data(result)["error"]["problems"])


def test_preview_run_and_invalid_values_of_crud_endpoint(project: Path, tmp_path: Path) -> None:
    before = outside(tmp_path)

    async def conversation(session: ClientSession) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert {
            "list_blueprints",
            "show_blueprint",
            "preview",
            "new",
            "batch",
            "check",
            "undo",
        } <= (tools.keys())
        # the blueprint's variables schema is its own tool's input schema
        own = tools["new_crud-endpoint"].inputSchema
        assert own["properties"]["values"]["required"] == ["resource"]
        assert "pattern" in own["properties"]["values"]["properties"]["resource"]
        assert tools["list_blueprints"].annotations.readOnlyHint is True

        shown = data(await session.call_tool("show_blueprint", {"blueprint": "crud-endpoint"}))
        assert shown["variables"]["required"] == ["resource"]
        assert any(check.startswith("pytest") for check in shown["checks"])

        values = {"resource": "users", "fields": [{"name": "email", "type": "str"}]}
        preview = await session.call_tool(
            "preview", {"blueprint": "crud-endpoint", "values": values, "out": "service"}
        )
        plan = data(preview)
        assert not preview.isError and plan["dry_run"] is True
        statuses = {f["path"]: f["status"] for f in plan["files"]}
        assert statuses["app/api/users.py"] == "create"
        assert all("diff" in f for f in plan["files"])
        router = next(f for f in plan["files"] if f["path"] == "app/api/users.py")
        assert router["diff"].startswith("--- ") and "+router = APIRouter(" in router["diff"]
        assert not (project / "service").exists()

        notes: list[tuple[float, str | None]] = []

        async def progress(done: float, total: float | None, message: str | None) -> None:
            notes.append((done, message))

        run = await session.call_tool(
            "new_crud-endpoint", {"values": values, "out": "service"}, progress_callback=progress
        )
        report = data(run)
        # told how far it got: rendering, writing, each check
        assert [done for done, _ in notes] == sorted(done for done, _ in notes)
        stages = {message.split()[0] for _, message in notes if message}
        assert stages == {"rendering", "writing", "checking"}, notes
        assert not run.isError, report
        assert report["outcome"] == "succeeded" and report["rolled_back"] is False
        assert {f["path"]: f["status"] for f in report["files"]} == statuses
        assert report["checks"] and all(c["status"] == "passed" for c in report["checks"])
        pytest_check = next(c for c in report["checks"] if c["kind"] == "pytest")
        assert pytest_check["tests"]["passed"] >= 10
        assert (project / "service/app/api/users.py").is_file()

        # two bad values in one item: one error, both problems, nothing written
        bad = await session.call_tool(
            "new",
            {
                "blueprint": "crud-endpoint",
                "values": {"resource": "Stock-Items", "package": "1app"},
                "out": "other",
            },
        )
        assert data(bad)["error"]["kind"] == "validation"
        assert problems(bad) == [(None, "package", "pattern"), (None, "resource", "pattern")]
        assert not (project / "other").exists()

        again = data(await session.call_tool("check", {"out": "service"}))
        assert again["outcome"] == "succeeded" and again["checks"]

    talk(project, conversation)
    assert outside(tmp_path) == before


def test_batch_inline_and_from_a_file_then_history_and_undo(project: Path, tmp_path: Path) -> None:
    before = outside(tmp_path)
    item = {"description": "Shared auth.", "owner": "platform"}
    build_file_tree(
        project,
        {
            "items.yaml": yaml.safe_dump(
                {
                    "blueprint": "module-manifest",
                    "items": [{**item, "name": "fine"}, {"name": "Bad Name", "owner": 7}],
                }
            )
        },
    )

    async def conversation(session: ClientSession) -> None:
        inline = {
            "blueprint": "module-manifest",
            "items": [{**item, "name": "auth-core"}, {**item, "name": "billing"}],
        }
        run = await session.call_tool("batch", {"items": inline, "out": "modules"})
        report = data(run)
        assert not run.isError, report
        assert [f["status"] for f in report["files"]] == ["create", "create"]
        assert [c["status"] for c in report["checks"]] == ["passed", "passed"]
        assert sorted(p.name for p in (project / "modules/modules").iterdir()) == [
            "auth-core", "billing",
        ]  # fmt: skip

        # an items file: every problem of every item at once, with its item and line
        bad = await session.call_tool("batch", {"items_file": "items.yaml", "out": "modules"})
        assert problems(bad) == [
            (2, "description", "required"), (2, "name", "pattern"), (2, "owner", "type"),
        ]  # fmt: skip
        assert all(p["line"] for p in data(bad)["error"]["problems"])

        # inline items are named so in errors, not by a temporary file
        broken = await session.call_tool(
            "preview", {"items": {"blueprint": "module-manifest", "items": [{"name": "x"}]}}
        )
        sources = {p["source"] for p in data(broken)["error"]["problems"]}
        assert sources == {"items (inline)"}, data(broken)

        runs = data(await session.call_tool("history", {"out": "modules"}))
        assert len(runs["runs"]) == 1
        undone = await session.call_tool("undo", {"out": "modules"})
        assert not undone.isError, data(undone)
        assert {f["status"] for f in data(undone)["files"]} >= {"delete"}
        assert not (project / "modules/modules").exists()

    talk(project, conversation)
    assert sorted(p.name for p in project.iterdir()) == ["items.yaml", "modules"]
    assert outside(tmp_path) == before


def test_nothing_leaves_the_root(project: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (project / "link").symlink_to(tmp_path / "outside", target_is_directory=True)
    (tmp_path / "items.yaml").write_text("blueprint: module-manifest\nitems: []\n")
    before = outside(tmp_path)
    values = {"name": "auth", "description": "Auth.", "owner": "platform"}

    async def conversation(session: ClientSession) -> None:
        for out in ("..", "../outside", str(tmp_path / "outside"), "link", "link/deeper"):
            result = await session.call_tool(
                "new", {"blueprint": "module-manifest", "values": values, "out": out}
            )
            assert result.isError and data(result)["error"]["kind"] == "confinement", out
            assert "outside the server's root" in data(result)["error"]["message"]
        for arguments in (
            {"items_file": "../items.yaml"},
            {"items_file": str(tmp_path / "items.yaml")},
        ):
            result = await session.call_tool("batch", arguments)
            assert data(result)["error"]["kind"] == "confinement", arguments
        from_git = await session.call_tool("show_blueprint", {"blueprint": "gh:acme/template"})
        assert data(from_git)["error"]["kind"] == "confinement"
        # an absolute path inside the root is inside the root
        inside = await session.call_tool(
            "new", {"blueprint": "module-manifest", "values": values, "out": str(project / "in")}
        )
        assert not inside.isError, data(inside)
        # arguments of the wrong shape: every problem listed
        wrong = await session.call_tool("new", {"out": 3, "on_conflict": "maybe"})
        assert problems(wrong) == [
            (None, "blueprint", "required"), (None, "on_conflict", "enum"), (None, "out", "type"),
        ]  # fmt: skip

    talk(project, conversation)
    assert outside(tmp_path) == before
    assert (project / "in/modules/auth/module.yaml").is_file()


SLOW = {
    "name": "slow",
    "description": "A file, and a check that takes its time and logs when it runs.",
    "variables": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}},
    },
    "checks": [
        {
            "command": (
                "python -c \"import time; log = open('../checks.log', 'a'); "
                "print('start', time.time(), file=log, flush=True); time.sleep(1.5); "
                "print('end', time.time(), file=log, flush=True)\""
            )
        }
    ],
}


def slow_blueprint(project: Path) -> None:
    build_file_tree(
        project / ".scaffold/blueprints/slow",
        {"blueprint.yaml": yaml.safe_dump(SLOW), "template/{{ name }}.txt.jinja": "{{ name }}\n"},
    )


def test_runs_one_at_a_time_while_the_server_keeps_answering(project: Path, tmp_path: Path) -> None:
    slow_blueprint(project)
    before = outside(tmp_path)
    finished: list[str] = []

    async def conversation(session: ClientSession) -> None:
        async def run(out: str) -> None:
            result = await session.call_tool("new_slow", {"values": {"name": out}, "out": out})
            assert not result.isError, data(result)
            finished.append(out)

        async def meanwhile() -> None:
            log = project / "checks.log"
            while not (log.exists() and log.read_text()):  # a check has started
                await anyio.sleep(0.05)
            tools = await session.list_tools()
            assert "new_slow" in {tool.name for tool in tools.tools}
            finished.append("listed")

        async with anyio.create_task_group() as group:
            group.start_soon(run, "first")
            group.start_soon(run, "second")
            group.start_soon(meanwhile)

    started = time.monotonic()
    talk(project, conversation, "--trust")
    assert time.monotonic() - started >= 3
    assert finished[0] == "listed" and sorted(finished[1:]) == ["first", "second"]
    log = [line.split() for line in (project / "checks.log").read_text().splitlines()]
    assert [event for event, _ in log] == ["start", "end", "start", "end"]  # never overlapping
    assert float(log[1][1]) <= float(log[2][1])
    assert outside(tmp_path) == before


def test_untrusted_blueprint_code_needs_trust(project: Path, tmp_path: Path) -> None:
    slow_blueprint(project)

    async def conversation(session: ClientSession) -> None:
        result = await session.call_tool("new", {"blueprint": "slow", "values": {"name": "x"}})
        assert result.isError
        assert "--trust" in data(result)["error"]["message"]

    talk(project, conversation)
    assert not (project / "x.txt").exists() and not (project / "checks.log").exists()


def test_without_the_sdk_it_says_how_to_install_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['mcp'] = None; sys.argv = ['scaffold', 'mcp']; "
        "from scaffolder.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    # the command that installs it where scaffold runs (`scaffolder[mcp]` would fetch from
    # PyPI whatever bears that name, over a checkout's install)
    assert f"{sys.executable} -m pip install 'mcp>=1.20,<2'" in done.stderr
    assert "scaffolder[mcp]" not in done.stderr
    assert "Traceback" not in done.stderr


def test_each_blueprint_tool_takes_its_examples_and_refuses_what_its_schema_does() -> None:
    from jsonschema import Draft202012Validator

    from scaffolder import api
    from scaffolder.mcp import schemas

    built_in = api.blueprints()
    tools = {tool.blueprint: tool for tool in schemas.blueprint_tools(built_in)}
    assert set(tools) == {blueprint.name for blueprint in built_in}  # $defs and all
    for blueprint in built_in:
        schema = dict(tools[blueprint.name].input)
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema)
        for example in blueprint.examples:
            assert not list(validator.iter_errors({"values": dict(example)})), blueprint.name
        assert list(validator.iter_errors({"values": {"not a variable": 1}})), blueprint.name


def test_each_blueprint_tool_shows_its_sample_items_and_says_the_item_once() -> None:
    from scaffolder import api
    from scaffolder.mcp import schemas

    for blueprint in api.blueprints():
        spec = schemas.blueprint_tool(blueprint)
        assert spec is not None
        values = spec.input["properties"]["values"]
        assert values["examples"] == [dict(example) for example in blueprint.examples]
        assert values["description"].count("The item:") == 1, values["description"]


def test_history_is_described_as_it_comes_newest_first(project: Path, tmp_path: Path) -> None:
    manifest = {"name": "note", "description": "A note.", "variables": SLOW["variables"]}
    build_file_tree(
        project / ".scaffold/blueprints/note",
        {
            "blueprint.yaml": yaml.safe_dump(manifest),
            "template/{{ name }}.txt.jinja": "{{ name }}\n",
        },
    )

    async def conversation(session: ClientSession) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        description = tools["history"].description or ""
        assert "newest first" in description and "oldest" not in description
        for name in ("a", "b"):
            result = await session.call_tool("new_note", {"values": {"name": name}})
            assert not result.isError, data(result)
        runs = data(await session.call_tool("history", {}))["runs"]
        assert [run["number"] for run in runs] == [2, 1]

    talk(project, conversation)


def test_preview_without_anything_to_preview_says_what_it_takes(project: Path) -> None:
    async def conversation(session: ClientSession) -> None:
        for tool in ("preview", "batch"):
            result = await session.call_tool(tool, {})
            assert result.isError
            error = data(result)["error"]
            assert error["kind"] == "usage"
            assert "not both" not in error["message"], error["message"]
            assert "items_file" in error["message"]
        message = data(await session.call_tool("preview", {}))["error"]["message"]
        assert "blueprint" in message

    talk(project, conversation)
    assert list(project.iterdir()) == []


def test_a_trust_error_tells_the_assistant_how_the_server_gets_trust(project: Path) -> None:
    slow_blueprint(project)

    async def conversation(session: ClientSession) -> None:
        result = await session.call_tool("new_slow", {"values": {"name": "x"}})
        assert result.isError
        error = data(result)["error"]
        assert error["kind"] == "trust"
        assert "scaffold mcp --root DIR --trust" in error["message"]
        assert "MCP configuration" in error["message"]

    talk(project, conversation)
    assert not (project / "x.txt").exists()


def test_list_blueprints_is_what_scaffold_list_json_prints(project: Path, tmp_path: Path) -> None:
    """Shadows and broken folders included, as docs/assistants.md promises; it used to leave
    out `shadows` and `warnings`."""
    from tests.test_cli_json import errors_of

    manifest = {**SLOW, "name": "crud-endpoint", "checks": []}  # shadows the built-in one
    build_file_tree(
        project / ".scaffold/blueprints",
        {
            "crud-endpoint/blueprint.yaml": yaml.safe_dump(manifest),
            "crud-endpoint/template/{{ name }}.txt.jinja": "{{ name }}\n",
            "broken/blueprint.yaml": "name: [\n",
        },
    )
    listed: dict[str, Any] = {}

    async def conversation(session: ClientSession) -> None:
        listed.update(data(await session.call_tool("list_blueprints", {})))

    talk(project, conversation)
    printed = subprocess.run(
        [str(SCAFFOLD), "list", "--json"],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert listed == json.loads(printed.stdout)
    assert errors_of(listed, "list") == []
    crud = next(b for b in listed["blueprints"] if b["name"] == "crud-endpoint")
    assert [hidden["origin"] for hidden in crud["shadows"]] == ["built-in"]
    assert len(listed["broken"]) == 1


def test_an_unknown_argument_is_named_with_the_known_ones(project: Path) -> None:
    async def conversation(session: ClientSession) -> None:
        result = await session.call_tool("new", {"blueprint": "env-config", "outt": "x"})
        assert result.isError
        (problem,) = data(result)["error"]["problems"]
        assert problem["field"] == "outt"
        assert problem["rule"] == "additionalProperties"
        assert "unknown argument 'outt'" in problem["message"]
        assert "out" in problem["message"].split("known: ")[1].split(", ")

    talk(project, conversation)
    assert list(project.iterdir()) == []


ENV_ITEM = {"service": "api", "environment": "dev", "database_url": "sqlite:///x.db"}


def test_what_items_name_stays_in_the_root_too(project: Path, tmp_path: Path) -> None:
    """Blueprint folders, `from:` files and git sources named by items (inline or in a
    file) are held to the root as `blueprint` and `out` are; they used to be read (and a
    git source cloned) wherever they pointed."""
    build_file_tree(
        tmp_path / "elsewhere",
        {
            "bp/blueprint.yaml": yaml.safe_dump({**SLOW, "name": "far", "checks": []}),
            "bp/template/{{ name }}.txt.jinja": "{{ name }}\n",
            "rows.csv": "resource\nusers\n",
        },
    )
    far = str(tmp_path / "elsewhere/bp")
    build_file_tree(project, {"far.yaml": yaml.safe_dump({"blueprint": far, "items": [{}]})})
    before = outside(tmp_path)
    refused = [
        {"items": {"blueprint": "../elsewhere/bp", "items": [{"name": "x"}]}},
        {"items": {"blueprint": far, "items": [{"name": "x"}]}},
        {"items": {"phases": [{"name": "p", "blueprint": far, "items": [{"name": "x"}]}]}},
        {"items": {"blueprint": "crud-endpoint", "items": {"from": "../elsewhere/rows.csv"}}},
        {"items": {"blueprint": "gh:owner/repo", "items": [{"name": "x"}]}},
        {"items_file": "far.yaml"},
    ]

    async def conversation(session: ClientSession) -> None:
        for arguments in refused:
            for tool in ("batch", "preview"):
                result = await session.call_tool(tool, {**arguments, "out": "out"})
                assert result.isError, (tool, arguments, data(result))
                assert data(result)["error"]["kind"] == "confinement", data(result)

    talk(project, conversation)
    assert outside(tmp_path) == before
    assert not (project / "out").exists()


def test_the_items_own_code_running_checks_need_trust(project: Path, tmp_path: Path) -> None:
    """An items file's `checks:` run the caller's code: without --trust, refused even with a
    built-in blueprint (they used to run: a command check anywhere on the machine)."""
    marker = tmp_path / "elsewhere/ran"
    items = {
        "blueprint": "env-config",
        "items": [ENV_ITEM],
        "checks": [{"command": f"touch {marker}"}],
    }

    async def conversation(session: ClientSession) -> None:
        result = await session.call_tool("batch", {"items": items, "out": "out"})
        error = data(result)["error"]
        assert error["kind"] == "trust", error
        assert f"command touch {marker}" in error["message"]
        preview = await session.call_tool("preview", {"items": items, "out": "out"})
        assert not preview.isError, data(preview)  # a dry run runs no check

    talk(project, conversation)
    assert not marker.exists() and not (project / "out").exists()

    async def trusted(session: ClientSession) -> None:
        result = await session.call_tool("batch", {"items": items, "out": "out"})
        assert not result.isError, data(result)

    talk(project, trusted, "--trust")
    assert marker.exists()


def test_started_by_hand_on_a_terminal_it_says_what_it_is(project: Path) -> None:
    """`scaffold mcp` typed in a terminal used to wait in silence."""
    import pty
    import select

    controller, terminal = pty.openpty()
    server = subprocess.Popen(
        [str(SCAFFOLD), "mcp", "--root", str(project)],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
    )
    os.close(terminal)
    try:
        assert server.stderr is not None
        ready, _, _ = select.select([server.stderr], [], [], 30)
        line = server.stderr.readline().decode() if ready else ""
        assert "for a coding assistant that starts it" in line, line
        assert "docs/assistants.md" in line and "Ctrl-D" in line
        os.write(controller, b"\x04")  # Ctrl-D: the end of input
        assert server.wait(timeout=30) == 0
        assert server.stdout is not None and server.stdout.read() == b""
    finally:
        server.kill()
        server.wait()
        os.close(controller)
