"""Stage 3's errors, gathered: every item that fails to render, named as validation names it.

A template that fails for one item often fails for others, each for its own values. So a
run renders every item even after one fails, gathers the failures (in this process and in
worker processes alike), and raises one :class:`RenderError` listing them all, in item
order: the item (number, name, phase), its line in the items file when the pipeline knows
it (:meth:`RenderError.located`), and the error, its paths relative to the blueprint's
folder. Failing items that are slow (a loop that runs into the render deadline) stop the
gathering after :data:`FAILING_SECONDS`, rather than cost the deadline once per item.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scaffolder.changes import Change
from scaffolder.errors import ScaffoldError, TemplateError
from scaffolder.itemsfile import RawItem
from scaffolder.variables import Item

FAILING_SECONDS = 5.0  # time failing items may take before the rest are left unrendered
LISTED = 20  # failures a message lists one by one; the rest by item number

Rendered = list[tuple[Item, list[Change]]]


@dataclass(frozen=True)
class RenderFailure:
    """One item that failed to render, and why."""

    index: int  # 1-based, unique within the run
    number: int  # as messages number it: within its phase, in a plan
    label: str  # ``item 3 (users)``, ``phase api, item 3 (users)``
    name: str | None  # the item's name (or key), if it has one
    phase: str | None
    message: str  # the error, paths relative to the blueprint's folder
    whole: str = ""  # the error as raised (absolute paths)
    kind: str = TemplateError.kind  # the error's kind: template, confinement, blueprint
    source: str | None = None  # the items file, once located
    line: int | None = None  # the item's line in it

    def describe(self) -> str:
        where = f"{self.source}:{self.line}: " if self.source and self.line else ""
        return f"{where}{self.label}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.number,
            "index": self.index,
            "name": self.name,
            "phase": self.phase,
            "message": self.message,
            "source": self.source,
            "line": self.line,
        }


class RenderError(TemplateError):
    """Items of one blueprint failed to render; ``failures`` lists each one."""

    def __init__(
        self,
        blueprint: str,
        root: str,
        failures: Sequence[RenderFailure],
        total: int,
        *,
        stopped: bool = False,
    ) -> None:
        self.blueprint, self.root, self.total, self.stopped = blueprint, root, total, stopped
        self.failures = tuple(sorted(failures, key=lambda f: f.index))
        kinds = {f.kind for f in self.failures}
        self.kind = kinds.pop() if len(kinds) == 1 else TemplateError.kind
        super().__init__(self._text())

    def located(self, where: Callable[[int], tuple[str | None, int | None]]) -> RenderError:
        """The same error, each failure with its place in the items file: ``where(index)``."""
        failures = []
        for found in self.failures:
            source, line = where(found.index)
            failures.append(dataclasses.replace(found, source=source, line=line))
        return RenderError(self.blueprint, self.root, failures, self.total, stopped=self.stopped)

    def in_items(self, raws: Sequence[RawItem]) -> RenderError:
        """:meth:`located` in an items file whose items, of every phase, are ``raws``."""

        def where(index: int) -> tuple[str | None, int | None]:
            raw = raws[index - 1]
            return raw.document.source, raw.document.line_of(raw.location)

        return self.located(where)

    def _text(self) -> str:
        failures = self.failures
        if self.total == 1 and len(failures) == 1 and failures[0].line is None:
            return failures[0].whole or failures[0].message  # one render (`scaffold new`)
        count = len(failures)
        head = (
            f"{count} of {self.total} item{'s' if self.total != 1 else ''} of blueprint "
            f"{self.blueprint} ({self.root}) fail{'s' if count == 1 else ''} to render; "
            "nothing was written:"
        )
        lines = [head, *(f"  {f.describe()}" for f in failures[:LISTED])]
        if count > LISTED:
            rest = [f.number for f in failures[LISTED:]]
            lines.append(f"  … and {len(rest)} more: items {_ranges(rest)}")
        if self.stopped:
            lines.append(
                f"Rendering stopped there: failing items took over {FAILING_SECONDS:g} s, so "
                "the items after them were not rendered."
            )
        lines.append("Fix the template (or those items' values) and run again.")
        return "\n".join(lines)


@dataclass(frozen=True)
class Gathered:
    """What rendering a batch came to: the items rendered, those that failed, and whether
    failing items took so long that the rest of the batch was left unrendered."""

    rendered: Rendered
    failures: tuple[RenderFailure, ...] = ()
    stopped: bool = False


# what a worker process sends back: items by index (their values cannot be pickled)
PortableGathered = tuple[list[tuple[int, list[Change]]], tuple[RenderFailure, ...], bool]


def portable(gathered: Gathered) -> PortableGathered:
    rendered = [(item.index, changes) for item, changes in gathered.rendered]
    return rendered, gathered.failures, gathered.stopped


class Gathering:
    """The failures of one blueprint's items, gathered batch by batch (from this process
    and from worker processes); :meth:`check` raises them, all at once."""

    def __init__(self, blueprint: str, root: str, total: int) -> None:
        self.blueprint, self.root, self.total = blueprint, root, total
        self.failures: list[RenderFailure] = []
        self.stopped = False  # failing items took too long: render no more

    def take(self, gathered: Gathered) -> Rendered:
        """What rendered of a batch; its failures are kept."""
        self.failures.extend(gathered.failures)
        self.stopped = self.stopped or gathered.stopped
        return gathered.rendered

    def take_portable(self, batch: Sequence[Item], found: PortableGathered) -> Rendered:
        """:meth:`take` for what a worker process found rendering ``batch``."""
        rendered, failures, stopped = found
        items = {item.index: item for item in batch}
        return self.take(Gathered([(items[i], c) for i, c in rendered], failures, stopped))

    def check(self) -> None:
        if self.failures:
            raise RenderError(
                self.blueprint, self.root, self.failures, self.total, stopped=self.stopped
            )


def render_each(
    render: Callable[[Item], list[Change]], items: Iterable[Item], root: str
) -> Gathered:
    """Render every item of ``items`` with ``render``, going on past the ones that fail
    (until failing items have taken :data:`FAILING_SECONDS`)."""
    rendered: Rendered = []
    failures: list[RenderFailure] = []
    spent = 0.0
    for item in items:
        started = time.perf_counter()
        try:
            rendered.append((item, render(item)))
        except ScaffoldError as exc:
            failures.append(failure(item, exc, root))
            spent += time.perf_counter() - started
            if spent >= FAILING_SECONDS:
                return Gathered(rendered, tuple(failures), stopped=True)
    return Gathered(rendered, tuple(failures))


def failure(item: Item, error: ScaffoldError, root: str) -> RenderFailure:
    """``error``, raised rendering ``item``, with the blueprint's folder (``root``) cut from
    the paths it names."""
    relative = error.message.replace(root.rstrip(os.sep) + os.sep, "")
    number = item.number or item.index
    return RenderFailure(
        item.index, number, item.label, item.name, item.phase, relative, error.message, error.kind
    )


def _ranges(numbers: Sequence[int]) -> str:
    """``3, 5-9, 12``: sorted item numbers, runs of consecutive ones as ranges."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)
