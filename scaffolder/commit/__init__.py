"""Stage 5: write a plan atomically — every planned file or none — one run at a time.

- :mod:`.transaction`: the journaled commit; :mod:`.undo`: its rollback, from the journal;
  :mod:`.recovery`: finishing or undoing the commits of killed runs;
- :mod:`.journal`: the journal's format and the rules a journal must meet to be acted on;
- :mod:`.files`: the file operations, done relative to open folders, never through links;
- :mod:`.lock`: the destination's lock. Nothing above this stage knows about either.
"""

from scaffolder.commit.files import FileSystem
from scaffolder.commit.journal import JOURNAL_FILE, JournalState
from scaffolder.commit.lock import Holder, LockedError, hold, holder, is_held
from scaffolder.commit.recovery import Recovery, pending, recover
from scaffolder.commit.transaction import CommitResult, Transaction, commit, write
from scaffolder.commit.undo import Rollback

__all__ = [
    "JOURNAL_FILE",
    "CommitResult",
    "FileSystem",
    "Holder",
    "JournalState",
    "LockedError",
    "Recovery",
    "Rollback",
    "Transaction",
    "commit",
    "hold",
    "holder",
    "is_held",
    "pending",
    "recover",
    "write",
]
