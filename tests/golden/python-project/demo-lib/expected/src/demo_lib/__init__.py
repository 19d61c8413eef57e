"""The demo_lib package."""

from demo_lib.core import slugify

__all__ = ["__version__", "slugify"]
__version__ = "0.1.0"
