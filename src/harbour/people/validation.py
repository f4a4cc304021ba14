"""Checks on personal details that every entry route shares (forms, API, imports)."""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone

OLDEST_BIRTH_YEAR = 1900
NHS_NUMBER = re.compile(r"^\d{10}$")
UPN = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")
POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")


def date_of_birth_problem(value: date | None) -> str | None:
    if value is None:
        return None
    if value > timezone.localdate():
        return "Date of birth must be today or in the past."
    if value.year < OLDEST_BIRTH_YEAR:
        return f"Date of birth must be after {OLDEST_BIRTH_YEAR}."
    return None


def nhs_number_problem(value: str) -> str | None:
    """NHS numbers are ten digits whose last is a modulus 11 check digit."""
    if not value:
        return None
    digits = value.replace(" ", "")
    if not NHS_NUMBER.match(digits):
        return "NHS number must be 10 digits, like 943 476 5919."
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        return "This is not a valid NHS number: its check digit does not match."
    return None


def upn_problem(value: str) -> str | None:
    if value and not UPN.match(value.upper()):
        return "Unique pupil number must be a letter followed by 11 digits and a final digit or letter."
    return None


def normalise_postcode(value: str) -> str:
    compact = value.replace(" ", "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def postcode_problem(value: str) -> str | None:
    if value and not POSTCODE.match(normalise_postcode(value)):
        return "Enter a real postcode, like NR1 3QU."
    return None
