"""Tests for text_tools.core."""

import pytest

from text_tools import slugify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello-world"),
        ("  spaces   all   around  ", "spaces-all-around"),
        ("Crème Brûlée", "creme-brulee"),
        ("Python 3.12 is out", "python-3-12-is-out"),
        ("already-a-slug", "already-a-slug"),
        ("", ""),
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected


def test_slugify_joins_words_with_the_given_separator() -> None:
    assert slugify("Hello, World!", separator="_") == "hello_world"


def test_slugify_drops_characters_without_an_ascii_form() -> None:
    assert slugify("¿Qué? → ok ✓") == "que-ok"
