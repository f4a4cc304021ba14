"""Identifiers that pass the real checks but can never belong to anyone.

- NHS numbers come from the 999 range NHS England keeps for testing, with a valid modulus 11 digit.
- Unique pupil numbers use Norfolk's local authority number (926) and carry a correct check letter.
- Telephone numbers come from Ofcom's ranges reserved for drama (07700 900xxx, 01632 960xxx).
- Email addresses use the reserved example domains.
"""

from __future__ import annotations

import random

from harbour.people.names import fold

NHS_TEST_PREFIX = "999"
NORFOLK_LA_NUMBER = "926"
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for nine digits, or None when no valid number starts so."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def upn_check_letter(last_twelve: str) -> str:
    total = sum(int(d) * w for d, w in zip(last_twelve, range(2, 14), strict=True))
    return UPN_CHECK_LETTERS[total % 23]


class IdentifierMaker:
    """Hands out NHS numbers and UPNs, each at most once in a run."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._nhs: set[str] = set()
        self._upn: set[str] = set()

    def nhs_number(self) -> str:
        while True:
            first_nine = NHS_TEST_PREFIX + f"{self.rng.randrange(1_000_000):06d}"
            check = nhs_check_digit(first_nine)
            number = f"{first_nine}{check}"
            if check is not None and number not in self._nhs:
                self._nhs.add(number)
                return number

    def upn(self, establishment: int, year_allocated: int) -> str:
        while True:
            serial = self.rng.randrange(1000)
            rest = f"{NORFOLK_LA_NUMBER}{establishment % 10000:04d}{year_allocated % 100:02d}{serial:03d}"
            upn = upn_check_letter(rest) + rest
            if upn not in self._upn:
                self._upn.add(upn)
                return upn


def mobile(rng: random.Random) -> str:
    return f"07700 900{rng.randrange(1000):03d}"


def landline(rng: random.Random) -> str:
    return f"01632 960{rng.randrange(1000):03d}"


def email(rng: random.Random, first: str, last: str) -> str:
    local = ".".join(fold(part).replace(" ", "") for part in (first, last) if part)
    style = rng.randrange(3)
    if style == 1:
        local = f"{local}{rng.randrange(1, 99)}"
    elif style == 2:
        local = f"{fold(first)[:1]}{fold(last).replace(' ', '')}"
    return f"{local}@{rng.choice(['example.com', 'example.net', 'example.org'])}"
