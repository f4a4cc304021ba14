"""Property tests for the "already known?" matcher on a seeded population of a few hundred young people:
each single corruption of a record still finds the true person in the top 10, a record finds itself
first, an equal NHS number outranks a match on names alone, and twins never reach the auto-link
threshold."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from harbour.demo.names import child_first_name, family_surname
from harbour.people import matching
from harbour.people.matching import (
    AUTO_LINK_THRESHOLD,
    Candidate,
    MatchQuery,
    NameVariants,
    matches_for,
    score,
)
from harbour.people.models import Address, Gender, Person
from harbour.people.names import fold

SEED = 3
AS_OF = dt.date(2025, 3, 1)
HOUSEHOLDS = 160
CHECKS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@dataclasses.dataclass(frozen=True)
class Held:
    pk: uuid.UUID
    first_name: str
    last_name: str
    date_of_birth: dt.date
    gender: str
    postcodes: tuple[str, ...]  # current first


@pytest.fixture(autouse=True)
def _fresh_reference_cache() -> None:
    matching.forget_reference_data()


@pytest.fixture
def population(reference: Any) -> list[Held]:
    """Households of one to three young people sharing a surname and address (some twins, some
    double-barrelled surnames, a third with an earlier address), bulk-created in a few queries."""
    rng = random.Random(SEED)
    genders = {code: Gender.objects.get(code=code) for code in ("male", "female")}
    held: list[Held] = []
    people: list[Person] = []
    addresses: list[Address] = []
    seen: set[tuple[str, str, dt.date]] = set()
    for household in range(HOUSEHOLDS):
        surname = family_surname(rng, "british")
        if household % 9 == 0:
            surname = f"{surname}-{family_surname(rng, 'british')}"
        home = f"NR{rng.randint(1, 30)} {rng.randint(1, 9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}"
        earlier = f"IP{rng.randint(20, 27)} {rng.randint(1, 9)}{rng.choice('ABDEFG')}{rng.choice('RSTUWX')}"
        history = (home, earlier) if household % 3 == 0 else (home,)
        born = AS_OF - dt.timedelta(days=rng.randint(10 * 365, 17 * 365))
        for child in range(rng.choice([1, 1, 2, 3])):
            if child and rng.random() > 0.25:  # a quarter of brothers and sisters are twins
                born = born - dt.timedelta(days=rng.randint(400, 1500))
            gender = rng.choice(["male", "female"])
            first = child_first_name(rng, "british", female=gender == "female")
            if (first, surname, born) in seen:
                continue
            seen.add((first, surname, born))
            person = Person(
                first_name=first,
                last_name=surname,
                date_of_birth=born,
                gender=genders[gender],
                search_name=fold(f"{first} {surname}"),
            )
            people.append(person)
            moved = AS_OF - dt.timedelta(days=rng.randint(100, 900))
            addresses.append(Address(person=person, line1="1 Road", postcode=home, starts_on=moved))
            if len(history) > 1:
                addresses.append(
                    Address(person=person, line1="2 Lane", postcode=earlier, starts_on=born, ends_on=moved)
                )
            held.append(Held(person.pk, first, surname, born, gender, history))
    Person.objects.bulk_create(people)
    Address.objects.bulk_create(addresses)
    return held


def query_of(person: Held) -> MatchQuery:
    return MatchQuery(
        first_name=person.first_name,
        last_name=person.last_name,
        date_of_birth=person.date_of_birth,
        postcode=person.postcodes[0],
        gender=person.gender,
    )


def _typo(rnd: random.Random, name: str) -> str:
    i = rnd.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1 :] if rnd.random() < 0.5 else name[: i + 1] + name[i] + name[i + 1 :]


def _one_digit(rnd: random.Random, born: dt.date) -> dt.date | None:
    text = born.strftime("%Y%m%d")
    options = []
    for i in range(4, 8):  # the month and day digits, and (below) the last digit of the year
        for digit in "0123456789":
            try:
                options.append(dt.datetime.strptime(text[:i] + digit + text[i + 1 :], "%Y%m%d").date())
            except ValueError:
                continue
    options.append(born.replace(year=born.year - 1 if born.year % 10 else born.year + 1))
    options = [option for option in options if option != born]
    return rnd.choice(options) if options else None


def corrupt(kind: str, person: Held, rnd: random.Random, variants: NameVariants) -> MatchQuery | None:
    """The person's record with exactly one thing wrong or missing; None when it cannot apply."""
    query = query_of(person)
    born = person.date_of_birth
    match kind:
        case "first_name_typo":
            return dataclasses.replace(query, first_name=_typo(rnd, person.first_name))
        case "last_name_typo":
            return dataclasses.replace(query, last_name=_typo(rnd, person.last_name))
        case "nickname":
            others = sorted(variants.of(person.first_name))
            return dataclasses.replace(query, first_name=rnd.choice(others).title()) if others else None
        case "day_month_swapped":
            if born.day > 12 or born.day == born.month:
                return None
            return dataclasses.replace(query, date_of_birth=born.replace(day=born.month, month=born.day))
        case "dob_one_digit_no_postcode":
            slipped = _one_digit(rnd, born)
            return dataclasses.replace(query, date_of_birth=slipped, postcode="") if slipped else None
        case "dob_year_or_month_no_postcode":
            moved = born.replace(month=born.month + 1) if born.month < 12 and born.day <= 28 else None
            moved = moved or born.replace(year=born.year + 1) if born.day <= 28 else moved
            return dataclasses.replace(query, date_of_birth=moved, postcode="") if moved else None
        case "names_swapped":
            return dataclasses.replace(query, first_name=person.last_name, last_name=person.first_name)
        case "surname_part":
            parts = person.last_name.split("-")
            return dataclasses.replace(query, last_name=rnd.choice(parts)) if len(parts) > 1 else None
        case "earlier_address":
            return (
                dataclasses.replace(query, postcode=person.postcodes[1])
                if len(person.postcodes) > 1
                else None
            )
        case "no_postcode":
            return dataclasses.replace(query, postcode="")
        case "no_date_of_birth":
            return dataclasses.replace(query, date_of_birth=None)
    raise AssertionError(kind)


