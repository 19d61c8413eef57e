"""A run's progress: rich bars on a terminal — rendering per blueprint, writing, the checks
— and in a pipe the plain line per rendered batch it has always printed."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from rich.markup import escape

from scaffolder.progress import Stage, StageProgress

if TYPE_CHECKING:  # the bars' module is imported on a terminal only
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from scaffolder.batches import BatchDone

REFRESH = 0.1  # seconds between two redraws at most (a redraw costs a few milliseconds)

_WORDS = {
    Stage.RENDERING: ("rendering", "items"),
    Stage.WRITING: ("writing", "files"),
    Stage.CHECKING: ("checking", "checks"),
}


class RunProgress:
    """Told by the library (``on_batch=``, ``progress=``), it draws: a bar per stage on a
    terminal (:meth:`stage`), redrawn at most every :data:`REFRESH` seconds; a line per
    rendered batch otherwise (:meth:`update`); nothing at all unless ``shown`` (``--json``
    prints the report and nothing else)."""

    def __init__(self, out: Console, *, shown: bool = True) -> None:
        self.out = out
        self.shown = shown
        self.bar: Progress | None = None
        self.tasks: dict[tuple[Stage, str], TaskID] = {}
        self.drawn = 0.0
        self.lock = threading.Lock()  # the checks tell from threads of their own
        if shown and out.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,.0f}/{task.total:,.0f} {task.fields[unit]}"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[label]}"),
                console=out,
                auto_refresh=False,  # no refresh thread: batches may fork workers
            )

    def __enter__(self) -> RunProgress:
        return self  # the bars start with the first event: a run without one draws none

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None and self.tasks:
            self.bar.stop()

    def update(self, done: BatchDone) -> None:
        """A batch rendered: a line in a pipe (on a terminal, :meth:`stage` draws it)."""
        if self.bar is None and self.shown:
            # plain text, written as it is: a batch of 10,000 items prints 1,667 of these
            phase = f" (phase {done.phase})" if done.phase else ""
            self.out.file.write(
                f"{done.blueprint}{phase}: batch {done.batch}/{done.batches}, "
                f"{_count(done.items, 'item')}, {_count(done.files, 'file')}, "
                f"{done.seconds:.2f}s\n"
            )

    def stage(self, event: StageProgress) -> None:
        """How far a stage has got: its bar on a terminal (nothing in a pipe)."""
        if self.bar is None:
            return
        with self.lock:
            word, unit = _WORDS[event.stage]
            rendering = event.stage is Stage.RENDERING
            key = (event.stage, event.label if rendering else "")
            task = self.tasks.get(key)
            if task is None:
                if not self.tasks:
                    self.bar.start()
                description = f"{word} {escape(event.label)}" if rendering else word
                task = self.tasks[key] = self.bar.add_task(
                    description, total=event.total, unit=unit, label=""
                )
            label = "" if rendering or event.finished else escape(event.label)
            self.bar.update(task, completed=event.done, total=event.total, label=label)
            now = time.monotonic()
            if event.done == 0 or event.finished or now - self.drawn >= REFRESH:
                self.drawn = now
                self.bar.refresh()


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"
