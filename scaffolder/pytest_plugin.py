"""The ``scaffold`` pytest fixture, registered with pytest by the ``pytest11`` entry point.

::

    def test_greeting(scaffold):
        result = scaffold.render("greeting", {"who": "Ada"})
        assert result.ok and "Hello, Ada!" in result.files["greeting.py"]

pytest loads this module in every run of every project in the environment, so it imports
nothing but pytest: the library is imported when a test asks for the fixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from scaffolder.authoring.fixture import Scaffold


@pytest.fixture
def scaffold(tmp_path: Path) -> Scaffold:
    """Render a blueprint into this test's ``tmp_path``: ``scaffold.render(blueprint,
    values)`` returns the report, the folder (``.path``) and the files (``.files``, path ->
    text) of one render, its checks run (``check=False`` skips them)."""
    from scaffolder.authoring.fixture import Scaffold

    return Scaffold(tmp_path)
