"""Tests for textwrap.shorten."""

from typing import Any

import pytest

from textwrap import shorten


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {"text": "Hello  world!", "width": 12},
            "Hello world!",
            id="collapses-whitespace",
        ),
        pytest.param(
            {"text": "The quick brown fox jumps over the lazy dog", "width": 25},
            "The quick brown fox [...]",
            id="truncates",
        ),
        pytest.param(
            {
                "text": "The quick brown fox jumps over the lazy dog",
                "width": 25,
                "placeholder": " …",
            },
            "The quick brown fox …",
            id="custom-placeholder",
        ),
    ],
)
def test_shorten(kwargs: dict[str, Any], expected: object) -> None:
    assert shorten(**kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param(
            {"text": "Hello world", "width": 3},
            ValueError,
            "placeholder too large",
            id="placeholder-too-wide",
        ),
    ],
)
def test_shorten_raises(
    kwargs: dict[str, Any], error: type[BaseException], match: str | None
) -> None:
    with pytest.raises(error, match=match):
        shorten(**kwargs)
