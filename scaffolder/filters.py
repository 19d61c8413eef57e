"""The naming filters every template has: snake camel pascal kebab title plural singular.

Case filters split a name into words (at ``_``, ``-``, spaces, dots and case
changes) and join them again; ``plural`` and ``singular`` inflect the last word
with the ``inflect`` library and keep the rest as written.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|\d+")
_LAST_WORD = re.compile(r"([A-Z]?[a-z]+|[A-Z]+)([^A-Za-z]*)$")


def words(value: object) -> list[str]:
    """``"userProfile-ID"`` -> ``["user", "Profile", "ID"]``."""
    return _WORD.findall(str(value))


def snake(value: object) -> str:
    return "_".join(word.lower() for word in words(value))


def kebab(value: object) -> str:
    return "-".join(word.lower() for word in words(value))


def pascal(value: object) -> str:
    return "".join(word[:1].upper() + word[1:].lower() for word in words(value))


def camel(value: object) -> str:
    text = pascal(value)
    return text[:1].lower() + text[1:]


def title(value: object) -> str:
    return " ".join(word[:1].upper() + word[1:].lower() for word in words(value))


# ``x | plural``, ``{% filter singular %}``, ``map('plural')``: the ways to apply one
_INFLECTING = re.compile(r"(?:\|\s*|\bfilter\s+)(?:plural|singular)\b|(['\"])(?:plural|singular)\1")


def needs_inflection(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` (templates, a manifest) may apply ``plural`` or ``singular``.

    A test of the text, not of the parsed template, so it errs towards yes (a use in a
    comment counts); a variable merely named ``plural`` does not.
    """
    return any(_INFLECTING.search(text) for text in texts)


def warm_up() -> None:
    """Load the inflection engine now, e.g. before forking worker processes."""
    _engine()


@cache
def _engine() -> Any:
    return _import_inflect().engine()


def _import_inflect() -> Any:
    """Import ``inflect`` as ``python -O`` would: without typeguard's run-time checks.

    inflect decorates its engine with typeguard's ``@typechecked``, which at import
    re-parses inflect's module once per method (about two seconds). The checks only
    guard argument types, and these filters always pass strings, so the decorator is
    made a no-op while inflect loads — what it is anyway under ``python -O``.
    """
    if "inflect" in sys.modules:
        return sys.modules["inflect"]
    try:
        import typeguard
    except ImportError:  # an inflect that does not use typeguard
        import inflect

        return inflect
    original = typeguard.typechecked
    typeguard.typechecked = _unchecked
    try:
        import inflect
    finally:
        typeguard.typechecked = original
    return inflect


def _unchecked(target: Any = None, **_options: Any) -> Any:
    return target if target is not None else _unchecked


def _inflect_last_word(value: object, change: Callable[[str], str]) -> str:
    text = str(value)
    match = _LAST_WORD.search(text)
    if match is None:
        return text
    word = match.group(1)
    if len(word) < 3 or match.group(2)[:1].isdigit():
        return text  # a code, not a noun: ``s3``, ``v1``, ``ec2``, ``us``, ``os``
    changed = change(word.lower())
    if word.isupper() and len(word) > 1:
        changed = changed.upper()
    elif word[:1].isupper():
        changed = changed[:1].upper() + changed[1:]
    return text[: match.start(1)] + changed + match.group(2)


def plural(value: object) -> str:
    """``"user_profile"`` -> ``"user_profiles"``; an already plural word stays plural."""

    def change(word: str) -> str:
        if _engine().singular_noun(word) is not False:
            return word
        result: str = _engine().plural_noun(word)
        return result

    return _inflect_last_word(value, change)


def singular(value: object) -> str:
    """``"categories"`` -> ``"category"``; an already singular word stays as it is."""

    def change(word: str) -> str:
        result = _engine().singular_noun(word)
        return word if result is False else str(result)

    return _inflect_last_word(value, change)


FILTERS: dict[str, Callable[[object], str]] = {
    "snake": snake,
    "camel": camel,
    "pascal": pascal,
    "kebab": kebab,
    "title": title,
    "plural": plural,
    "singular": singular,
}
