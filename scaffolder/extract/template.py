"""Templates from the first example: its text with each varying name made an expression.

A template is a list of pieces, literal text and ``{{ expression }}``s. Only the places that
differ between the examples are looked at, so a word that is the same in every example
stays literal. Literal text is escaped so that Jinja gives it back as it is: ``{{``, ``{%``
and ``{#`` become expressions that print them, and so does a carriage return (Jinja reads
``\r\n`` as ``\n``). Lines that no name explains are replaced,
whole, by a per-example text variable (:func:`with_blocks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scaffolder.extract import words

_OPENER = re.compile(r"\{[{%#]")


@dataclass(frozen=True)
class Binding:
    """A concept as the templates use it: its variable and the number of its value."""

    variable: str
    plural: bool
    invariant: bool  # the same word in both numbers (news): no number filter
    dashed: bool = False  # numbers joined by hyphens (a date), stored and used as written


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Expression:
    text: str  # inside {{ }}
    variable: str


Piece = Literal | Expression


def substitute(
    text: str,
    spans: Sequence[tuple[int, int]],
    bindings: Mapping[tuple[str, ...], Binding],
    path: str,
    written_as: Callable[[int, str], words.Case | None] | None = None,
) -> list[Piece]:
    """``text`` with each concept's words inside ``spans`` made expressions.

    ``written_as(at, path)``: how the other examples write the word at ``at``, for a word
    whose case one word cannot tell (``user``: snake, camel or kebab?).
    """
    pieces: list[Piece] = []
    at = 0
    longest = max((len(k) for k in bindings), default=0)
    for start, end in spans:
        found = words.split(text, start, end)
        index = 0
        while index < len(found):
            match = _match(found, index, longest, bindings, text, path, written_as)
            if match is None:
                index += 1
                continue
            size, expression, variable = match
            first, last = found[index], found[index + size - 1]
            if first.start > at:
                pieces.append(Literal(text[at : first.start]))
            pieces.append(Expression(expression, variable))
            at = last.end
            index += size
    if at < len(text):
        pieces.append(Literal(text[at:]))
    return pieces


def _match(
    found: Sequence[words.Word],
    index: int,
    longest: int,
    bindings: Mapping[tuple[str, ...], Binding],
    text: str,
    path: str,
    written_as: Callable[[int, str], words.Case | None] | None,
) -> tuple[int, str, str] | None:
    for size in range(min(longest, len(found) - index), 0, -1):
        run = found[index : index + size]
        binding = bindings.get(words.key([w.text for w in run]))
        if binding is None:
            continue
        case = words.case_of(run, text, path)
        if case is None:
            continue
        if size == 1 and written_as is not None:
            case = words.one_word_case(run[0].text, case, written_as(run[0].start, path))
        if binding.dashed:
            if case is not words.Case.KEBAB:
                continue
            return size, binding.variable, binding.variable
        form = words.Form(words.is_plural(run[-1].text), case)
        chain = words.filters_for(form, binding.plural, binding.invariant)
        return size, words.expression(binding.variable, chain), binding.variable
    return None


def render_source(pieces: Sequence[Piece]) -> str:
    """The Jinja source of ``pieces``: literal text escaped, expressions in ``{{ }}``."""
    joined: list[Piece] = []
    for piece in pieces:  # adjacent literals as one: `{` + `{` is an opener too
        if isinstance(piece, Literal) and joined and isinstance(joined[-1], Literal):
            joined[-1] = Literal(joined[-1].text + piece.text)
        else:
            joined.append(piece)
    pieces = joined
    out = []
    for number, piece in enumerate(pieces):
        if isinstance(piece, Expression):
            out.append("{{ " + piece.text + " }}")
            continue
        text = _OPENER.sub(lambda m: "{{ '" + m.group() + "' }}", piece.text)
        text = text.replace("\r", "{{ '\\r' }}")  # Jinja reads \r\n and \r as \n
        following = pieces[number + 1] if number + 1 < len(pieces) else None
        if text.endswith("{") and isinstance(following, Expression):
            text = text[:-1] + "{{ '{' }}"  # `{` then `{{ x }}` would read as `{{{ x }}`
        out.append(text)
    return "".join(out)


def lines(text: str) -> list[str]:
    """``text`` cut after each ``\\n`` (only there: a template's lines are Jinja's)."""
    parts = text.split("\n")
    cut = [part + "\n" for part in parts[:-1]]
    return [*cut, parts[-1]] if parts[-1] else cut


def by_line(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """The pieces of each line (an expression never holds a line break)."""
    result: list[list[Piece]] = [[]]
    for piece in pieces:
        if isinstance(piece, Expression):
            result[-1].append(piece)
            continue
        for part in lines(piece.text):
            result[-1].append(Literal(part))
            if part.endswith("\n"):
                result.append([])
    if not result[-1]:
        result.pop()
    return result


def with_blocks(pieces: Sequence[Piece], blocks: Sequence[tuple[int, int, str]]) -> list[Piece]:
    """``pieces`` with the lines ``[start, end)`` of each block made one variable."""
    rows = by_line(pieces)
    starts = {start: (end, variable) for start, end, variable in blocks}
    result: list[Piece] = []
    row = 0
    while row <= len(rows):
        if row in starts:
            end, variable = starts.pop(row)
            result.append(Expression(variable, variable))
            if end > row:
                row = end
                continue
        if row < len(rows):
            result.extend(rows[row])
        row += 1
    return result