CORRUPTIONS = [
    "first_name_typo",
    "last_name_typo",
    "nickname",
    "day_month_swapped",
    "dob_one_digit_no_postcode",
    "dob_year_or_month_no_postcode",
    "names_swapped",
    "surname_part",
    "earlier_address",
    "no_postcode",
    "no_date_of_birth",
]


@CHECKS
@given(data=st.data())
def test_a_record_always_finds_itself_first(population, data):
    person = data.draw(st.sampled_from(population))
    results = matches_for(query_of(person))
    assert results[0].person_id == person.pk
    assert all(c.outcome in {"agrees", "missing"} for c in results[0].fields)


@CHECKS
@given(data=st.data(), kind=st.sampled_from(CORRUPTIONS), seed=st.integers(0, 10_000))
def test_one_corruption_still_ranks_the_person_in_the_top_ten(population, data, kind, seed):
    variants = NameVariants.from_db()
    rnd = random.Random(seed)
    if kind == "surname_part":
        person = data.draw(st.sampled_from([p for p in population if "-" in p.last_name]))
    elif kind == "earlier_address":
        person = data.draw(st.sampled_from([p for p in population if len(p.postcodes) > 1]))
    elif kind == "nickname":
        person = data.draw(st.sampled_from([p for p in population if variants.of(p.first_name)]))
    else:
        person = data.draw(st.sampled_from(population))
    query = corrupt(kind, person, rnd, variants)
    assume(query is not None)
    ranked = [result.person_id for result in matches_for(query)]
    assert person.pk in ranked[:10], (kind, query)


def test_every_corruption_applies_to_the_seeded_population(population):
    """Guards the property test above: each corruption kind has people it can be applied to."""
    variants = NameVariants.from_db()
    rnd = random.Random(1)
    for kind in CORRUPTIONS:
        assert any(corrupt(kind, person, rnd, variants) is not None for person in population), kind


# --- pure scoring properties (no database) -------------------------------------------------------

