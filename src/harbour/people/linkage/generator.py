"""Labelled messy person records for testing and benchmarking batch linkage.

Each young person (an *entity*) is recorded one to five times, the way several agencies would record
them: with nicknames and other spellings of the first name, typos, day and month swapped or a digit
slipped in the date of birth, earlier addresses after a house move, a changed or double-barrelled
surname, first and last name the wrong way round, and missing values. Brothers and sisters share a
surname and an address, and some are twins born on the same day: different young people that a
careless model links. Deterministic from the seed; ``entity_id`` is the truth, and ``family_id``
and ``twin`` label brothers, sisters and twins so that a benchmark can count wrong merges of them.

Names come from the demo's lists (popular names of children born in England and Wales, Faker's en_GB
surnames and the county's larger communities); NHS numbers are in the 999 range kept for testing, so
no row can be a real person.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from harbour.demo import names
from harbour.demo.identifiers import nhs_check_digit, upn_check_letter
from harbour.demo.rand import Weighted, chance

COLUMNS = [
    "record_id",
    "entity_id",
    "first_name",
    "middle_names",
    "last_name",
    "date_of_birth",
    "gender",
    "postcode",
    "address",
    "town",
    "school",
    "nhs_number",
    "upn",
    "source",
    # Labels for measuring, like entity_id: the family (brothers and sisters share it) and whether
    # the young person is one of twins. Not read by the linkage.
    "family_id",
    "twin",
]

# Towns with their postcode districts; synthetic, shaped like Norfolk's.
TOWNS: dict[str, tuple[str, ...]] = {
    "Norwich": ("NR1", "NR2", "NR3", "NR4", "NR5", "NR6", "NR7", "NR8", "NR13", "NR14"),
    "Great Yarmouth": ("NR29", "NR30", "NR31"),
    "King's Lynn": ("PE30", "PE31", "PE32", "PE33", "PE34"),
    "Thetford": ("IP24", "IP25", "IP26"),
    "Dereham": ("NR19", "NR20"),
    "Wymondham": ("NR18",),
    "Diss": ("IP21", "IP22"),
    "North Walsham": ("NR28",),
    "Cromer": ("NR27",),
    "Fakenham": ("NR21",),
    "Downham Market": ("PE38",),
    "Attleborough": ("NR17",),
    "Swaffham": ("PE37",),
    "Aylsham": ("NR11",),
    "Holt": ("NR25",),
    "Hunstanton": ("PE36",),
}
TOWN_WEIGHTS = Weighted(
    {
        "Norwich": 35,
        "Great Yarmouth": 12,
        "King's Lynn": 12,
        "Thetford": 7,
        "Dereham": 5,
        "Wymondham": 4,
        "Diss": 3,
        "North Walsham": 3,
        "Cromer": 2,
        "Fakenham": 2,
        "Downham Market": 3,
        "Attleborough": 3,
        "Swaffham": 2,
        "Aylsham": 2,
        "Holt": 1,
        "Hunstanton": 1,
    }
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREETS: tuple[str, ...] = ("Church", "Mill", "Station", "School", "Chapel", "Manor", "Orchard", "Beech")
STREETS += ("Oak", "Elm", "Willow", "Victoria", "Albert", "Queens", "Kings", "Priory", "Heath", "Meadow")
STREETS += ("Market",)
STREET_SUFFIXES = ("Road", "Street", "Close", "Lane", "Way", "Avenue", "Drive", "Crescent", "Gardens")
HERITAGE = Weighted(
    {
        "british": 78,
        "polish": 5,
        "lithuanian": 3,
        "romanian": 3,
        "portuguese": 3,
        "latvian": 1,
        "irish": 2,
        "caribbean": 2,
        "indian": 1,
        "pakistani": 1,
        "african": 1,
    }
)
# How many records each young person has in one dataset, and how many children a family has.
RECORDS_PER_PERSON = Weighted({1: 30, 2: 30, 3: 20, 4: 12, 5: 8})
CHILDREN_PER_FAMILY = Weighted({1: 45, 2: 35, 3: 15, 4: 5})
TWINS = 0.06  # of families with two or more children
# Which agency recorded the row, and how often each holds the NHS number and the UPN.
SOURCES = Weighted({"police": 30, "health": 25, "education": 20, "council": 15, "voluntary": 10})
HOLDS_NHS = {"police": 0.15, "health": 0.9, "education": 0.2, "council": 0.5, "voluntary": 0.05}
HOLDS_UPN = {"police": 0.05, "health": 0.05, "education": 0.9, "council": 0.4, "voluntary": 0.0}
FIRST_BORN = date(2006, 1, 1)
LAST_BORN = date(2015, 12, 31)

# How often each mess happens to a record (independently, so some records carry several).
RATES = {
    "nickname": 0.12,
    "first_name_typo": 0.04,
    "surname_typo": 0.05,
    "surname_change": 0.02,
    "surname_part": 0.03,
    "names_swapped": 0.02,
    "dob_day_month_swap": 0.03,
    "dob_digit_slip": 0.03,
    "missing_dob": 0.02,
    "old_address": 0.25,
    "missing_postcode": 0.05,
    "missing_gender": 0.05,
    "wrong_gender": 0.01,
}


@dataclass
class Family:
    family_id: str
    surname: str
    heritage: str
    addresses: list[tuple[str, str, str]]  # (address line, postcode, town), latest last
    school: str


@dataclass
class Entity:
    entity_id: str
    first_name: str
    middle_names: str
    last_name: str
    born: date
    gender: str
    family: Family
    nhs_number: str
    upn: str
    twin: bool = False
    other_surnames: list[str] = field(default_factory=list)


class _Ids:
    """NHS numbers (999 test range, valid check digit) and UPNs, each used once, without a lookup set."""

    def __init__(self, rng: random.Random) -> None:
        # An affine permutation of 0..999,999 walks every nine-digit start once, in a scrambled order.
        self._step = 7919 * 101
        self._offset = rng.randrange(1_000_000)
        self._nhs_index = 0
        self._upn_index = 0

    def nhs_number(self) -> str:
        while True:
            serial = (self._offset + self._nhs_index * self._step) % 1_000_000
            self._nhs_index += 1
            first_nine = f"999{serial:06d}"
            check = nhs_check_digit(first_nine)
            if check is not None:
                return f"{first_nine}{check}"

    def upn(self, establishment: int) -> str:
        self._upn_index += 1
        rest = f"926{establishment % 10000:04d}{self._upn_index:05d}"[-12:]
        return upn_check_letter(rest) + rest


def _address(rng: random.Random) -> tuple[str, str, str]:
    town = TOWN_WEIGHTS.pick(rng)
    outward = rng.choice(TOWNS[town])
    inward = f"{rng.randrange(1, 10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    line = f"{rng.randrange(1, 120)} {rng.choice(STREETS)} {rng.choice(STREET_SUFFIXES)}"
    return line, f"{outward} {inward}", town


def _born(rng: random.Random) -> date:
    return FIRST_BORN + timedelta(days=rng.randrange((LAST_BORN - FIRST_BORN).days + 1))


def _family(rng: random.Random, family_id: str) -> Family:
    heritage = HERITAGE.pick(rng)
    moves = rng.choice((0, 0, 1, 1, 2))
    addresses = [_address(rng) for _ in range(moves + 1)]
    school = f"{rng.choice(STREETS)} {rng.choice(('Academy', 'High School', 'Primary', 'College'))}"
    return Family(family_id, names.family_surname(rng, heritage), heritage, addresses, school)


def _first_name(rng: random.Random, heritage: str, *, female: bool) -> str:
    # The demo's popular names are few; a quarter from Faker's longer lists makes the spread realistic.
    if heritage == "british" and chance(rng, 0.25):
        return names.adult_first_name(rng, heritage, female=female)
    return names.child_first_name(rng, heritage, female=female)


def _children(rng: random.Random, family: Family, ids: _Ids, next_id: int) -> list[Entity]:
    count = CHILDREN_PER_FAMILY.pick(rng)
    people: list[Entity] = []
    twins = count >= 2 and chance(rng, TWINS)
    for index in range(count):
        female = chance(rng, 0.5)
        born = people[0].born if twins and index == 1 else _born(rng)
        first = _first_name(rng, family.heritage, female=female)
        while any(first == sibling.first_name for sibling in people):
            first = _first_name(rng, family.heritage, female=female)
        middle = names.middle_name(rng, family.heritage, female=female)
        surname = names.surname_form(family.surname, family.heritage, female=female)
        people.append(
            Entity(
                entity_id=f"P{next_id + index:07d}",
                first_name=first,
                middle_names=middle,
                last_name=surname,
                born=born,
                gender="female" if female else "male",
                family=family,
                nhs_number=ids.nhs_number(),
                upn=ids.upn(hash_text(family.school)),
                twin=twins and index < 2,
            )
        )
    return people


def hash_text(text: str) -> int:
    """A stable small number for a text (Python's hash() changes between runs)."""
    total = 0
    for char in text:
        total = (total * 31 + ord(char)) % 1_000_003
    return total


def _typo(rng: random.Random, name: str) -> str:
    return names.surname_typo(rng, name) if len(name) > 2 else name


def _swap_day_month(born: date) -> date:
    return born.replace(day=born.month, month=born.day) if born.day <= 12 else born


def _slip_digit(rng: random.Random, born: date) -> date:
    text = born.strftime("%Y%m%d")
    for _ in range(20):
        position = rng.choice((3, 4, 5, 6, 7))  # the last digit of the year, the month or the day
        digit = str(rng.randrange(10))
        if digit == text[position]:
            continue
        candidate = text[:position] + digit + text[position + 1 :]
        try:
            slipped = date(int(candidate[:4]), int(candidate[4:6]), int(candidate[6:]))
        except ValueError:
            continue
        return slipped
    return born


def _record(rng: random.Random, person: Entity, record_id: str) -> list[str]:  # noqa: PLR0912
    first, middle, last, born = person.first_name, person.middle_names, person.last_name, person.born
    if chance(rng, RATES["nickname"]) and (variant := names.first_name_variant(rng, first)):
        first = variant
    if chance(rng, RATES["first_name_typo"]):
        first = _typo(rng, first)
    if chance(rng, RATES["surname_change"]):
        if not person.other_surnames:
            person.other_surnames.append(names.family_surname(rng, person.family.heritage))
        last = person.other_surnames[0]
    elif chance(rng, RATES["surname_part"]):
        parts = last.replace("-", " ").split()
        if len(parts) > 1:
            last = rng.choice(parts)  # one part of a double-barrelled surname
        else:
            if not person.other_surnames:
                person.other_surnames.append(names.family_surname(rng, person.family.heritage))
            last = f"{last}-{person.other_surnames[0]}"  # a second surname added with a hyphen
    if chance(rng, RATES["surname_typo"]):
        last = _typo(rng, last)
    if chance(rng, RATES["names_swapped"]):
        first, last = last, first
    dob: date | None = born
    if chance(rng, RATES["dob_day_month_swap"]):
        dob = _swap_day_month(born)
    elif chance(rng, RATES["dob_digit_slip"]):
        dob = _slip_digit(rng, born)
    if chance(rng, RATES["missing_dob"]):
        dob = None
    addresses = person.family.addresses
    line, postcode, town = (
        rng.choice(addresses[:-1])
        if len(addresses) > 1 and chance(rng, RATES["old_address"])
        else addresses[-1]
    )
    if chance(rng, RATES["missing_postcode"]):
        postcode = ""
    gender = person.gender
    if chance(rng, RATES["missing_gender"]):
        gender = ""
    elif chance(rng, RATES["wrong_gender"]):
        gender = "female" if gender == "male" else "male"
    source = SOURCES.pick(rng)
    nhs = person.nhs_number if chance(rng, HOLDS_NHS[source]) else ""
    upn = person.upn if chance(rng, HOLDS_UPN[source]) else ""
    school = person.family.school if source == "education" or chance(rng, 0.2) else ""
    if not chance(rng, 0.6):
        middle = ""
    return [
        record_id,
        person.entity_id,
        first,
        middle,
        last,
        dob.isoformat() if dob else "",
        gender,
        postcode,
        line,
        town,
        school,
        nhs,
        upn,
        source,
        person.family.family_id,
        "1" if person.twin else "",
    ]


def generate(records: int, *, seed: int = 1) -> Iterator[list[str]]:
    """``records`` rows in COLUMNS order; a person's records are spread through the file."""
    rng = random.Random(f"harbour-linkage:{seed}")  # noqa: S311 (synthetic data, not secrets)
    ids = _Ids(rng)
    rows: list[list[str]] = []
    entity_count = 0
    family_count = 0
    while len(rows) < records:
        family_count += 1
        family = _family(rng, f"F{family_count:07d}")
        children = _children(rng, family, ids, entity_count)
        entity_count += len(children)
        for person in children:
            for _ in range(RECORDS_PER_PERSON.pick(rng)):
                rows.append(_record(rng, person, ""))
    del rows[records:]
    rng.shuffle(rows)
    for number, row in enumerate(rows, start=1):
        row[0] = f"R{number:07d}"
        yield row


def write_csv(path: Path, records: int, *, seed: int = 1) -> int:
    """Write ``records`` labelled rows to ``path``; returns the number of true matching pairs."""
    sizes: dict[str, int] = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in generate(records, seed=seed):
            sizes[row[1]] = sizes.get(row[1], 0) + 1
            writer.writerow(row)
    return sum(size * (size - 1) // 2 for size in sizes.values())
