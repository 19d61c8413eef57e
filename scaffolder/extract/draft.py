"""A blueprint in the making: the examples' varying words bound to variables, and a template
(its path and its content, as pieces) for each group of files.

Variables are named from what the examples show: a word that names a file in the plural is a
``resource`` (stored plural: ``users``), the most used one otherwise ``name``, and the others
after the key they are the value of (``port: 8080`` -> ``port``), else ``name_2``, … Each value
is stored snake_case in the number the examples use most (a file name decides).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scaffolder import filters
from scaffolder.extract import diff, template, words
from scaffolder.extract.examples import Example, FileGroup
from scaffolder.extract.model import ExtractError, Variable, VariableKind

_KEY_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[\"']?\s*[:=]\s*[\"']?$")
_RESERVED = frozenset({"loop", "self", "range", "true", "false", "none", "varargs", "kwargs"})
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_NUMBERED = re.compile(r"^name_[0-9]+$")
_INTEGER = re.compile(r"^(?:0|[1-9][0-9]{0,17})$")


@dataclass(frozen=True)
class Draft:
    """Everything a blueprint is made of, before it is written."""

    examples: tuple[Example, ...]
    groups: tuple[FileGroup, ...]
    variables: tuple[Variable, ...]
    paths: tuple[tuple[template.Piece, ...], ...]  # per group: the template's path
    contents: tuple[tuple[template.Piece, ...] | None, ...]  # per group; None: copied as is
    computed: tuple[tuple[str, str], ...] = ()  # name, Jinja expression (names in paths)


def decode(group: FileGroup) -> tuple[str, ...] | None:
    """Every example's text of a group, or None when one is not UTF-8 text."""
    try:
        return tuple(f.content.decode("utf-8") for f in group.files)
    except UnicodeDecodeError:
        return None


def make_draft(examples: Sequence[Example], groups: Sequence[FileGroup]) -> Draft:
    path_texts = [diff.compare([f.path for f in g.files]) for g in groups]
    content_texts: list[diff.Compared | None] = []
    for group in groups:
        texts = decode(group)
        same = len({f.content for f in group.files}) == 1
        if texts is None and not same:
            raise ExtractError(
                f"{group.first.path}: binary (not UTF-8 text) and different in the examples; "
                "a binary file can only be the same in every example."
            )
        content_texts.append(None if texts is None else diff.compare(texts))
    compared = [*path_texts, *(c for c in content_texts if c is not None)]
    concepts = diff.find_concepts(compared, len(examples))
    bindings, variables = _bind(concepts, path_texts, compared)
    paths: list[tuple[template.Piece, ...]] = []
    computed: dict[str, str] = {}
    for group, compared_path in zip(groups, path_texts, strict=True):
        pieces = template.substitute(
            group.first.path, compared_path.spans, bindings, "", compared_path.written_as
        )
        paths.append(tuple(_named(pieces, computed)))
    contents: list[tuple[template.Piece, ...] | None] = []
    for group, compared_content in zip(groups, content_texts, strict=True):
        if compared_content is None or (
            not compared_content.spans and not group.first.path.endswith(".jinja")
        ):
            contents.append(None)  # the same in every example: copied byte for byte
            continue
        text = compared_content.texts[0]
        pieces = template.substitute(
            text,
            compared_content.spans,
            bindings,
            group.first.path,
            compared_content.written_as,
        )
        contents.append(tuple(pieces))
    draft = Draft(
        tuple(examples),
        tuple(groups),
        tuple(variables),
        tuple(paths),
        tuple(contents),
        tuple(computed.items()),
    )
    return pruned(draft)


def pruned(draft: Draft) -> Draft:
    """The draft with each variable's uses, without the variables no template uses (any
    more: the lines they were in may be kept as text now)."""
    computed = dict(draft.computed)
    used = _uses([*draft.paths, *(c for c in draft.contents if c is not None)], computed)
    variables = [replace(v, uses=used.get(v.name, ())) for v in draft.variables]
    names = {piece.text for pieces in draft.paths for piece in pieces}
    kept = replace(
        draft,
        variables=tuple(v for v in variables if v.uses),
        computed=tuple((k, v) for k, v in draft.computed if k in names),
    )
    return _renumbered(kept)


def _renumbered(draft: Draft) -> Draft:
    """``name_2``, ``name_3``, … in order, with no gaps where a variable was dropped; and
    the first ``name_N`` renamed ``name`` when it comes first and the word that had ``name``
    is used no more."""
    names = [v for v in draft.variables if v.kind is VariableKind.NAME]
    taken = {v.name for v in names}
    number = 1
    for index, variable in enumerate(names):
        if not _NUMBERED.match(variable.name):
            continue
        if index == 0 and not taken & {"name", "resource"}:
            new = "name"
        else:
            number += 1
            new = f"name_{number}"
        if new not in {v.name for v in draft.variables}:
            draft = _renamed(draft, variable.name, new)
    return draft


