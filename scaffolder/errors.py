"""The errors a user can cause, and nothing else.

Every error here is a *user* error (exit code 1) unless it says otherwise: it
carries a message that names the place and the fix, and it never prints. The
CLI's one error handler turns it into output and an exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def shorten(text: str, limit: int = 60) -> str:
    """``repr(text)``, cut to about ``limit`` characters, for a message that quotes a value
    (a 5,000-digit number, a name of a thousand characters)."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


class ScaffoldError(Exception):
    """A problem the user can fix; its message says where and how."""

    exit_code = 1
    kind = "error"

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class UsageError(ScaffoldError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2
    kind = "usage"


class BlueprintError(ScaffoldError):
    """A blueprint cannot be found, or its manifest or template is broken."""

    kind = "blueprint"


class TemplateError(BlueprintError):
    """A template failed to render; the message names the template and line."""

    kind = "template"


class ConfinementError(ScaffoldError):
    """A rendered path would leave the destination."""

    kind = "confinement"


class CommitError(ScaffoldError):
    """Writing failed; the destination was restored to what it was before."""

    kind = "commit"


@dataclass(frozen=True)
class Problem:
    """One reason an item is invalid."""

    item: int | None  # 1-based; None when the run has one item only
    item_name: str | None
    field: str  # dotted path, "" for the item itself
    rule: str  # the JSON Schema keyword that failed, or "required"/"type"
    message: str
    line: int | None = None
    source: str | None = None
    phase: str | None = None

    def describe(self) -> str:
        parts = []
        if self.source and self.line:
            parts.append(f"{self.source}:{self.line}")
        if self.item is not None:
            item = f"item {self.item}" + (f" ({self.item_name})" if self.item_name else "")
            parts.append(f"phase {self.phase}, {item}" if self.phase else item)
        if self.field:
            parts.append(self.field)
        return ": ".join([*parts, f"{self.message} [{self.rule}]"])


class ValidationError(ScaffoldError):
    """One or more items do not satisfy the blueprint's variables."""

    kind = "validation"

    def __init__(self, problems: Sequence[Problem], hint: str = "") -> None:
        self.problems = tuple(problems)
        lines = [p.describe() for p in self.problems]
        count = len(self.problems)
        head = f"{count} invalid value{'s' if count != 1 else ''}; nothing was written:"
        text = "\n".join([head, *(f"  {line}" for line in lines)])
        if hint:
            text += f"\n{hint}"
        super().__init__(text)
