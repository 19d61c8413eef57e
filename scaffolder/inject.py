"""Injection: a rendered snippet put into a file the destination holds (or the run renders).

A manifest declares each injection (``inject:``, read here into :class:`Injection`);
rendering turns it, per item, into a :class:`Patch` of the change set (rendering never
reads the destination); planning applies the patches of a file, in item order, to its
current bytes with :func:`apply`. A snippet already in the file is left alone, so a run
done again changes nothing.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from scaffolder.errors import BlueprintError, ScaffoldError, TemplateError, shorten
from scaffolder.paths import confine
from scaffolder.yamlsource import SourceDocument

_TEMPLATED = re.compile(r"\{\{|\{%")
_MANIFEST = PurePosixPath("blueprint.yaml")


class Placement(enum.Enum):
    """Where a snippet goes."""

    AFTER = "after"  # after the line a regular expression matches
    BEFORE = "before"  # before that line
    BETWEEN = "between"  # between two marker lines, replacing what is there
    START = "start"  # at the start of the file
    END = "end"  # at the end of the file


class Occurrence(enum.Enum):
    """Which match an anchor takes when several lines match."""

    FIRST = "first"
    LAST = "last"


class InjectionError(ScaffoldError):
    """A patch cannot be applied: its file or its anchor is missing."""

    kind = "injection"


@dataclass(frozen=True)
class Injection:
    """One ``inject:`` entry of a manifest. Every text is a Jinja template, rendered per
    item; ``anchor`` is the regular expression of ``after:``/``before:`` or the start marker
    of ``between:`` (``end`` its end marker)."""

    key: str  # how messages name it: inject.0
    into: str
    placement: Placement
    snippet: str | None = None
    template: str | None = None  # a file in template/, rendered as the snippet
    anchor: str | None = None
    end: str | None = None
    occurrence: Occurrence = Occurrence.FIRST
    skip_if: str | None = None

    def render(
        self,
        text: Callable[[str, str], str],
        snippet: Callable[[], str],
        item: int,
        label: str,
        where: str,
    ) -> Patch | None:
        """This injection for one item (``label``, in messages): ``text(key, template)``
        renders one of its texts, ``snippet()`` its snippet. None when ``into`` renders
        empty: like a file whose name renders empty, the injection is not for this item."""
        into = text("into", self.into).strip()
        if not into:
            return None

        def optional(key: str, value: str | None) -> str | None:
            return None if value is None else text(key, value)

        patch = Patch(
            confine(into, PurePosixPath(f"{_MANIFEST}: {self.key}.into")),
            snippet(),
            self.placement,
            anchor=optional(self.placement.value, self.anchor),
            end=optional("between", self.end),
            occurrence=self.occurrence,
            skip_if=optional("skip_if", self.skip_if),
            items=(item,),
            template=_MANIFEST if self.template is None else PurePosixPath(self.template),
            source=where,
            label=label,
        )
        problem = patch.problem()
        if problem is not None:
            raise TemplateError(f"{where}.{problem}")
        return patch


@dataclass(frozen=True)
class Patch:
    """An injection rendered for one item: the snippet, the file it goes into and where."""

    path: PurePosixPath
    snippet: str
    placement: Placement
    anchor: str | None = None
    end: str | None = None
    occurrence: Occurrence = Occurrence.FIRST
    skip_if: str | None = None
    items: tuple[int, ...] = ()
    template: PurePosixPath = _MANIFEST  # what declares the snippet
    source: str = ""  # where it is declared, for messages: …/blueprint.yaml: inject.0
    label: str = ""  # the item, for messages: item 3 (users)

    def describe(self) -> str:
        """``after '^from '``, ``between '# <a>' and '# </a>'``, ``at end``."""
        if self.placement is Placement.BETWEEN:
            return f"between {self.anchor!r} and {self.end!r}"
        if self.anchor is None:
            return f"at {self.placement.value}"
        return f"{self.placement.value} {self.anchor!r}"

    def problem(self) -> str | None:
        """What is wrong with the rendered regular expressions, if anything."""
        for key, pattern in ((self.placement.value, self.anchor), ("skip_if", self.skip_if)):
            if self.placement is not Placement.BETWEEN or key == "skip_if":
                found = pattern_problem(pattern)
                if found:
                    return f"{key}: {shorten(pattern or '')} {found}"
        return None


def pattern_problem(pattern: str | None) -> str | None:
    """Why ``pattern`` is not a regular expression Python's ``re`` takes, or None."""
    if pattern is None:
        return None
    try:
        re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        return (
            f"is not a valid regular expression: {exc}. Fix the pattern (a literal . ( [ "
            "or \\ needs a backslash before it)."
        )
    except (OverflowError, RecursionError):
        return "is too large a regular expression. Make it simpler."
    return None


