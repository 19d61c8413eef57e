"""Read YAML (or JSON) and remember the line each value came from.

Errors about a manifest or an items file must name the line, so a document has
a map from a value's path (a tuple of keys and indexes) to its 1-based line, made
from the text when first asked for (only an error needs it).

Every document is held to limits before it is built, so that hostile input is
an error and not a hang or an exhausted memory (see docs/safety.md):

- aliases may not expand it past ``MAX_VALUES`` values (a "billion laughs"
  alias bomb of a few hundred bytes is refused at once), nor refer to
  themselves;
- it may not nest deeper than ``MAX_DEPTH`` levels;
- an integer has at most ``MAX_INT_DIGITS`` digits (quote it to keep it as text);
- a file is at most ``MAX_FILE_BYTES`` long.

Timestamps, ``!!binary`` and ``!!set`` values are read as JSON would see them
(text, text and a mapping), since items and manifests are validated by JSON Schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaffolder.errors import ScaffoldError

PathKey = tuple[Hashable, ...]

MAX_VALUES = 1_000_000  # values in a document once its aliases are expanded
MAX_DEPTH = 100  # levels of nesting of lists and mappings
MAX_INT_DIGITS = 4300  # digits of an integer: Python's own limit for text <-> int
MAX_FILE_BYTES = 64 * 1024 * 1024  # size of a YAML or JSON file
_INT_LIMIT = 10**MAX_INT_DIGITS

# libyaml's parser when PyYAML was built with it (it is several times faster)
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_integer(value: int) -> str | None:
    """Why ``value`` is too large to accept, or None."""
    if -_INT_LIMIT < value < _INT_LIMIT:
        return None
    return (
        f"an integer of more than {MAX_INT_DIGITS} digits; that is the limit. "
        "Quote it to keep it as text"
    )


def depth_of(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply lists and mappings nest in ``value`` (a scalar is 0), counted
    without recursion and up to ``limit + 1`` only."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, Mapping):
            children: Any = current.values()
        elif isinstance(current, list | tuple):
            children = current
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return limit + 1
        stack.extend((child, depth) for child in children)
    return deepest


class _LimitError(yaml.constructor.ConstructorError):
    """A value past one of the limits: reported as such, not as a syntax error."""


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader, with integers bounded and non-JSON types read as JSON would."""

    nodes = 0  # nodes composed (an alias adds none)
    level = 0  # of the node being composed: 1 for the root
    deepest = 0

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self.nodes += 1
        self.level += 1
        if self.level > self.deepest:  # (max() here costs a tenth of the whole parse)
            self.deepest = self.level

    def ascend_resolver(self) -> None:
        self.level -= 1

    def within_limits_as_composed(self, text: str) -> bool:
        """True when the text composed has no anchor (so no alias: a tree) and its nodes
        were within the limits: the graph needs no walk of its own."""
        return "&" not in text and self.nodes <= MAX_VALUES and self.deepest <= MAX_DEPTH

    def construct_bounded_int(self, node: yaml.ScalarNode) -> int:
        try:
            value: int = self.construct_yaml_int(node)
        except ValueError as exc:  # Python's own limit on converting long text
            raise _LimitError(
                None, None, check_integer(_INT_LIMIT) or str(exc), node.start_mark
            ) from exc
        problem = check_integer(value)
        if problem:
            raise _LimitError(None, None, problem, node.start_mark)
        return value

    def construct_as_text(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_set_as_mapping(self, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
        data: dict[Any, Any] = {}
        yield data
        data.update(self.construct_mapping(node))


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_bounded_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_as_text)
_Loader.add_constructor("tag:yaml.org,2002:binary", _Loader.construct_as_text)
_Loader.add_constructor("tag:yaml.org,2002:set", _Loader.construct_set_as_mapping)


@dataclass(frozen=True)
class SourceDocument:
    """A parsed YAML document with the line of every value in it."""

    data: Any
    source: str
    lines: Mapping[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of the value at ``path``, or of its nearest enclosing value."""
        key = tuple(path)
        while True:
            if key in self.lines:
                return self.lines[key]
            if not key:
                return None
            key = key[:-1]


def parse_yaml(text: str, source: str) -> SourceDocument:
    """Parse YAML (JSON is YAML too) from ``text``; ``source`` names it in errors."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and not loader.within_limits_as_composed(text):
            _check_graph(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, _LimitError):
            raise ScaffoldError(f"{where}: {problem}.") from exc
        raise ScaffoldError(f"{where}: not valid YAML: {problem}. Fix the syntax there.") from exc
    except RecursionError as exc:
        raise ScaffoldError(
            f"{source}: nested too deeply to read; the limit is {MAX_DEPTH} levels of "
            "lists and mappings. Flatten the data."
        ) from exc
    finally:
        loader.dispose()
    return SourceDocument(data=data, source=source, lines=_LinesOf(text))


class _LinesOf(Mapping[PathKey, int]):
    """The line of every value of a YAML text that has parsed, found when first asked
    for (to report an error): reading a document does not pay for them."""

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._lines: dict[PathKey, int] = {}

    def _found(self) -> dict[PathKey, int]:
        if self._text is not None:
            loader = _Loader(self._text)
            try:
                node = loader.get_single_node()  # it parsed before: it parses again
            except yaml.YAMLError:  # JSON that YAML does not read: no lines, only the file
                node = None
            finally:
                loader.dispose()
            if node is not None:
                _collect_lines(node, self._lines)
            self._text = None
        return self._lines

    def __getitem__(self, key: PathKey) -> int:
        return self._found()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._found()

    def __iter__(self) -> Iterator[PathKey]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


def parse_json(text: str, source: str) -> SourceDocument:
    """Parse strict JSON from ``text`` (no comments, trailing commas, single quotes, NaN),
    within the limits of YAML; a syntax error names its line and column. An empty text
    is None, as an empty YAML file is."""
    if not text.strip():
        return SourceDocument(data=None, source=source)
    try:
        data = json.loads(text, parse_int=json_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ScaffoldError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}. Fix the syntax "
            "there (a .json file is read as strict JSON: double-quoted strings, no comments, "
            "no trailing commas), or name the file .yaml to write YAML."
        ) from exc
    except ValueError as exc:  # an integer past the limit, NaN or Infinity
        found = re.search(rf"-?[0-9]{{{MAX_INT_DIGITS + 1},}}|NaN|-?Infinity", text)
        line = f":{text.count(chr(10), 0, found.start()) + 1}" if found else ""
        raise ScaffoldError(f"{source}{line}: {exc}.") from exc
    except RecursionError as exc:
        raise ScaffoldError(f"{source}: {_TOO_DEEP}.") from exc
    if depth_of(data) > MAX_DEPTH:
        raise ScaffoldError(f"{source}: {_TOO_DEEP}.")
    return SourceDocument(data=data, source=source, lines=_LinesOf(text))


def json_int(text: str) -> int:
    """An integer of a JSON text, refused past ``MAX_INT_DIGITS`` digits (ValueError)."""
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(check_integer(_INT_LIMIT))
    return int(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (write null, or quote it as text)")


def load_yaml(path: Path) -> SourceDocument:
    """Read and parse a YAML file, or a JSON one (``.json``: strict JSON)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        text = raw.decode("utf-8")
    except FileNotFoundError as exc:
        raise ScaffoldError(f"{path}: no such file.") from exc
    except IsADirectoryError as exc:
        raise ScaffoldError(f"{path}: a folder, not a file. Name the file itself.") from exc
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start : exc.start + 1].hex()
        raise ScaffoldError(
            f"{path}: not UTF-8 text (byte 0x{byte} at offset {exc.start}). Save it as UTF-8 "
            "(e.g. `iconv -f latin1 -t utf-8`)."
        ) from exc
    except OSError as exc:
        raise ScaffoldError(f"{path}: cannot be read: {exc.strerror or exc}.") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ScaffoldError(
            f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the limit for a "
            "YAML or JSON file. Split it (an items file can take its items `from` "
            "another file) or make it smaller."
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path))
    return parse_yaml(text, str(path))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_graph(root: yaml.Node) -> None:
    """Refuse a document whose aliases refer to themselves, whose aliases expand it
    past ``MAX_VALUES`` values, or that nests deeper than ``MAX_DEPTH``.

    Aliases make the node graph a DAG whose expansion can be exponential in its
    size, so sizes and depths are memoised per node: the count is linear.
    """
    if _within_limits_as_tree(root):
        return
    size: dict[int, int] = {}  # id(node) -> values once expanded
    depth: dict[int, int] = {}  # id(node) -> levels of nesting
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            children = _children(node)
            on_path.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 0
            if isinstance(node, yaml.CollectionNode):
                depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            if depth[key] > MAX_DEPTH:
                raise _refuse(node, _TOO_DEEP)
            if size[key] > MAX_VALUES:
                raise _refuse(node, _TOO_MANY)
            continue
        if key in size:
            continue
        if key in on_path:
            raise _refuse(node, _RECURSIVE)
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise _refuse(child, _RECURSIVE)
            if id(child) not in size:
                stack.append((child, False))


def _within_limits_as_tree(root: yaml.Node) -> bool:
    """True when ``root`` is a tree (no node reached twice: no alias) within the limits;
    False sends the document to the full check, which names what is wrong, and where.

    Most documents have no aliases; this walk costs a fraction of the full one."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or len(seen) >= MAX_VALUES:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.CollectionNode):
            if depth >= MAX_DEPTH:
                return False
            stack.extend((child, depth + 1) for child in _children(node))
    return True


_TOO_DEEP = (
    f"nested deeper than {MAX_DEPTH} levels of lists and mappings, the limit. Flatten the data"
)
_TOO_MANY = (
    f"its aliases (*name) expand the document past {MAX_VALUES:,} values, the limit (an alias "
    "bomb?). Write the values out, or refer to fewer of them"
)
_RECURSIVE = (
    "a recursive alias: the value anchored here (&name) contains an alias to itself (*name). "
    "Remove the alias that points back into its own anchor"
)


def _refuse(node: yaml.Node, problem: str) -> _LimitError:
    return _LimitError(None, None, problem, node.start_mark)


def load_documents(text: str) -> list[Any]:
    """Every YAML document in ``text`` (a rendered file, say), each within the limits.

    A syntax error, or a value past a limit, is a ``yaml.MarkedYAMLError`` with its line;
    nesting too deep to read is a ValueError.
    """
    loader = _Loader(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            _check_graph(node)
            documents.append(loader.construct_document(node))
        return documents
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    finally:
        loader.dispose()


_KEYS = yaml.constructor.SafeConstructor()


def _collect_lines(root: yaml.Node, lines: dict[PathKey, int]) -> None:
    """The line of every value, by path; a value an alias repeats is walked once
    (paths inside a repetition fall back to the line of the value repeated)."""
    visited: set[int] = set()
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in visited:
            continue
        visited.add(id(node))
        children: list[tuple[yaml.Node, PathKey]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    try:
                        key = _KEYS.construct_object(key_node)
                    except (yaml.YAMLError, ValueError):
                        continue
                    if isinstance(key, Hashable):
                        children.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            children = [(child, (*path, index)) for index, child in enumerate(node.value)]
        stack.extend(reversed(children))  # in document order: an anchor before its aliases
