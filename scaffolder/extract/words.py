"""One word across its forms: ``user``, ``users``, ``User``, ``USERS_TABLE``, ``UserProfile``.

Names are split into words as the naming filters split them (:mod:`scaffolder.filters`). A
run of words is known by its *key*, its words in lower case with the last one singular
(``UserProfiles`` -> ``("user", "profile")``, ``people`` -> ``("person",)``), and each
occurrence has a :class:`Form`: its number and its case. The value a blueprint stores is
snake_case in one number; :func:`filters_for` names the filters that make any form of it.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from scaffolder import filters

# an acronym with its number is one word: EC2, HTTP2, S3 (then Instance, Client, Bucket)
_WORD = re.compile(r"[A-Z]+\d+(?![a-z])|[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|\d+")
_PROSE_SUFFIXES = (".md", ".markdown", ".txt", ".rst", ".adoc", ".html")
_IDENTIFIER_CHAR = re.compile(r"[A-Za-z0-9_]")


@dataclass(frozen=True)
class Word:
    """A word of a text and where it is: ``text[start:end]``."""

    text: str
    start: int
    end: int


def split(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """The words of ``text[start:end]``, at their places in ``text``."""
    stop = len(text) if end is None else end
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text, start, stop)]


@cache
def singular(word: str) -> str:
    """``users`` -> ``user``; a word with a digit (``s3``, ``k8s``) or of two letters (``us``,
    ``os``) is not inflected: it is a name, not an English noun."""
    lower = word.lower()
    if len(lower) <= 2 or any(c.isdigit() for c in lower):
        return lower
    return filters.singular(lower)


def is_plural(word: str) -> bool:
    """``users``, ``people``: yes; ``user``, ``news``, ``series`` (the same both ways): no."""
    lower = word.lower()
    return singular(lower) != lower


def key(words: Sequence[str]) -> tuple[str, ...]:
    """How a run of words is recognised in any case and number."""
    lowered = [w.lower() for w in words]
    return (*lowered[:-1], singular(lowered[-1])) if lowered else ()


class Case(enum.Enum):
    """How the words of one occurrence are written."""

    SNAKE = "snake"  # user_profile, user
    CAMEL = "camel"  # userProfile, and user in userId
    PASCAL = "pascal"  # UserProfile, User
    KEBAB = "kebab"  # user-profile
    UPPER = "upper"  # USER_PROFILE, USER
    UPPER_KEBAB = "upper_kebab"  # USER-PROFILE
    TITLE = "title"  # User Profile (prose)
    LOWER_SPACED = "lower_spaced"  # user profile (prose)
    UPPER_SPACED = "upper_spaced"  # USER PROFILE (prose)


# the filters that turn a snake_case value into each case (SNAKE: none)
_CASE_FILTERS: dict[Case, tuple[str, ...]] = {
    Case.SNAKE: (),
    Case.CAMEL: ("camel",),
    Case.PASCAL: ("pascal",),
    Case.KEBAB: ("kebab",),
    Case.UPPER: ("upper",),
    Case.UPPER_KEBAB: ("kebab", "upper"),
    Case.TITLE: ("title",),
    Case.LOWER_SPACED: ("title", "lower"),
    Case.UPPER_SPACED: ("title", "upper"),
}


@dataclass(frozen=True)
class Form:
    """One occurrence's number and case."""

    plural: bool
    case: Case


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower() or word[1:].isdigit())


def case_of(run: Sequence[Word], text: str, path: str) -> Case | None:
    """The case of a run of words in ``text`` (a file at ``path``), or None for a mix that
    no filter writes (``user_Profile``)."""
    words = [w.text for w in run]
    after = text[run[-1].end : run[-1].end + 1]
    before = text[run[0].start - 1 : run[0].start] if run[0].start else ""
    prose = path.lower().endswith(_PROSE_SUFFIXES) and not (
        _IDENTIFIER_CHAR.match(before or " ") or _IDENTIFIER_CHAR.match(after or " ")
    )
    if len(words) == 1:
        word = words[0]
        if word.islower() or word.isdigit():
            return Case.CAMEL if after[:1].isupper() else Case.SNAKE
        if word.isupper() and len(word) > 1:
            return Case.UPPER
        if _capitalised(word):
            return Case.TITLE if prose else Case.PASCAL
        return None
    separators = {text[a.end : b.start] for a, b in itertools.pairwise(run)}
    if len(separators) != 1:
        return None
    (separator,) = separators
    lower = all(w.islower() or w.isdigit() for w in words)
    upper = all(w.isupper() or w.isdigit() for w in words)
    rest_capitalised = all(_capitalised(w) or w.isdigit() for w in words[1:])
    if lower:
        return {"_": Case.SNAKE, "-": Case.KEBAB, " ": Case.LOWER_SPACED}.get(separator)
    if upper:
        return {"_": Case.UPPER, "-": Case.UPPER_KEBAB, " ": Case.UPPER_SPACED}.get(separator)
    if separator == "" and rest_capitalised:
        if words[0].islower():
            return Case.CAMEL
        if _capitalised(words[0]):
            return Case.PASCAL
    if separator == " " and rest_capitalised and _capitalised(words[0]):
        return Case.TITLE
    return None


def _one_word(case: Case, lower: str) -> str:
    """How ``case`` writes one lower-case word."""
    if case in (Case.PASCAL, Case.TITLE):
        return lower[:1].upper() + lower[1:]
    if case in (Case.UPPER, Case.UPPER_KEBAB, Case.UPPER_SPACED):
        return lower.upper()
    return lower


def one_word_case(word: str, case: Case, other: Case | None) -> Case:
    """The case of a one-word occurrence ``word``: ``case`` as it looks, or ``other`` (how
    the other examples write it) when that writes ``word`` the same way: ``user`` is camel
    where another example has ``orderItem``, ``S3`` is pascal where it has ``Ec2``."""
    if other is not None and _one_word(other, word.lower()) == word:
        return other
    return case


def filters_for(form: Form, stored_plural: bool, invariant: bool) -> tuple[str, ...]:
    """The filters that make ``form`` from the stored snake_case value: number, then case.

    ``invariant``: the words are the same in both numbers (``news``), so no number filter.
    """
    number: tuple[str, ...] = ()
    if not invariant and form.plural != stored_plural:
        number = ("plural",) if form.plural else ("singular",)
    return (*number, *_CASE_FILTERS[form.case])


def expression(variable: str, chain: Sequence[str]) -> str:
    """``resource | singular | pascal``."""
    return " | ".join([variable, *chain])
