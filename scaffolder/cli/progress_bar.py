"""A run's progress: rich bars on a terminal — rendering per blueprint, writing, the checks
— and in a pipe the plain line per rendered batch it has always printed."""

from __future__ import annotations

import threading
import time

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from scaffolder.batches import BatchDone
from scaffolder.progress import Stage, StageProgress

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
            self.out.print(
                f"{escape(done.blueprint)}: batch {done.batch}/{done.batches}, "
                f"{done.items} items, {done.files} files, {done.seconds:.2f}s"
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
