"""Tests for math.gcd."""

from typing import Any

import pytest

from math import gcd


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param((12, 18), 6, id="common-factor"),
        pytest.param((17, 5), 1, id="coprime"),
        pytest.param((0, 9), 9, id="zero"),
        pytest.param((-4, 6), 2, id="negative"),
        pytest.param((), 0, id="no-arguments"),
    ],
)
def test_gcd(args: tuple[Any, ...], expected: object) -> None:
    assert gcd(*args) == expected


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        pytest.param(
            (1.5, 2),
            TypeError,
            "'float' object cannot be interpreted as an integer",
            id="float",
        ),
    ],
)
def test_gcd_raises(
    args: tuple[Any, ...], error: type[BaseException], match: str | None
) -> None:
    with pytest.raises(error, match=match):
        gcd(*args)
