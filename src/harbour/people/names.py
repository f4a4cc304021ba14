"""Name folding for search: case, accents, punctuation and spacing do not matter."""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")

# Letters that Unicode does not decompose into a base letter and an accent, so NFKD leaves them
# whole: without this table they would be dropped as punctuation ("Michał" would fold to "micha").
# Lower case only: fold() lowers the text first. Kept in step with the DuckDB macro in linkage/run.py.
SPECIAL_LETTERS = {
    "ł": "l",  # Polish
    "ø": "o",  # Danish, Norwegian
    "đ": "d",  # Croatian, Serbian, Vietnamese
    "ð": "d",  # Icelandic
    "þ": "th",  # Icelandic
    "ß": "ss",  # German
    "æ": "ae",
    "œ": "oe",
    "\u0131": "i",  # Turkish dotless i
    "ħ": "h",  # Maltese
    "ŧ": "t",
}
_SPECIAL = str.maketrans(SPECIAL_LETTERS)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_SPECIAL))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    ascii_only = ascii_only.replace("-", " ").replace("'", "").replace("\u2019", "")
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", ascii_only)).strip()
