"""Render every example with the written blueprint, as ``scaffold new`` would, and compare.

The blueprint is loaded from the folder it was written to and each of its examples rendered
by the real renderer, in memory. A file that does not come back byte for byte is a
:class:`Mismatch`; :func:`keep_differences` turns the lines that differ into per-example
text variables (and a path that differs into a per-example path), so that the next render
is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from scaffolder.errors import ScaffoldError
from scaffolder.extract import align, template
from scaffolder.extract.diff import merge_spans
from scaffolder.extract.draft import Draft, pruned
from scaffolder.extract.model import ExtractError, Variable, VariableKind


@dataclass(frozen=True)
class Mismatch:
    """A group of files one example does not render back: what it rendered instead."""

    group: int
    example: int
    path: str | None  # the rendered path (None: the file was not rendered)
    content: bytes


def render_all(root: Path, templates: Sequence[str]) -> list[dict[int, tuple[str, bytes]]]:
    """Per example: group index -> (rendered path, bytes)."""
    from scaffolder.blueprint import load_blueprint
    from scaffolder.changes import RenderedFile
    from scaffolder.render import Renderer
    from scaffolder.variables import validate_item

    group_of = {PurePosixPath(path): index for index, path in enumerate(templates)}
    try:
        blueprint = load_blueprint(root)
        renderer = Renderer(blueprint)
        rendered = []
        for values in blueprint.examples:
            item = validate_item(blueprint, values)
            files = {}
            for change in renderer.render(item):
                if isinstance(change, RenderedFile):
                    group = group_of[change.template]
                    files[group] = (change.path.as_posix(), change.content)
            rendered.append(files)
    except ScaffoldError as exc:
        raise ExtractError(
            f"the derived blueprint does not render its own examples: {exc.message}"
        ) from exc
    return rendered


def mismatches(draft: Draft, rendered: Sequence[dict[int, tuple[str, bytes]]]) -> list[Mismatch]:
    found = []
    for number, files in enumerate(rendered):
        for index, group in enumerate(draft.groups):
            expected = group.files[number]
            path, content = files.get(index, (None, b""))
            if path != expected.path or content != expected.content:
                found.append(Mismatch(index, number, path, content))
    return found


def keep_differences(draft: Draft, found: Sequence[Mismatch]) -> Draft:
    """The draft with a per-example variable for each difference no name explains."""
    variables = list(draft.variables)
    paths, contents = list(draft.paths), list(draft.contents)
    for index, group in enumerate(draft.groups):
        mine = [m for m in found if m.group == index]
        if any(m.path != group.files[m.example].path for m in mine):
            name = _free(f"path_{index + 1}", variables)
            variables.append(
                Variable(
                    name,
                    VariableKind.TEXT,
                    tuple(f.path for f in group.files),
                    where=draft.examples[0].where(group.first),
                    uses=(name,),
                    line=group.first.path,
                )
            )
            paths[index] = (template.Expression(name, name),)
        wrong = [m for m in mine if m.content != group.files[m.example].content]
        pieces = contents[index]
        if not wrong or pieces is None:
            continue
        blocks, texts = _text_blocks(draft, index, wrong, pieces, variables)
        variables.extend(texts)
        contents[index] = tuple(template.with_blocks(pieces, blocks))
    kept = replace(draft, variables=tuple(variables), paths=tuple(paths), contents=tuple(contents))
    return pruned(kept)


def _free(name: str, variables: Sequence[Variable]) -> str:
    taken = {v.name for v in variables}
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    return candidate


Opcodes = Sequence[tuple[str, int, int, int, int]]


def _text_blocks(
    draft: Draft,
    index: int,
    wrong: Sequence[Mismatch],
    pieces: Sequence[template.Piece],
    variables: Sequence[Variable],
) -> tuple[list[tuple[int, int, str]], list[Variable]]:
    """The blocks of template lines ``[start, end)`` that some example does not render
    back, each with the text variable that holds every example's lines there."""
    group = draft.groups[index]
    actual = [template.lines(f.content.decode("utf-8")) for f in group.files]
    aligned: dict[int, Opcodes] = {
        m.example: align.opcodes(template.lines(m.content.decode("utf-8")), actual[m.example])
        for m in wrong
    }
    spans = [(i1, i2) for ops in aligned.values() for tag, i1, i2, _, _ in ops if tag != "equal"]
    size = len(template.by_line(pieces))
    blocks, kept = [], list(variables)
    for start, end in merge_spans(spans):
        number = sum(1 for v in kept if v.kind is VariableKind.TEXT) + 1
        name = _free(f"text_{number}", kept)
        bounds = [
            (
                _at(aligned.get(n), start, size, len(lines), after=False),
                _at(aligned.get(n), end, size, len(lines), after=True),
            )
            for n, lines in enumerate(actual)
        ]
        values = tuple("".join(actual[n][a:b]) for n, (a, b) in enumerate(bounds))
        # named where it is in the first example that has lines there
        shown = next((n for n, value in enumerate(values) if value), 0)
        first, last = bounds[shown][0] + 1, bounds[shown][1]
        lines = f"{first}-{last}" if last > first else str(first)  # users.go:8-10
        where = f"{draft.examples[shown].where(group.files[shown])}:{lines}"
        line = values[shown].split("\n", 1)[0].removesuffix("\r")  # CRLF: the line
        kept.append(Variable(name, VariableKind.TEXT, values, where=where, uses=(name,), line=line))
        blocks.append((start, end, name))
    return blocks, kept[len(variables) :]


def _at(opcodes: Opcodes | None, line: int, size: int, length: int, *, after: bool) -> int:
    """Where the boundary before template line ``line`` is in an example's ``length``
    lines: before the lines the example inserts there, or ``after`` them."""
    if opcodes is None:
        return line  # the example renders back: its lines are the template's
    if line == 0 and not after:
        return 0
    if line == size and after:
        return length
    found = None
    for tag, i1, i2, j1, _ in opcodes:
        if tag == "equal" and i1 <= line <= i2:
            found = j1 + line - i1
            if not after:
                break
    return line if found is None else found


def first_difference(expected: bytes, rendered: bytes) -> tuple[int, str]:
    """The first line (1-based) where ``rendered`` is not ``expected``, and that line."""
    want = expected.decode("utf-8", "replace").split("\n")
    got = rendered.decode("utf-8", "replace").split("\n")
    for number, (one, other) in enumerate(zip(want, got, strict=False), start=1):
        if one != other:
            return number, one
    number = min(len(want), len(got)) + 1
    return number, want[number - 1] if number <= len(want) else ""
