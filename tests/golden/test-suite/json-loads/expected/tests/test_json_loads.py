"""Tests for json.loads."""

from typing import Any

import pytest

from json import JSONDecodeError, loads


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ('[null, true, false, 1, 2.5, "x"]',),
            [None, True, False, 1, 2.5, "x"],
            id="scalars",
        ),
        pytest.param(
            (
                '{"name": "Ada", "tags": ["math"], "meta": {"born": 1815, "quote": "it\'s \\"fine\\"\\n"}}',
            ),
            {
                "name": "Ada",
                "tags": ["math"],
                "meta": {"born": 1815, "quote": 'it\'s "fine"\n'},
            },
            id="nested",
        ),
        pytest.param(("{}",), {}, id="empty-object"),
    ],
)
def test_loads(args: tuple[Any, ...], expected: object) -> None:
    assert loads(*args) == expected


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        pytest.param(('{"a": }',), JSONDecodeError, "Expecting value", id="invalid"),
    ],
)
def test_loads_raises(
    args: tuple[Any, ...], error: type[BaseException], match: str | None
) -> None:
    with pytest.raises(error, match=match):
        loads(*args)
