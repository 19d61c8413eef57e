"""Read YAML (or JSON) and remember the line each value came from.

Errors about a manifest or an items file must name the line, so loading keeps
a map from a value's path (a tuple of keys and indexes) to its 1-based line.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaffolder.errors import ScaffoldError

PathKey = tuple[Hashable, ...]
# libyaml's parser when PyYAML was built with it (it is several times faster)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScaffoldError(f"{where}: not valid YAML: {problem}. Fix the syntax there.") from exc
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return SourceDocument(data=data, source=source, lines=lines)


def load_yaml(path: Path) -> SourceDocument:
    """Read and parse a YAML or JSON file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ScaffoldError(f"{path}: no such file.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaffoldError(f"{path}: cannot be read: {exc}.") from exc
    return parse_yaml(text, str(path))


_KEYS = yaml.constructor.SafeConstructor()


def _collect_lines(node: yaml.Node, path: PathKey, lines: dict[PathKey, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = _KEYS.construct_object(key_node)
                if isinstance(key, Hashable):
                    _collect_lines(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _collect_lines(child, (*path, index), lines)
