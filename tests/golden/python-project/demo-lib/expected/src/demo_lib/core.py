"""The core functions of demo-lib."""

import re
import unicodedata

__all__ = ["slugify"]

_WORD = re.compile(r"[a-z0-9]+")


def slugify(text: str, separator: str = "-") -> str:
    """Return ``text`` as a lower-case ASCII slug, its words joined by ``separator``.

    Accents are dropped ("Crème" becomes "creme"); punctuation, spaces and characters
    with no ASCII form separate words and do not appear in the slug.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    return separator.join(_WORD.findall(ascii_text.lower()))
