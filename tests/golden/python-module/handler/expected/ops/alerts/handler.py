"""Handler plugins: their interface, and the registry that finds them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from logging import Handler as BaseHandler
from logging import LogRecord
from typing import TypeVar

__all__ = ["Handler", "get", "register", "registered"]


class Handler(BaseHandler, ABC):
    """A logging handler that sends alerts to people (chat, pager, e-mail).

    Attach one to a logger at WARNING or above. Unlike logging.Handler, an alert handler
    cannot be created before it implements emit and its delivery check.

    Subclass it, implement every abstract method (emit, reachable) and register the
    subclass under a key, then look it up by that key::

        @register("custom")
        class CustomHandler(Handler):
            ...

        handler = get("custom")()
    """

    @abstractmethod
    def emit(self, record: LogRecord) -> None:
        """Send self.format(record) to the alert channel."""

    @abstractmethod
    def reachable(self, timeout: float) -> bool:
        """Return whether the alert channel answers within timeout seconds."""


_T = TypeVar("_T", bound=type[Handler])

_registry: dict[str, type[Handler]] = {}


def register(key: str) -> Callable[[_T], _T]:
    """Return a class decorator that registers its class as ``key``.

    The class must be a subclass of Handler that implements every abstract method
    (else TypeError), and no other class may be registered as ``key`` (else ValueError).
    """

    def decorator(cls: _T) -> _T:
        if not (isinstance(cls, type) and issubclass(cls, Handler)):
            raise TypeError(f"{cls!r} is not a subclass of Handler")
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


def get(key: str) -> type[Handler]:
    """Return the implementation of Handler registered as ``key``."""
    try:
        return _registry[key]
    except KeyError:
        known = ", ".join(map(repr, sorted(_registry))) or "none"
        message = f"no Handler is registered as {key!r}; registered: {known}"
        raise LookupError(message) from None


def registered() -> dict[str, type[Handler]]:
    """Return every registered implementation of Handler by key, in key order."""
    return dict(sorted(_registry.items()))
