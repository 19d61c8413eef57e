"""Align the examples and find what varies: the places, and the words behind them.

Each text of the first example (a file's content, or its path) is compared with the same
text of every other example, token by token (identifiers whole, every other character on
its own). The places that differ are *spans* of the first example's text. Within each
difference the words are compared again: a run of words that replaces another
(``list_users`` -> ``list_projects``: ``users`` -> ``projects``) is a vote that the word
``user`` of the first example is ``project`` in that example. A :class:`Concept` is such a
word (or run of words) with its value in every example: the majority of the votes.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from scaffolder.extract import align, words

_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*|[^\S\n]+|.", re.DOTALL)
_NAME = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*")
_DASHED = re.compile(r"\d+(?:-\d+)+")  # 2024-01-15
MAX_RUN = 3  # words in one varying name: user_profile_settings at most


@dataclass(frozen=True)
class Compared:
    """One text (a file's content or path) in every example, and where the first differs."""

    texts: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # in texts[0], merged, in order
    # each difference: (example number, the first example's part, that example's part)
    differences: tuple[tuple[int, str, str], ...]
    starts: tuple[int, ...] = ()  # where each difference starts in texts[0]

    def written_as(self, at: int, path: str) -> words.Case | None:
        """How the other examples write the word that starts at ``at`` in the first one
        (``user`` -> ``orderItem``: camel; ``S3`` -> ``Ec2``: pascal), for a word whose
        case one word does not tell. None when they do not say."""
        found: Counter[words.Case] = Counter()
        for (_, mine, theirs), start in zip(self.differences, self.starts, strict=True):
            if not start <= at < start + len(mine):
                continue
            for run, other, _ in _replaced_runs(mine, theirs):
                if len(run) == 1:  # user -> orderItem
                    pairs = [(run[0], other)]
                elif len(run) == len(other):  # S3Bucket -> Ec2Instance: word by word
                    pairs = [(w, [t]) for w, t in zip(run, other, strict=True)]
                else:
                    continue
                for word, written in pairs:
                    case = words.case_of(written, theirs, path)
                    if start + word.start == at and case is not None:
                        found[case] += 1
        return found.most_common(1)[0][0] if found else None


@dataclass
class Concept:
    """A varying run of words, by its key in the first example, with its key in each."""

    key: tuple[str, ...]
    values: list[tuple[str, ...]]  # per example; values[0] == key
    count: int = 0  # occurrences seen varying
    spaced: bool = True  # every occurrence had spaces between its words (prose)
    votes: dict[int, Counter[tuple[str, ...]]] = field(default_factory=dict)
    # False when an example's word is not in the number of the first one's (postgres ->
    # mysql: "postgres" only looks plural): the words are then taken as they are written
    numbered: bool = True
    written: dict[int, Counter[tuple[str, ...]]] = field(default_factory=dict)


def _tokens(text: str) -> tuple[list[str], list[int]]:
    tokens = _TOKEN.findall(text)
    offsets, at = [], 0
    for token in tokens:
        offsets.append(at)
        at += len(token)
    offsets.append(at)
    return tokens, offsets


def compare(texts: Sequence[str]) -> Compared:
    spans: list[tuple[int, int]] = []
    differences: list[tuple[int, str, str]] = []
    starts: list[int] = []
    first = texts[0]
    for number, text in enumerate(texts[1:], start=1):
        if text == first:
            continue
        for a_start, a_end, b_start, b_end in _regions(first, text):
            mine, theirs = first[a_start:a_end], text[b_start:b_end]
            if mine == theirs:
                continue
            mine_tokens, mine_offsets = _tokens(mine)
            their_tokens, their_offsets = _tokens(theirs)
            for tag, i1, i2, j1, j2 in align.opcodes(mine_tokens, their_tokens):
                if tag == "equal":
                    continue
                start, end = a_start + mine_offsets[i1], a_start + mine_offsets[i2]
                spans.append((start, end))
                part = theirs[their_offsets[j1] : their_offsets[j2]]
                differences.append((number, first[start:end], part))
                starts.append(start)
    return Compared(tuple(texts), tuple(merge_spans(spans)), tuple(differences), tuple(starts))


def _lines(text: str) -> list[tuple[int, int, str]]:
    """Each line of ``text``: where it starts and ends, and its shape (the line with every
    name and number as ``x``: lines that differ by names have the same shape)."""
    found, at = [], 0
    for line in text.splitlines(keepends=True):
        found.append((at, at + len(line), _NAME.sub("x", line)))
        at += len(line)
    return found


def _regions(first: str, other: str) -> Iterable[tuple[int, int, int, int]]:
    """The regions of two texts to compare token by token, ``(a_start, a_end, b_start,
    b_end)``: lines of the same shape one by one, other lines a block at a time."""
    mine, theirs = _lines(first), _lines(other)
    for tag, i1, i2, j1, j2 in align.opcodes([s for *_, s in mine], [s for *_, s in theirs]):
        if tag == "equal":
            for (a_start, a_end, _), (b_start, b_end, _) in zip(
                mine[i1:i2], theirs[j1:j2], strict=True
            ):
                yield a_start, a_end, b_start, b_end
            continue
        a_start = mine[i1][0] if i1 < len(mine) else len(first)
        a_end = mine[i2 - 1][1] if i2 > i1 else a_start
        b_start = theirs[j1][0] if j1 < len(theirs) else len(other)
        b_end = theirs[j2 - 1][1] if j2 > j1 else b_start
        yield a_start, a_end, b_start, b_end


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans ``[start, end)`` as one, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def find_concepts(compared: Iterable[Compared], examples: int) -> list[Concept]:
    """The varying words, most used first; each with its value in every example."""
    found: dict[tuple[str, ...], Concept] = {}
    for item in compared:
        for number, mine, theirs in item.differences:
            for run, other, spaced in _replaced_runs(mine, theirs):
                key = words.key([w.text for w in run])
                concept = found.setdefault(key, Concept(key, [key] * examples))
                concept.count += 1
                concept.spaced = concept.spaced and spaced
                votes = concept.votes.setdefault(number, Counter())
                votes[words.key([w.text for w in other])] += 1
                for at, run_words in ((0, run), (number, other)):
                    written = concept.written.setdefault(at, Counter())
                    written[tuple(w.text.lower() for w in run_words)] += 1
                if words.is_plural(run[-1].text) != words.is_plural(other[-1].text):
                    concept.numbered = False
    concepts = []
    for concept in found.values():
        if concept.spaced and concept.count < 2:
            continue  # a phrase that differs once is text, not a name
        for number, votes in concept.votes.items():
            concept.values[number] = votes.most_common(1)[0][0]
        if not concept.numbered:
            first = concept.written[0].most_common(1)[0][0]
            concept.values = [
                concept.written[n].most_common(1)[0][0] if n in concept.written else first
                for n in range(examples)
            ]
        if len(set(concept.values)) > 1:
            concepts.append(concept)
    # numbers last: a name is what the blueprint is about, a port is one of its settings
    concepts.sort(key=lambda c: (_number(c), -c.count, -len(c.key), c.key))
    return _distinct(_without_compounds(concepts, examples))


def _number(concept: Concept) -> bool:
    return all(w.isdigit() for w in concept.key)


def _without_compounds(concepts: list[Concept], examples: int) -> list[Concept]:
    """Drop a run of words whose every word varies on its own, with the same values
    (``users_postgres`` -> ``orders_mysql`` is ``user`` -> ``order`` and ``postgres`` ->
    ``mysql``): two variables, not a third that joins them."""
    singles = {c.key[0]: c for c in concepts if len(c.key) == 1}

    def normal(run: Iterable[str]) -> tuple[str, ...]:
        return tuple(words.singular(w) for w in run)

    def compound(concept: Concept) -> bool:
        parts = [singles.get(words.singular(w)) for w in concept.key]
        if len(parts) < 2 or any(p is None for p in parts):
            return False
        return all(
            normal(concept.values[n]) == normal(w for p in parts if p for w in p.values[n])
            for n in range(examples)
        )

    return [c for c in concepts if not compound(c)]


def _distinct(concepts: list[Concept]) -> list[Concept]:
    """Drop a concept that another, more used, already gives the same values in every
    example (``user`` counted twice, as ``users`` and ``user``, is one)."""
    seen: set[tuple[tuple[str, ...], ...]] = set()
    kept = []
    for concept in concepts:
        values = tuple(concept.values)
        if values not in seen:
            seen.add(values)
            kept.append(concept)
    return kept


def _replaced_runs(
    mine: str, theirs: str
) -> Iterable[tuple[list[words.Word], list[words.Word], bool]]:
    """The runs of words of ``mine`` that ``theirs`` replaces with other words."""
    a, b = words.split(mine), words.split(theirs)
    if not a or not b:
        return
    if _DASHED.fullmatch(mine) and _DASHED.fullmatch(theirs):
        yield a, b, False  # a date, 2024-01-15: one value, not its parts
        return
    matcher = difflib.SequenceMatcher(
        None, [w.text.lower() for w in a], [w.text.lower() for w in b], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace" or i2 - i1 > MAX_RUN or j2 - j1 > MAX_RUN:
            continue
        run, other = a[i1:i2], b[j1:j2]
        gaps = [mine[x.end : y.start] for x, y in itertools.pairwise(run)]
        gaps += [theirs[x.end : y.start] for x, y in itertools.pairwise(other)]
        if any(gap not in ("", "_", "-", " ") for gap in gaps):
            continue  # words apart: not one name
        yield run, other, any(gap == " " for gap in gaps)
