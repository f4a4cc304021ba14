"""Near-duplicates: the same young person recorded again by another agency, the way it happens.

A second record differs from the first in one to three of these ways (the codes are written to the
truth file, so record linkage can be scored against them):

- ``nickname``: a diminutive or another spelling of the first name (Kayden/Kaden, Alexander/Alex)
- ``surname_typo``: a surname keyed or heard wrongly (letters swapped, missed, doubled, accents lost)
- ``dob_day_month_swap``: day and month the wrong way round (only when both are 12 or less)
- ``dob_digit_slip``: one digit of the date of birth wrong
- ``double_barrel_part``: one part of a double-barrelled or two-part surname
- ``name_order_swap``: first name and surname the wrong way round
- ``missing_nhs``: no NHS number (also noted when the recording agency would not hold one)
- ``old_address``: the young person's previous address
- ``address_format``: the same address written differently (Road/Rd)
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta

from django.db import models

from harbour.demo import names
from harbour.demo.county import AddressParts
from harbour.demo.network import NetworkPlanner
from harbour.demo.people import Refs, TruthPair, YoungPerson, search_name
from harbour.demo.rand import Ids, Weighted, age_on, chance, days_before, stream
from harbour.demo.rows import build
from harbour.people.models import Address, Person

MUTATIONS = {
    "nickname": 3,
    "surname_typo": 3,
    "dob_day_month_swap": 2,
    "dob_digit_slip": 2,
    "double_barrel_part": 4,
    "name_order_swap": 1,
    "missing_nhs": 2,
    "old_address": 2,
}
HOW_MANY = Weighted({1: 50, 2: 35, 3: 15})
RECORDERS = Weighted({"police": 35, "health": 25, "education": 15, "voluntary": 10, "council": 8, "yjs": 7})
# Agencies that usually hold a young person's NHS number.
HOLD_NHS_NUMBER = {"health", "yjs"}
ABBREVIATIONS = {
    "Road": "Rd",
    "Street": "St",
    "Avenue": "Ave",
    "Close": "Cl",
    "Drive": "Dr",
    "Lane": "Ln",
    "Crescent": "Cres",
    "Gardens": "Gdns",
    "Terrace": "Terr",
    "Place": "Pl",
}
_LAST_WORD = re.compile(r"(\w+)$")
YOUNGEST, OLDEST = 10, 19


def _valid(day: date, as_of: date) -> bool:
    return YOUNGEST <= age_on(day, as_of) <= OLDEST


def swapped_day_month(born: date, as_of: date) -> date | None:
    if born.day > 12 or born.day == born.month:
        return None
    swapped = born.replace(month=born.day, day=born.month)
    return swapped if _valid(swapped, as_of) else None


def digit_slips(born: date, as_of: date) -> list[date]:
    """Dates one keystroke away: a day one out, the tens of the day wrong, the year one out."""
    found: list[date] = []
    for delta in (-1, 1):
        found.append(born + timedelta(days=delta))
        with contextlib.suppress(ValueError):
            found.append(born.replace(year=born.year + delta))
    for tens in (0, 1, 2):
        day = tens * 10 + born.day % 10
        if day != born.day and day > 0:
            with contextlib.suppress(ValueError):
                found.append(born.replace(day=day))
    return [d for d in found if d != born and _valid(d, as_of)]


def abbreviate(line: str) -> str | None:
    match = _LAST_WORD.search(line)
    if match and match.group(1) in ABBREVIATIONS:
        return line[: match.start(1)] + ABBREVIATIONS[match.group(1)]
    return None


class DuplicateMaker:
    def __init__(self, *, seed: int, as_of: date, refs: Refs, network: NetworkPlanner) -> None:
        self.rng = stream(seed, "duplicates")
        self.as_of = as_of
        self.refs = refs
        self.network = network
        self.person_ids = Ids(seed, "duplicate-person")
        self.address_ids = Ids(seed, "duplicate-address")

    def applicable(self, young: YoungPerson) -> dict[str, float]:
        person = young.person
        assert person.date_of_birth is not None
        found: dict[str, float] = dict(MUTATIONS)
        if not names.has_variant(person.first_name):
            del found["nickname"]
        if swapped_day_month(person.date_of_birth, self.as_of) is None:
            del found["dob_day_month_swap"]
        if not digit_slips(person.date_of_birth, self.as_of):
            del found["dob_digit_slip"]
        if "-" not in person.last_name and " " not in person.last_name:
            del found["double_barrel_part"]
        if not person.nhs_number:
            del found["missing_nhs"]
        if young.previous is None:
            del found["old_address"]
        return found

    def make(self, young: YoungPerson) -> tuple[list[models.Model], TruthPair]:  # noqa: PLR0912
        rng, original = self.rng, young.person
        assert original.date_of_birth is not None
        options = self.applicable(young)
        chosen: list[str] = []
        for _ in range(min(HOW_MANY.pick(rng), len(options))):
            code = Weighted(options).pick(rng)
            chosen.append(code)
            del options[code]

        first, last, born = original.first_name, original.last_name, original.date_of_birth
        address: AddressParts = young.address
        differences = set(chosen)
        if "nickname" in chosen:
            first = names.first_name_variant(rng, first) or first
        if "double_barrel_part" in chosen:
            last = rng.choice(re.split(r"[- ]", last))
        if "surname_typo" in chosen:
            last = names.surname_typo(rng, last)
        if "dob_day_month_swap" in chosen:
            born = swapped_day_month(born, self.as_of) or born
        if "dob_digit_slip" in chosen:
            slips = digit_slips(born, self.as_of)
            if slips:
                born = rng.choice(slips)
            else:
                differences.discard("dob_digit_slip")
        if "name_order_swap" in chosen:
            first, last = last, first
        if "old_address" in chosen and young.previous is not None:
            address = young.previous
        elif chance(rng, 0.3) and (short := abbreviate(address.line2 or address.line1)):
            address = AddressParts(
                address.line1 if address.line2 else short,
                short if address.line2 else "",
                address.town,
                address.postcode,
            )
            differences.add("address_format")

        recorder = RECORDERS.pick(rng)
        if recorder == "yjs" and young.age > 17:
            recorder = "police"
        nhs = original.nhs_number if recorder in HOLD_NHS_NUMBER and "missing_nhs" not in chosen else ""
        if original.nhs_number and not nhs:
            differences.add("missing_nhs")
        middle = original.middle_names if chance(rng, 0.3) else ""
        duplicate = build(
            Person,
            id=self.person_ids.next(),
            kind=Person.Kind.YOUNG_PERSON,
            first_name=first,
            middle_names=middle,
            last_name=last,
            date_of_birth=born,
            gender_id=original.gender_id if chance(rng, 0.95) else self.refs.gender_id("not-known"),
            ethnicity_id=original.ethnicity_id if chance(rng, 0.5) else None,
            disability=original.disability if chance(rng, 0.3) else "",
            first_language=original.first_language if chance(rng, 0.5) else "",
            interpreter_needed=original.interpreter_needed,
            nhs_number=nhs,
            upn=original.upn if recorder == "education" and chance(rng, 0.7) else "",
            school_id=original.school_id if chance(rng, 0.4) else None,
            phone=original.phone if chance(rng, 0.3) else "",
            search_name=search_name(first, middle, last, ""),
        )
        rows: list[models.Model] = [
            duplicate,
            build(
                Address,
                id=self.address_ids.next(),
                person_id=duplicate.pk,
                line1=address.line1,
                line2=address.line2,
                town_id=address.town.pk,
                postcode=address.postcode,
                starts_on=days_before(rng, self.as_of, 5, 400),
            ),
        ]
        rows.extend(self.network.for_duplicate(duplicate, young, recorder))
        return rows, TruthPair(original.pk, duplicate.pk, "duplicate", tuple(sorted(differences)))
