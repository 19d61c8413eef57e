"""The wiring: the SDK's low-level server over stdio, the tools of :mod:`.tools` behind it.

Runs one at a time (an asyncio lock: the destination's lock already keeps other processes
out), each in a worker thread so the server keeps answering (pings, tool lists) meanwhile.
Standard output is the protocol's alone: what anything else writes there (a check's
process, a stray print) goes to standard error.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import threading
from dataclasses import replace
from typing import Any

import anyio
import anyio.from_thread
import mcp.types as types
from mcp.server.lowlevel import Server
from mcp.server.session import ServerSession

from scaffolder import __version__
from scaffolder.errors import ScaffoldError, UsageError
from scaffolder.mcp import schemas, tools
from scaffolder.mcp.rooted import Root
from scaffolder.progress import StageProgress
from scaffolder.report import error_json

INSTRUCTIONS = (
    "scaffold renders blueprints (templates) into files, checks them, and rolls back what "
    "fails. Start with list_blueprints, then show_blueprint for a blueprint's variables. "
    "preview shows the plan and diffs without writing; new (or new_<blueprint>) and batch "
    "write and run the checks; check runs them again; undo reverts the last run. Paths are "
    "relative to the server's root and never leave it."
)


HAND_STARTED = (
    "scaffold mcp: serving the Model Context Protocol on standard input and output, for a "
    "coding assistant that starts it (docs/assistants.md shows how to register it); it "
    "does not take typed commands. Ctrl-D (end of input) stops it."
)


class Scaffolder:
    """The server's state: the service the tools work in, and the lock runs take."""

    def __init__(self, root: Root, trust: bool) -> None:
        self.service = tools.Service(root, trust)
        self.runs = anyio.Lock()
        self.specs: dict[str, schemas.ToolSpec] = {}
        self.server: Server[Any, Any] | None = None  # set by build(): for a call's context

    def list_specs(self) -> list[schemas.ToolSpec]:
        """The fixed tools, then one per blueprint found now (the root's may change)."""
        from scaffolder import api

        found = api.catalog(self.service.root.search)
        specs = [*schemas.fixed_tools(), *schemas.blueprint_tools(list(found.blueprints))]
        self.specs = {spec.name: spec for spec in specs}
        return specs

    async def list_tools(self) -> list[types.Tool]:
        specs = await anyio.to_thread.run_sync(self.list_specs)
        return [_tool(spec) for spec in specs]

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        spec = self.specs.get(name)
        if spec is None:  # not listed yet (a new blueprint in the root, or no tools/list)
            await anyio.to_thread.run_sync(self.list_specs)
            spec = self.specs.get(name)
        if spec is None:
            known = ", ".join(sorted(self.specs))
            unknown = UsageError(f"no tool named {name!r}; the tools: {known}.")
            return _result(error_json(unknown), failed=True)
        function = (
            tools.TOOLS[name] if spec.blueprint is None else tools.blueprint_new(spec.blueprint)
        )

        async with anyio.from_thread.BlockingPortal() as portal:
            service = self.service
            token = self._progress_token()
            if token is not None:
                service = replace(service, progress=Notes(portal, *token))

            def call() -> tools.Result:
                try:
                    tools.argument_problems(arguments, schemas.options_schema(spec.input))
                    return function(service, arguments)
                except ScaffoldError as error:
                    raise tools.ToolFailure.of(error) from None

            try:
                if not spec.serial:  # the lookups
                    result = await anyio.to_thread.run_sync(call)
                else:  # runs, previews, checks, the history: one at a time
                    async with self.runs:
                        result = await anyio.to_thread.run_sync(call)
            except tools.ToolFailure as failure:
                return _result(failure.data, failed=True)
        return _result(result.data, failed=result.failed)

    def _progress_token(self) -> tuple[ServerSession, str | int] | None:
        """The session and the token the client gave to be told of this call's progress."""
        if self.server is None:
            return None
        context = self.server.request_context
        token = context.meta.progressToken if context.meta is not None else None
        return None if token is None else (context.session, token)


class Notes:
    """A run's progress, as the protocol's progress notifications: one per event, counted,
    with a message (``checking 2/3: pytest run``). Called from the threads that do the work;
    the portal sends each note from the server's event loop, in order."""

    def __init__(
        self, portal: anyio.from_thread.BlockingPortal, session: ServerSession, token: str | int
    ) -> None:
        self.portal, self.session, self.token = portal, session, token
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, event: StageProgress) -> None:
        label = f": {event.label}" if event.label else ""
        message = f"{event.stage.value} {event.done}/{event.total}{label}"
        with self.lock:
            self.count += 1
            self.portal.start_task_soon(self.send, self.count, message)

    async def send(self, count: int, message: str) -> None:
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            await self.session.send_progress_notification(self.token, count, None, message)


def _tool(spec: schemas.ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        description=spec.description,
        inputSchema=dict(spec.input),
        outputSchema=dict(spec.output) if spec.output is not None else None,
        annotations=types.ToolAnnotations(
            readOnlyHint=spec.read_only,
            destructiveHint=False if spec.read_only else spec.name == "undo",
            openWorldHint=False,
        ),
    )


def _result(data: dict[str, Any], *, failed: bool) -> types.CallToolResult:
    text = json.dumps(data, indent=2, default=str)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structuredContent=json.loads(text),  # plain JSON: what the client receives
        isError=failed,
    )


def build(root: Root, trust: bool) -> Server[Any, Any]:
    """The protocol server for ``root``."""
    state = Scaffolder(root, trust)
    server: Server[Any, Any] = Server("scaffold", version=__version__, instructions=INSTRUCTIONS)
    state.server = server
    server.list_tools()(state.list_tools)  # type: ignore[no-untyped-call]
    server.call_tool(validate_input=False)(state.call_tool)
    return server


def serve(root: Root, trust: bool) -> None:
    """Serve over stdio until the client closes standard input."""
    server = build(root, trust)
    if sys.stdin.isatty():  # someone typed `scaffold mcp`: it waits for an assistant
        print(HAND_STARTED, file=sys.stderr, flush=True)
    protocol = _own_stdout()
    os.chdir(root.path)  # what a check or a blueprint takes relative to "here": the root

    async def main() -> None:
        from mcp.server.stdio import stdio_server

        async with stdio_server(stdout=anyio.wrap_file(protocol)) as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def _own_stdout() -> io.TextIOWrapper:
    """Standard output for the protocol alone: a copy of it for the messages, and file
    descriptor 1 (inherited by every process a check starts) pointed at standard error."""
    sys.stdout.flush()
    protocol = io.TextIOWrapper(os.fdopen(os.dup(1), "wb"), encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol
