"""Exporter plugins: their interface, and the registry that finds them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

__all__ = ["Exporter", "get", "register", "registered"]


class Exporter(ABC):
    """Writes report rows to a file in one format (CSV, JSON Lines, Excel, ...).

    An exporter holds no state between calls: the same instance may export many reports.

    Subclass it, implement every abstract method (export, media_type, suffix) and
    register the subclass under a key, then look it up by that key::

        @register("custom")
        class CustomExporter(Exporter):
            ...

        exporter = get("custom")()
    """

    @abstractmethod
    def export(self, rows: Iterable[Mapping[str, object]], destination: Path) -> int:
        """Write the rows to destination, replacing it; return how many were written."""

    @abstractmethod
    def media_type(self) -> str:
        """Return the media type of the files export writes, e.g. text/csv."""

    @abstractmethod
    def suffix(self) -> str:
        """Return the suffix of the files export writes, with its dot, e.g. .csv."""


_T = TypeVar("_T", bound=type[Exporter])

_registry: dict[str, type[Exporter]] = {}


def register(key: str) -> Callable[[_T], _T]:
    """Return a class decorator that registers its class as ``key``.

    The class must be a subclass of Exporter that implements every abstract method
    (else TypeError), and no other class may be registered as ``key`` (else ValueError).
    """

    def decorator(cls: _T) -> _T:
        if not (isinstance(cls, type) and issubclass(cls, Exporter)):
            raise TypeError(f"{cls!r} is not a subclass of Exporter")
        missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
        if missing:
            raise TypeError(f"{cls.__qualname__} does not implement {missing}")
        registered = _registry.setdefault(key, cls)
        if registered is not cls:
            raise ValueError(
                f"{key!r} is already registered to "
                f"{registered.__module__}.{registered.__qualname__}"
            )
        return cls

    return decorator


def get(key: str) -> type[Exporter]:
    """Return the implementation of Exporter registered as ``key``."""
    try:
        return _registry[key]
    except KeyError:
        known = ", ".join(map(repr, sorted(_registry))) or "none"
        message = f"no Exporter is registered as {key!r}; registered: {known}"
        raise LookupError(message) from None


def registered() -> dict[str, type[Exporter]]:
    """Return every registered implementation of Exporter by key, in key order."""
    return dict(sorted(_registry.items()))
