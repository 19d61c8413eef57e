"""PaymentGateway plugins: their interface, and the registry that finds them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

__all__ = ["PaymentGateway", "get", "register", "registered"]


class PaymentGateway(ABC):
    """A payment service provider (Stripe, Adyen, a bank) that charges and refunds cards.

    Subclass it, implement every abstract method (charge, refund, supported_currencies)
    and register the subclass under a key, then look it up by that key::

        @register("custom")
        class CustomPaymentGateway(PaymentGateway):
            ...

        payment_gateway = get("custom")()
    """

    @abstractmethod
    def charge(
        self,
        amount: Decimal,
        currency: str,
        card_token: str,
        idempotency_key: str | None,
    ) -> str:
        """Charge amount (in currency, an ISO 4217 code) to the tokenized card.

        Return the provider's transaction id. Retrying with the same
        idempotency_key must not charge twice.
        """

    @abstractmethod
    def refund(self, transaction_id: str, amount: Decimal | None) -> None:
        """Refund a charge, fully when amount is None."""

    @abstractmethod
    def supported_currencies(self) -> frozenset[str]:
        """Return the ISO 4217 codes of the currencies charge accepts."""


_T = TypeVar("_T", bound=type[PaymentGateway])

_registry: dict[str, type[PaymentGateway]] = {}


def register(key: str) -> Callable[[_T], _T]:
    """Return a class decorator that registers its class as ``key``.

    The class must be a subclass of PaymentGateway that implements every abstract method
    (else TypeError), and no other class may be registered as ``key`` (else ValueError).
    """

    def decorator(cls: _T) -> _T:
        if not (isinstance(cls, type) and issubclass(cls, PaymentGateway)):
            raise TypeError(f"{cls!r} is not a subclass of PaymentGateway")
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


def get(key: str) -> type[PaymentGateway]:
    """Return the implementation of PaymentGateway registered as ``key``."""
    try:
        return _registry[key]
    except KeyError:
        known = ", ".join(map(repr, sorted(_registry))) or "none"
        message = f"no PaymentGateway is registered as {key!r}; registered: {known}"
        raise LookupError(message) from None


def registered() -> dict[str, type[PaymentGateway]]:
    """Return every registered implementation of PaymentGateway by key, in key order."""
    return dict(sorted(_registry.items()))
