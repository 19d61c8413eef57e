"""The history of the runs in a destination, and undo.

Every run that changes something leaves an entry in ``.scaffold/history/`` (its id, time,
blueprints, items, record, and each file it changed, before and after) and a pack of the
contents the entry names, written with its files in its own transaction. :func:`reversal`
turns the newest entries back into a plan's change set, committed by the same commit as any
run; :func:`base_of` is what the newest run left in a file, the base of a three-way update
(:func:`bases`: of many files at once).

- :mod:`.model`: the entries' format, read as untrusted;
- :mod:`.store`: writing a run's entry and pack in its transaction, reading them;
- :mod:`.undo`: the change set that reverts runs.
"""

from scaffolder.history.model import FileChange, History, Image, Run, RunItem
from scaffolder.history.store import (
    Contents,
    base_of,
    bases,
    read_history,
    recorded_phases,
    unpack,
    with_histories,
    with_history,
)
from scaffolder.history.undo import Reversal, UndoPlan, plan_undo, reversal

__all__ = [
    "Contents",
    "FileChange",
    "History",
    "Image",
    "Reversal",
    "Run",
    "RunItem",
    "UndoPlan",
    "base_of",
    "bases",
    "plan_undo",
    "read_history",
    "recorded_phases",
    "reversal",
    "unpack",
    "with_histories",
    "with_history",
]
