"""``scaffold mcp``: a Model Context Protocol server over stdio, a second front end beside
the CLI. Its tools call the library (:mod:`scaffolder.api`) and return what ``--json``
prints; it never writes outside its root and runs one run at a time.

The SDK is an extra (``pip install '.[mcp]'`` in a checkout): imported only when serving.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from scaffolder.errors import ScaffoldError

SDK = "mcp>=1.20,<2"  # pyproject.toml's `mcp` extra: the SDK's 1.x API


def serve(root: str | Path = ".", *, trust: bool = False) -> None:
    """Serve the tools for the project folder ``root`` over stdin/stdout until the client
    closes stdin. ``trust``: run the code of blueprints that are not built in (their
    ``command``, ``import`` and ``pytest`` checks, Copier tasks)."""
    if importlib.util.find_spec("mcp") is None:
        raise ScaffoldError(
            "scaffold mcp needs the Model Context Protocol SDK, which is not installed. "
            f"Install it where scaffold runs: {sys.executable} -m pip install '{SDK}' "
            "(or, in a checkout of scaffolder: pip install '.[mcp]')."
        )
    from scaffolder.mcp.rooted import Root
    from scaffolder.mcp.server import serve as serve_stdio

    serve_stdio(Root.at(root), trust)
