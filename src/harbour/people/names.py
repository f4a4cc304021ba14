"""Name folding for search: case, accents, punctuation and spacing do not matter."""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    ascii_only = ascii_only.replace("-", " ").replace("'", "")
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", ascii_only)).strip()