# -- the manifest's `inject:` list


_PLACES = ("after", "before", "between", "at")
_TEXTS = ("snippet", "template")


def parse_injections(document: SourceDocument, template_dir: Path) -> tuple[Injection, ...]:
    """The ``inject:`` entries of a manifest already checked against its schema; every
    problem (a placement or snippet missing or doubled, a regular expression that does not
    compile, a snippet template that is not there) is an error naming its line."""
    found, problems = [], []
    for index, entry in enumerate(document.data.get("inject") or ()):
        key = f"inject.{index}"

        def problem(field: str | None, message: str, index: int = index) -> None:
            path = ("inject", index) if field is None else ("inject", index, field)
            where = ".".join(map(str, path))
            problems.append(f"  {document.source}:{document.line_of(path)}: {where}: {message}")

        places = [name for name in _PLACES if name in entry]
        texts = [name for name in _TEXTS if name in entry]
        if len(places) != 1:
            problem(None, f"give exactly one of {', '.join(_PLACES)} (found {len(places)}).")
        if len(texts) != 1:
            problem(None, "give exactly one of snippet (the text) or template (a file in "
                    f"template/) (found {len(texts)}).")  # fmt: skip
        if "where" in entry and entry.get("at") is not None:
            problem("where", "first or last applies to after, before and between, not to at.")
        for name in ("after", "before", "skip_if"):
            text = entry.get(name)
            why = pattern_problem(text) if isinstance(text, str) else None
            if why is not None and not _TEMPLATED.search(str(text)):
                problem(name, f"{shorten(str(text))} {why}")
        template = entry.get("template")
        if isinstance(template, str) and not _template_exists(template_dir, template):
            problem("template", f"no file {template} in {template_dir}. Put the snippet's "
                    "template there, or give the text as snippet:.")  # fmt: skip
        if len(places) == 1 and len(texts) == 1:
            found.append(_injection(key, entry, places[0]))
    if problems:
        raise BlueprintError(
            f"{document.source}: the blueprint's inject: list is invalid:\n" + "\n".join(problems)
        )
    return tuple(found)


def _injection(key: str, entry: dict[str, Any], place: str) -> Injection:
    between = entry.get("between") or (None, None)
    placement = Placement(entry["at"]) if place == "at" else Placement(place)
    return Injection(
        key=key,
        into=entry["into"],
        placement=placement,
        snippet=entry.get("snippet"),
        template=entry.get("template"),
        anchor=between[0] if place == "between" else entry.get(place),
        end=between[1],
        occurrence=Occurrence(entry.get("where", "first")),
        skip_if=entry.get("skip_if"),
    )


def _template_exists(template_dir: Path, name: str) -> bool:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        return False
    return (template_dir / relative).is_file()


# -- applying patches


def by_path(patches: Iterable[Patch]) -> dict[PurePosixPath, list[Patch]]:
    """The patches of each file, in the order given (item order)."""
    grouped: dict[PurePosixPath, list[Patch]] = {}
    for patch in patches:
        grouped.setdefault(patch.path, []).append(patch)
    return grouped


