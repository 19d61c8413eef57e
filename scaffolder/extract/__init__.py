"""``scaffold extract``: derive a blueprint from two or more examples that differ by names.

:func:`extract` reads the examples, finds the words that vary (one word across its case and
number: ``users``, ``User``, ``USERS_TABLE``), writes ``blueprint.yaml`` and the templates, and
proves, with the real renderer, that every example renders back byte for byte.
"""

from __future__ import annotations

from scaffolder.extract.core import extract
from scaffolder.extract.model import ExtractError, Extraction, Variable, VariableKind

__all__ = ["ExtractError", "Extraction", "Variable", "VariableKind", "extract"]
