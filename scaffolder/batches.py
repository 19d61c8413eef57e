"""Stage 3, for many items: render them in batches, in this process or in worker processes.

:func:`render_batches` renders a blueprint's items batch by batch with one
:class:`~scaffolder.render.Renderer`, telling :class:`BatchDone` after each batch. Cheap
templates finish in this process; batches still left after :data:`SERIAL_SECONDS` go to
worker processes. The result is in item order whatever the number of jobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from scaffolder.blueprint import MANIFEST, Blueprint, load_blueprint
from scaffolder.changes import Change
from scaffolder.filters import needs_inflection, warm_up
from scaffolder.render import Renderer
from scaffolder.render_errors import Gathering, PortableGathered, portable, render_each
from scaffolder.variables import Item

SERIAL_SECONDS = 2.0  # rendering in this process this long before the rest goes to workers


@dataclass(frozen=True)
class BatchDone:
    """Progress: one batch of one blueprint was rendered."""

    blueprint: str
    batch: int  # 1-based
    batches: int
    items: int  # items rendered so far, for this blueprint
    files: int  # distinct paths rendered (or patched) so far, for this blueprint
    seconds: float
    phase: str | None = None  # the phase of a plan it renders


Rendered = list[tuple[Item, list[Change]]]


def render_batches(
    blueprint: Blueprint,
    items: Sequence[Item],
    batch_size: int,
    jobs: int = 1,
    on_batch: Callable[[BatchDone], None] | None = None,
    *,
    folder_name: str = "",
    trust: bool = False,
    on_skipped: Callable[[str], None] | None = None,
    dest: str | None = None,
    counted: set[PurePosixPath] | None = None,
) -> Rendered:
    """Render ``items`` in batches of ``batch_size``, ``jobs`` batches at a time.

    Batches render in this process for the first ``SERIAL_SECONDS``; with more than one
    job, the batches still left then render in worker processes (native blueprints; a
    template another tool renders renders in this process). The result is in item order,
    so it is the same whatever the number of jobs. ``dest`` (templated by each item's
    values) is the folder inside the destination each item renders into. ``folder_name``
    is the destination's name and ``trust`` whether a template's own tasks may run (for
    templates another tool renders); ``on_skipped`` is told of each task left out.
    ``counted`` holds the paths earlier phases of the run rendered: :class:`BatchDone`
    counts each path once in the run, in the first phase that renders it (as the report's
    summary does); this call adds its own.
    """
    started = time.perf_counter()
    batches = [list(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]
    results: Rendered = []
    paths = set() if counted is None else counted  # each path once, as the report counts
    earlier = len(paths)
    # a failing item does not stop the others: every failure is reported, at the end
    failing = Gathering(blueprint.name, str(blueprint.root), len(items))

    def done(number: int, rendered: Rendered) -> None:
        results.extend(rendered)
        paths.update(change.path for _, changes in rendered for change in changes)
        if on_batch is not None:
            elapsed, files = time.perf_counter() - started, len(paths) - earlier
            counts = (number, len(batches), len(results), files, elapsed)
            on_batch(BatchDone(blueprint.name, *counts, items[0].phase if items else None))

    renderer = Renderer(blueprint, folder_name=folder_name, trust=trust, dest=dest)
    serial = jobs <= 1 or len(batches) <= 1 or blueprint.source is not None or bool(dest)
    # Batches render here first: when they are cheap (most are), the whole run ends
    # before worker processes would have started and paid back their cost.
    number = 0
    while number < len(batches) and (serial or time.perf_counter() - started < SERIAL_SECONDS):
        batch = batches[number]
        number += 1
        done(number, failing.take(render_each(renderer.render, batch, str(blueprint.root))))
        if failing.stopped:
            break
    if on_skipped is not None:
        for skipped in renderer.skipped:
            on_skipped(skipped)
    rest = [] if failing.stopped else batches[number:]
    if not rest:
        failing.check()
        return results
    if _uses_inflection(blueprint):
        warm_up()  # forked workers inherit the loaded engine instead of each loading it
    from concurrent.futures import ProcessPoolExecutor  # (and logging): only with workers

    with ProcessPoolExecutor(max_workers=min(jobs, len(rest))) as pool:
        futures = [
            pool.submit(_render_in_worker, str(blueprint.root), [_portable(i) for i in batch])
            for batch in rest
        ]
        for future, batch in zip(futures, rest, strict=True):
            number += 1
            done(number, failing.take_portable(batch, future.result()))
            if failing.stopped:
                for left in futures:
                    left.cancel()
                break
    failing.check()
    return results


_PortableItem = tuple[int, str | None, int | None, str | None, dict[str, Any]]
_worker_renderers: dict[str, Renderer] = {}


def _portable(item: Item) -> _PortableItem:
    return (item.index, item.name, item.number, item.phase, dict(item.values))


def _render_in_worker(root: str, batch: list[_PortableItem]) -> PortableGathered:
    renderer = _worker_renderers.get(root)
    if renderer is None:
        renderer = _worker_renderers[root] = Renderer(load_blueprint(Path(root)))
    items = (Item(i, values, name, number, phase) for i, name, number, phase, values in batch)
    return portable(render_each(renderer.render, items, root))


def _uses_inflection(blueprint: Blueprint) -> bool:
    """Whether the blueprint's templates or manifest may use ``plural``/``singular``."""
    folder = blueprint.template_dir
    paths = [blueprint.root / MANIFEST]
    paths += (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return needs_inflection(_text_of(path) for path in paths)


def _text_of(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""