def apply(shown: Path, content: bytes, patches: Sequence[Patch]) -> bytes:
    """``content`` (the file ``shown``) with each patch applied in turn. A snippet already
    there (or a ``skip_if`` that matches) leaves the file as it is; the snippet's lines end
    the way the file's do."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise InjectionError(
            f"{shown}: not UTF-8 text, so {patches[0].source} cannot inject into it for "
            f"{patches[0].label}. Nothing was written. Point the injection at a text file."
        ) from None
    editor = _Editor(shown, text)
    for patch in patches:
        editor.apply(patch)
    return editor.text.encode("utf-8")


def missing_file(shown: Path, patches: Sequence[Patch]) -> InjectionError:
    first = patches[0]
    return InjectionError(
        f"{shown}: {first.source} injects into this file ({first.describe()}) for "
        f"{first.label}, but it does not exist and this run does not create it. Nothing was "
        "written. Create the file first, or let the blueprint render it (a template of that "
        "path; skip_if_exists keeps a version that is already there)."
    )


def not_a_file(shown: Path, patches: Sequence[Patch]) -> InjectionError:
    return InjectionError(
        f"{shown}: {patches[0].source} injects into it, but the run renders a symlink or a "
        "folder there, not a file. Nothing was written. Point the injection at a file."
    )


class _Editor:
    """A file's text, patched in turn. It remembers where the last match of each ``where:
    last`` pattern starts, so that the next patch with that pattern (the next item's) scans
    from there rather than from the top: a batch of a thousand items stays linear."""

    def __init__(self, shown: Path, text: str) -> None:
        self.shown, self.text = shown, text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self._last: dict[str, int] = {}  # pattern -> where its last match starts

    def apply(self, patch: Patch) -> None:
        text, snippet = self.text, _as_lines(patch.snippet, self.newline)
        if patch.skip_if is not None and re.search(patch.skip_if, text, re.MULTILINE):
            return
        if patch.placement is Placement.BETWEEN:
            start, end = self._between(patch)
            return self._splice(start, end, snippet)
        if _present(text, snippet):
            return
        if patch.placement is Placement.START:
            return self._splice(0, 0, snippet)
        if patch.placement is Placement.END:
            ending = self.newline if text and not text.endswith("\n") else ""
            return self._splice(len(text), len(text), ending + snippet)
        match = self._match(patch)
        if match is None:
            raise _no_anchor(self.shown, patch, f"no line matches {patch.anchor!r}")
        if patch.placement is Placement.BEFORE:
            position = text.rfind("\n", 0, match.start()) + 1
            return self._splice(position, position, snippet)
        line_end = text.find("\n", max(match.end() - 1, match.start()))
        if line_end < 0:  # the last line, without a line ending: give it one
            return self._splice(len(text), len(text), self.newline + snippet)
        return self._splice(line_end + 1, line_end + 1, snippet)

    def _splice(self, start: int, end: int, new: str) -> None:
        """``text[start:end]`` replaced by ``new``; remembered matches from there on are
        forgotten (the text before a match is what its search depends on)."""
        self.text = self.text[:start] + new + self.text[end:]
        self._last = {pattern: at for pattern, at in self._last.items() if at < start}

    def _match(self, patch: Patch) -> re.Match[str] | None:
        pattern = re.compile(patch.anchor or "", re.MULTILINE)
        if patch.occurrence is Occurrence.FIRST:
            return pattern.search(self.text)
        last = None
        for last in pattern.finditer(self.text, self._last.get(pattern.pattern, 0)):  # noqa: B007
            pass  # the last one is the one wanted
        if last is not None:
            self._last[pattern.pattern] = last.start()
        return last

    def _between(self, patch: Patch) -> tuple[int, int]:
        """Where the lines between the line holding the start marker and the next line
        holding the end marker begin and end."""
        text, start, end = self.text, patch.anchor or "", patch.end or ""
        at = text.find(start) if patch.occurrence is Occurrence.FIRST else text.rfind(start)
        if at < 0:
            raise _no_anchor(self.shown, patch, f"no line holds the start marker {start!r}")
        inside = text.find("\n", at) + 1
        closing = text.find(end, inside) if inside > 0 else -1
        if closing < 0:
            message = f"no line after {start!r} holds the end marker {end!r}"
            raise _no_anchor(self.shown, patch, message)
        return inside, text.rfind("\n", 0, closing) + 1


def _as_lines(snippet: str, newline: str) -> str:
    """The snippet as whole lines, each ending the way the file's lines do."""
    if not snippet:
        return ""
    text = snippet.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text if newline == "\n" else text.replace("\n", newline)


def _present(text: str, snippet: str) -> bool:
    """Whether the snippet's lines are already in the file, as whole lines."""
    body = snippet.rstrip("\r\n")
    if not body:
        return True
    start = 0
    while (found := text.find(body, start)) >= 0:
        end = found + len(body)
        starts_line = found == 0 or text[found - 1] == "\n"
        ends_line = end == len(text) or text.startswith(("\n", "\r\n"), end)
        if starts_line and ends_line:
            return True
        start = found + 1
    return False


def _no_anchor(shown: Path, patch: Patch, what: str) -> InjectionError:
    first_line = patch.snippet.strip().splitlines()[0] if patch.snippet.strip() else ""
    return InjectionError(
        f"{shown}: {what}, so {patch.source} cannot inject {shorten(first_line)} "
        f"{patch.describe()} for {patch.label}. Nothing was written. Add the line it goes by "
        "to the file, or fix the pattern in the blueprint."
    )