def _renamed(draft: Draft, old: str, new: str) -> Draft:
    """The draft with the variable ``old`` named ``new``, in every template and computed
    value (``old_singular`` too)."""

    def renamed(text: str) -> str:
        rest = text[len(old) :]
        return new + rest if text.startswith(old) and rest[:1] in ("", " ", "_") else text

    def pieces(row: Sequence[template.Piece]) -> tuple[template.Piece, ...]:
        return tuple(
            template.Expression(renamed(p.text), new)
            if isinstance(p, template.Expression) and p.variable == old
            else p
            for p in row
        )

    return replace(
        draft,
        variables=tuple(
            replace(v, name=new, uses=tuple(map(renamed, v.uses))) if v.name == old else v
            for v in draft.variables
        ),
        paths=tuple(pieces(row) for row in draft.paths),
        contents=tuple(None if row is None else pieces(row) for row in draft.contents),
        computed=tuple(
            (renamed(k), "{{ " + renamed(v.strip("{} ")) + " }}") for k, v in draft.computed
        ),
    )


def _bind(
    concepts: Sequence[diff.Concept],
    path_texts: Sequence[diff.Compared],
    compared: Sequence[diff.Compared],
) -> tuple[dict[tuple[str, ...], template.Binding], list[Variable]]:
    bindings: dict[tuple[str, ...], template.Binding] = {}
    variables: list[Variable] = []
    taken: set[str] = set()
    for number, concept in enumerate(concepts):
        in_paths = _numbers(concept.key, path_texts)
        everywhere = _numbers(concept.key, compared)
        plural = in_paths[0] if in_paths else everywhere.count(True) > everywhere.count(False)
        earlier = {w for c in concepts[:number] for w in c.key}
        if number == 0 and not all(w.isdigit() for w in concept.key):
            name = "resource" if in_paths and plural else "name"
        else:  # a number or a date is named after its key even when it is the only value
            name = _context_name(concept.key, compared, taken, earlier) or (
                f"name_{number + 1}" if number else "name"
            )
        taken.add(name)
        last = concept.key[-1]
        invariant = filters.plural(last) == last or not concept.numbered
        if not concept.numbered:
            plural = False  # stored as the examples write it: postgres, mysql
        dashed = len(concept.key) > 1 and all(w.isdigit() for w in concept.key)
        values = [("-" if dashed else "_").join(v) for v in concept.values]
        if plural and not invariant:
            values = [filters.plural(v) for v in values]
        integer = all(_INTEGER.match(v) for v in values)
        kind = "integer" if integer else "string"
        typed: tuple[object, ...] = tuple(int(v) for v in values) if integer else tuple(values)
        bindings[concept.key] = template.Binding(name, plural, invariant or dashed, dashed)
        variables.append(Variable(name, VariableKind.NAME, typed, type=kind, plural=plural))
    return bindings, variables


def _numbers(key: tuple[str, ...], compared: Sequence[diff.Compared]) -> list[bool]:
    """Whether each varying occurrence of ``key`` is plural, in order."""
    found = []
    for item in compared:
        text = item.texts[0]
        for start, end in item.spans:
            run = words.split(text, start, end)
            for index in range(len(run) - len(key) + 1):
                window = [w.text for w in run[index : index + len(key)]]
                if words.key(window) == key:
                    found.append(words.is_plural(window[-1]))
    return found


def _context_name(
    key: tuple[str, ...], compared: Sequence[diff.Compared], taken: set[str], earlier: set[str]
) -> str | None:
    """The name of the key a value is given to, ``port: 8080`` -> ``port``, if free.
    Words of ``earlier`` variables are left out of it: ``BILLING_PORT=8080`` -> ``port``
    (the key is ``SEARCH_PORT`` in another example)."""
    for item in compared:
        text = item.texts[0]
        for start, end in item.spans:
            for index, word in enumerate(run := words.split(text, start, end)):
                window = [w.text for w in run[index : index + len(key)]]
                if len(window) < len(key) or words.key(window) != key:
                    continue
                line_start = text.rfind("\n", 0, word.start) + 1
                match = _KEY_BEFORE.search(text[line_start : word.start])
                if match is None:
                    continue
                parts = filters.snake(match.group(1)).split("_")
                name = "_".join(p for p in parts if words.singular(p) not in earlier)
                if (
                    name.isidentifier()
                    and not keyword.iskeyword(name)
                    and name not in _RESERVED
                    and name not in taken
                ):
                    return name
    return None


def _named(pieces: Sequence[template.Piece], computed: dict[str, str]) -> list[template.Piece]:
    """A path's expressions with filters made computed values: no ``|`` in file names."""
    result: list[template.Piece] = []
    for piece in pieces:
        if isinstance(piece, template.Expression) and "|" in piece.text:
            name = "_".join(part.strip() for part in piece.text.split("|"))
            computed[name] = "{{ " + piece.text + " }}"
            piece = template.Expression(name, piece.variable)
        result.append(piece)
    return result


def _uses(
    templates: Sequence[Sequence[template.Piece]], computed: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    found: dict[str, dict[str, None]] = {}
    for pieces in templates:
        for piece in pieces:
            if isinstance(piece, template.Expression):
                text = computed.get(piece.text, piece.text).strip("{} ")
                found.setdefault(piece.variable, {})[text] = None
    return {name: tuple(texts) for name, texts in found.items()}


def pattern_of(values: Sequence[object]) -> str | None:
    """The pattern every value matches: snake_case, when they are all snake_case."""
    if all(isinstance(v, str) and _SNAKE.match(v) for v in values):
        return "^[a-z][a-z0-9_]*$"
    return None
