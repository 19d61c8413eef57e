"""How far a run has got: the events the stages send while they work, for a progress bar.

A bottom layer, like ``errors``: every stage may import it, and it imports nothing of the
package (nor rich: drawing the events is the front end's job). A stage that takes a
:data:`OnProgress` callback calls it with a :class:`StageProgress` when it starts (``done``
0) and as it goes, ending with ``done == total``; a callback is told from the thread that
does the work (the checks run in threads of their own), so it must be quick and thread safe.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class Stage(enum.Enum):
    """The slow stages of a run, in the order they come."""

    RENDERING = "rendering"  # items rendered, per blueprint (per phase of a plan)
    WRITING = "writing"  # files written (and removed) by the commit
    CHECKING = "checking"  # checks finished


@dataclass(frozen=True)
class StageProgress:
    """``done`` of ``total`` of one stage. ``label`` names what the numbers count in: the
    blueprint being rendered, or the check that just started or finished."""

    stage: Stage
    done: int
    total: int
    label: str = ""

    @property
    def finished(self) -> bool:
        return self.done >= self.total


OnProgress = Callable[[StageProgress], None]
