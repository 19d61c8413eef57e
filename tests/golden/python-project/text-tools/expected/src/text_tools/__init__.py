"""Slugs and other "clean" text helpers for URLs."""

from text_tools.core import slugify

__all__ = ["__version__", "slugify"]
__version__ = "1.0.0rc1"
