"""The ``scaffold`` command line."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from scaffolder.cli.app import app

__all__ = ["app", "main"]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``scaffold`` script. SIGTERM is treated like Ctrl-C."""
    signal.signal(signal.SIGTERM, _interrupt)
    app(prog_name="scaffold")
    sys.exit(0)