NAMES = ["Jessica", "Tyler", "Kayden", "Amelia", "Riley", "Leon", "Oliver", "Mia", "Harry", "Ava"]
SURNAMES = ["Okafor", "Greenwood", "Smith", "Nowak", "Murray", "Ashby", "Taylor", "Khan", "Jones"]
BORN = dt.date(2011, 4, 2)
VARIANTS = NameVariants([["jessica", "jess", "jessie"], ["harry", "henry", "hal"]])


def candidate(**values: Any) -> Candidate:
    defaults: dict[str, Any] = {
        "pk": uuid.uuid4(),
        "kind": "young_person",
        "first_name": "",
        "middle_names": "",
        "last_name": "",
        "preferred_name": "",
        "date_of_birth": None,
        "nhs_number": "",
        "upn": "",
        "school_id": None,
        "gender": "",
        "postcodes": [],
        "aliases": [],
    }
    return Candidate.build(**{**defaults, **values})


@given(
    first=st.sampled_from(NAMES),
    last=st.sampled_from(SURNAMES),
    held_first=st.sampled_from(NAMES),
    held_last=st.sampled_from(SURNAMES),
    born=st.one_of(st.none(), st.just(BORN)),
    other_born=st.one_of(st.none(), st.just(dt.date(2009, 12, 25))),
    postcode=st.sampled_from(["", "NR3 1JE"]),
    gender=st.sampled_from(["", "male", "female"]),
    identifier=st.sampled_from(["nhs_number", "upn"]),
)
def test_an_equal_identifier_outranks_a_match_on_names_alone(
    first, last, held_first, held_last, born, other_born, postcode, gender, identifier
):
    """The record with the NHS number (or UPN) asked for, whatever names it holds and with nothing
    else against it, ranks above a namesake who agrees on the names and nothing else."""
    number = "9434765919" if identifier == "nhs_number" else "A12345678901B"
    query = MatchQuery(
        first_name=first,
        last_name=last,
        date_of_birth=born,
        postcode=postcode,
        gender=gender,
        **{identifier: number},
    )
    with_number = candidate(
        first_name=held_first,
        last_name=held_last,
        date_of_birth=born,
        postcodes=[postcode] if postcode else [],
        gender=gender,
        **{identifier: number},
    )
    namesake = candidate(
        first_name=first,
        last_name=last,
        date_of_birth=other_born,
        postcodes=["IP24 2AB"],
        gender=gender,
    )
    assert score(query, with_number, VARIANTS).log2_odds > score(query, namesake, VARIANTS).log2_odds


@given(
    names=st.lists(st.sampled_from(NAMES), min_size=2, max_size=2, unique=True),
    last=st.sampled_from(SURNAMES),
    gender=st.sampled_from(["", "male", "female"]),
    school=st.booleans(),
    middle=st.sampled_from(["", "Anne", "James"]),
)
def test_twins_never_reach_the_auto_link_threshold(names, last, gender, school, middle):
    """Same surname, birthday, address, gender, school and middle name; different first names."""
    first, other = names
    assume(not VARIANTS.related(first, other) and matching.jaro_winkler(fold(first), fold(other)) < 0.92)
    school_id = uuid.uuid4() if school else None
    shared: dict[str, Any] = {
        "last_name": last,
        "date_of_birth": BORN,
        "postcodes": ["NR3 1JE", "IP24 2AB"],
        "gender": gender,
        "school_id": school_id,
        "middle_names": middle,
    }
    twin = candidate(first_name=other, **shared)
    query = MatchQuery(
        first_name=first,
        last_name=last,
        middle_names=middle,
        date_of_birth=BORN,
        postcode="NR3 1JE",
        gender=gender,
        school_id=school_id,
    )
    assert score(query, twin, VARIANTS).probability < AUTO_LINK_THRESHOLD


def test_twins_in_the_population_rank_below_the_young_person_asked_about(population):
    twins = [
        (a, b)
        for a in population
        for b in population
        if a.pk != b.pk and a.last_name == b.last_name and a.date_of_birth == b.date_of_birth
    ]
    assert twins, "the seeded population has twins"
    for asked, twin in twins:
        results = {result.person_id: result for result in matches_for(query_of(asked))}
        assert next(iter(results)) == asked.pk
        assert results[twin.pk].probability < AUTO_LINK_THRESHOLD
