"""Households: young people aged 10 to 19, their parents and carers, addresses, relationships, aliases.

Each household has one to three young people known to the partnership (brothers and sisters share a
surname and an address; some are twins, born the same day with different first names), the adults
who care for them, and sometimes a parent who lives elsewhere but keeps in touch.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models

from harbour.access.models import NetworkRole
from harbour.core.models import District, Town
from harbour.demo import identifiers, names
from harbour.demo.county import AddressParts, County, Geography, SchoolInfo
from harbour.demo.names import ETHNICITY_HERITAGES, TOWN_WHITE_OTHER
from harbour.demo.rand import (
    Ids,
    Weighted,
    age_on,
    birth_date_for_age,
    chance,
    days_before,
    stream,
    years_before,
)
from harbour.demo.rows import build
from harbour.demo.sinks import Sink
from harbour.people.models import (
    Address,
    Ethnicity,
    Gender,
    Person,
    PersonAlias,
    Relationship,
    RelationshipType,
)
from harbour.people.names import fold

AGES = Weighted({10: 2, 11: 4, 12: 7, 13: 11, 14: 15, 15: 17, 16: 16, 17: 13, 18: 9, 19: 6})
GENDERS = Weighted({"male": 53, "female": 45, "non-binary": 1, "other": 0.5, "not-known": 0.5})
STRUCTURES = Weighted(
    {
        "two-parents": 38,
        "single-mother": 32,
        "mother-stepfather": 11,
        "single-father": 5,
        "foster": 8,
        "kinship": 6,
    }
)
SEND = Weighted(
    {
        "Autism spectrum condition (EHC plan)": 3,
        "ADHD": 4,
        "Dyslexia": 3,
        "Social, emotional and mental health needs (SEN support)": 5,
        "Speech, language and communication needs": 2,
        "Moderate learning difficulty (EHC plan)": 2,
        "Hearing impairment": 0.5,
        "Type 1 diabetes": 0.5,
        "Autism and ADHD (EHC plan)": 1.5,
    }
)
MIN_SIBLING_GAP_DAYS = 300
DUPLICATE_RATE = 0.03

INVOLVEMENT = {
    "main": [
        "Main carer; works with the team on the safety plan.",
        "Prefers contact by text during the day.",
        "Works shifts; best reached after 4pm.",
        "Has asked for help to keep the family safe at home.",
        "",
        "",
    ],
    "absent": [
        "Does not live with the family; sees the children most weekends. Phone before visiting.",
        "Lives elsewhere in the county; contact is arranged through the other parent.",
        "Occasional contact by phone; wants to be involved in planning.",
        "No regular contact at present.",
    ],
    "step": ["Lives with the family; supports the plan.", ""],
    "foster": [
        "Foster carer; contact through the fostering team.",
        "Long-term foster placement; attends meetings.",
    ],
    "kinship": [
        "Grandparent caring under a special guardianship order.",
        "Kinship carer; supported by the family.",
    ],
    "birth": [
        "Birth parent; contact supervised by children's services.",
        "Birth parent; sees the child monthly.",
    ],
}


@dataclass(frozen=True)
class Refs:
    """Reference rows the generator points at, by code."""

    genders: dict[str, Gender]
    ethnicities: dict[str, Ethnicity]
    relationship_types: dict[str, RelationshipType]
    network_roles: dict[str, NetworkRole]

    @classmethod
    def load(cls) -> Refs:
        return cls(
            genders={g.code: g for g in Gender.objects.all()},
            ethnicities={e.code: e for e in Ethnicity.objects.all()},
            relationship_types={r.code: r for r in RelationshipType.objects.all()},
            network_roles={r.code: r for r in NetworkRole.objects.all()},
        )

    def gender_id(self, code: str) -> int | None:
        found = self.genders.get(code)
        return found.pk if found else None

    def ethnicity_id(self, code: str) -> int | None:
        found = self.ethnicities.get(code)
        return found.pk if found else None


@dataclass
class YoungPerson:
    person: Person
    district: District
    town: Town
    address: AddressParts
    previous: AddressParts | None
    school: SchoolInfo | None
    age: int


@dataclass(frozen=True)
class TruthPair:
    """Two person records and how they relate: the same child recorded twice, or twins or siblings
    (different children who look alike, which a matcher must keep apart)."""

    record_id: uuid.UUID
    other_record_id: uuid.UUID
    relation: str  # duplicate, twin, sibling
    differences: tuple[str, ...] = ()


@dataclass
class Carer:
    person: Person
    relationship: str
    parental_responsibility: bool
    lives_with: bool
    safeguarding_partner: bool
    involvement: str
    starts_on: date | None = None


@dataclass
class PeopleStats:
    young_people: int = 0
    households: int = 0
    twins: int = 0
    duplicates: int = 0
    truth: list[TruthPair] = field(default_factory=list)


_HERITAGE_CHOICES = {code: Weighted(weights) for code, weights in ETHNICITY_HERITAGES.items()}
_TOWN_HERITAGE = {town: Weighted(weights) for town, weights in TOWN_WHITE_OTHER.items()}


def heritage_for(rng: random.Random, ethnicity: str, town: str) -> str:
    if ethnicity == "white-other":
        return (_TOWN_HERITAGE.get(town) or _HERITAGE_CHOICES["white-other"]).pick(rng)
    if ethnicity in _HERITAGE_CHOICES:
        return _HERITAGE_CHOICES[ethnicity].pick(rng)
    if ethnicity in {"mixed-white-black-caribbean", "black-caribbean"}:
        return "caribbean"
    if ethnicity == "white-irish":
        return "irish"
    if ethnicity == "white-gypsy-traveller":
        return "irish" if chance(rng, 0.5) else "british"
    if ethnicity == "white-roma":
        return "romanian"
    if ethnicity == "mixed-white-black-african":
        return "african" if chance(rng, 0.5) else "british"
    if ethnicity == "mixed-white-asian":
        return rng.choice(["indian", "pakistani", "british", "british"])
    if ethnicity == "black-other":
        return rng.choice(["caribbean", "african"])
    return "british"


def last_31_august(day: date) -> date:
    """The 31 August before the current school year began."""
    this_year = date(day.year, 8, 31)
    return this_year if day > this_year else date(day.year - 1, 8, 31)


def search_name(*parts: str) -> str:
    """As ``Person.save`` computes it (bulk_create does not call save)."""
    return fold(" ".join(parts))


class PeopleBuilder:
    """Makes households one at a time and hands their rows to the sink."""

    def __init__(
        self,
        *,
        seed: int,
        as_of: date,
        refs: Refs,
        geography: Geography,
        county: County,
        sink: Sink,
        allocate: Callable[[YoungPerson], tuple[Sequence[models.Model], bool]],
        duplicate: Callable[[YoungPerson], tuple[Sequence[models.Model], TruthPair]],
        flush_every: int = 20_000,
    ) -> None:
        self.seed = seed
        self.as_of = as_of
        self.refs = refs
        self.geo = geography
        self.county = county
        self.sink = sink
        self.allocate = allocate
        self.duplicate = duplicate
        self.flush_every = flush_every
        self.rng = stream(seed, "people")
        self.dup_rng = stream(seed, "duplicate-choice")
        self.person_ids = Ids(seed, "person")
        self.address_ids = Ids(seed, "address")
        self.other_ids = Ids(seed, "person-links")
        self.identifiers = identifiers.IdentifierMaker(stream(seed, "identifiers"))
        self.stats = PeopleStats()
        self.demo_duplicates_left = 2

    # --- rows ---------------------------------------------------------------------------------

    def person(
        self,
        *,
        kind: str,
        first: str,
        last: str,
        born: date | None,
        gender: str,
        ethnicity: str,
        middle: str = "",
        preferred: str = "",
        **extra: object,
    ) -> Person:
        made = build(
            Person,
            id=self.person_ids.next(),
            kind=kind,
            first_name=first,
            middle_names=middle,
            last_name=last,
            preferred_name=preferred,
            date_of_birth=born,
            gender_id=self.refs.gender_id(gender),
            ethnicity_id=self.refs.ethnicity_id(ethnicity),
            search_name=search_name(first, middle, last, preferred),
            **extra,
        )
        self.sink.add(made)
        return made

    def address(
        self, person: Person, parts: AddressParts, starts_on: date | None, ends_on: date | None = None
    ) -> None:
        self.sink.add(
            build(
                Address,
                id=self.address_ids.next(),
                person_id=person.pk,
                line1=parts.line1,
                line2=parts.line2,
                town_id=parts.town.pk,
                postcode=parts.postcode,
                starts_on=starts_on,
                ends_on=ends_on,
            )
        )

    def relationship(self, child: Person, carer: Carer) -> None:
        self.sink.add(
            build(
                Relationship,
                id=self.other_ids.next(),
                person_id=child.pk,
                other_id=carer.person.pk,
                relationship_type_id=self.refs.relationship_types[carer.relationship].pk,
                parental_responsibility=carer.parental_responsibility,
                lives_with=carer.lives_with,
                safeguarding_partner=carer.safeguarding_partner,
                involvement=carer.involvement,
                starts_on=carer.starts_on,
            )
        )

    def alias(self, person: Person, name: str, kind: str) -> None:
        self.sink.add(
            build(
                PersonAlias,
                id=self.other_ids.next(),
                person_id=person.pk,
                name=name,
                kind=kind,
                search_name=fold(name),
            )
        )

    # --- people -------------------------------------------------------------------------------

    def adult(
        self,
        *,
        heritage: str,
        ethnicity: str,
        female: bool,
        last: str,
        born_near: date | None,
        phone: float = 0.85,
    ) -> Person:
        rng = self.rng
        heritage_data = names.HERITAGES.get(heritage)
        language = "English"
        if heritage_data and chance(rng, heritage_data.adult_language_share):
            language = heritage_data.language
        born = None
        if born_near is not None and chance(rng, 0.9):
            born = born_near + timedelta(days=rng.randint(-200, 200))
        first = names.adult_first_name(rng, heritage, female=female)
        return self.person(
            kind=Person.Kind.PARENT_CARER,
            first=first,
            middle=names.middle_name(rng, heritage, female=female) if chance(rng, 0.4) else "",
            last=last,
            born=born,
            gender="female" if female else "male",
            ethnicity=ethnicity,
            first_language=language,
            interpreter_needed=language != "English" and chance(rng, 0.35),
            phone=identifiers.mobile(rng) if chance(rng, phone) else "",
            email=identifiers.email(rng, first, last) if chance(rng, 0.45) else "",
        )

    def school_for(self, district: District, age_at_31_august: int) -> SchoolInfo | None:
        rng, county = self.rng, self.county
        if age_at_31_august <= 10:
            options = county.schools_in(district.code, "Primary")
        elif age_at_31_august <= 15:
            roll = rng.random()
            if roll < 0.04:
                options = county.schools_in("*", "Alternative provision")
            elif roll < 0.07:
                return None  # home educated or missing education
            elif roll < 0.10:
                options = county.schools_in("*", "Secondary")
            else:
                options = county.schools_in(district.code, "Secondary")
        elif age_at_31_august <= 17:
            roll = rng.random()
            if roll < 0.45:
                options = county.schools_in(district.code, "Secondary")
            elif roll < 0.85:
                options = county.schools_in(district.code, "Further education")
            else:
                return None
        else:
            if not chance(rng, 0.35):
                return None
            options = county.schools_in(district.code, "Further education")
        return rng.choice(options) if options else None

    def child(
        self,
        *,
        heritage: str,
        ethnicity: str,
        surname: str,
        born: date,
        gender: str,
        taken: set[str],
        district: District,
    ) -> tuple[Person, SchoolInfo | None, int]:
        rng = self.rng
        neutral = gender not in {"male", "female"}
        female = gender == "female" or (neutral and chance(rng, 0.5))
        for _ in range(20):
            first = names.child_first_name(rng, heritage, female=female, neutral=neutral)
            if first not in taken:
                break
        taken.add(first)
        preferred = ""
        if gender in {"non-binary", "other"} and chance(rng, 0.4):
            preferred = names.pools().neutral.pick(rng)
        elif chance(rng, 0.04):
            preferred = names.first_name_variant(rng, first) or ""
        if preferred == first:
            preferred = ""
        age = age_on(born, self.as_of)
        year_age = age_on(born, last_31_august(self.as_of))
        school = self.school_for(district, year_age)
        upn = ""
        started = last_31_august(self.as_of).year - (year_age - 4)
        if school is not None and school.phase != "Further education":
            upn = self.identifiers.upn(school.establishment, started) if chance(rng, 0.92) else ""
        elif chance(rng, 0.75):
            secondaries = self.county.schools_in(district.code, "Secondary")
            establishment = rng.choice(secondaries).establishment if secondaries else 4000
            upn = self.identifiers.upn(establishment, started)
        disability = ""
        if chance(rng, 0.6 if school is not None and school.phase == "Alternative provision" else 0.14):
            disability = SEND.pick(rng)
        language = "English"
        heritage_data = names.HERITAGES.get(heritage)
        if heritage_data and chance(rng, heritage_data.child_language_share):
            language = heritage_data.language
        person = self.person(
            kind=Person.Kind.YOUNG_PERSON,
            first=first,
            middle=names.middle_name(rng, heritage, female=female),
            last=names.surname_form(surname, heritage, female=female),
            preferred=preferred,
            born=born,
            gender=gender,
            ethnicity=ethnicity,
            disability=disability,
            first_language=language,
            interpreter_needed=language != "English" and chance(rng, 0.15),
            nhs_number=self.identifiers.nhs_number() if chance(rng, 0.92) else "",
            upn=upn,
            school_id=school.school.pk if school else None,
            phone=identifiers.mobile(rng) if age >= 13 and chance(rng, 0.55) else "",
            email=identifiers.email(rng, first, surname) if age >= 15 and chance(rng, 0.2) else "",
        )
        return person, school, age

    def births(self, count: int, twins: bool) -> list[date]:
        rng = self.rng
        born = [birth_date_for_age(rng, self.as_of, AGES.pick(rng))]
        if twins:
            return born * 2
        while len(born) < count:
            for _ in range(30):
                candidate = birth_date_for_age(rng, self.as_of, AGES.pick(rng))
                if all(abs((candidate - other).days) >= MIN_SIBLING_GAP_DAYS for other in born):
                    break
            else:  # a crowded family: space them out from the eldest, still within 10 to 19
                eldest = min(born)
                candidate = eldest + timedelta(days=MIN_SIBLING_GAP_DAYS * len(born) + rng.randint(0, 60))
                if age_on(candidate, self.as_of) < 10:
                    return born
            born.append(candidate)
        return sorted(born)

    # --- households ---------------------------------------------------------------------------

    def household(self, remaining: int) -> None:  # noqa: PLR0912, PLR0915 (one family, step by step)
        rng, geo, as_of = self.rng, self.geo, self.as_of
        district = geo.pick_district(rng)
        town = geo.pick_town(rng, district)
        ethnicity = geo.ethnicity_profile(town).pick(rng)
        heritage = heritage_for(rng, ethnicity, town.name)
        structure = STRUCTURES.pick(rng)
        home = geo.address(rng, town)

        roll = rng.random()
        twins = roll < 0.015
        count = 2 if roll < 0.125 else 3 if roll < 0.145 else 1
        count = min(count, remaining)
        twins = twins and count == 2
        born = self.births(count, twins)
        eldest = min(born)

        family = names.family_surname(rng, heritage)
        mother_age = int(rng.triangular(17, 43, 27))
        mother_born = years_before(eldest, mother_age)
        father_born = years_before(eldest, mother_age + rng.randint(-3, 8))
        carers: list[Carer] = []
        elsewhere: list[tuple[Person, AddressParts]] = []  # carers who live at another address
        previous: AddressParts | None = None
        moved_on: date | None = None
        previous_name = ""

        def away(district_bias: float = 0.6) -> AddressParts:
            where = district if chance(rng, district_bias) else geo.pick_district(rng)
            return geo.address(rng, geo.pick_town(rng, where))

        def mother(last: str, *, lives_with: bool = True, kind: str = "main") -> Carer:
            person = self.adult(
                heritage=heritage, ethnicity=ethnicity, female=True, last=last, born_near=mother_born
            )
            return Carer(
                person,
                "mother",
                True,
                lives_with,
                chance(rng, 0.75 if lives_with else 0.3),
                rng.choice(INVOLVEMENT[kind]),
            )

        def father(last: str, *, lives_with: bool) -> Carer:
            person = self.adult(
                heritage=heritage,
                ethnicity=ethnicity,
                female=False,
                last=last,
                born_near=father_born,
                phone=0.9 if not lives_with else 0.8,
            )
            if lives_with:
                return Carer(person, "father", True, True, chance(rng, 0.65), rng.choice(INVOLVEMENT["main"]))
            return Carer(
                person, "father", chance(rng, 0.6), False, chance(rng, 0.2), rng.choice(INVOLVEMENT["absent"])
            )

        def married_name(surname: str) -> str:
            return names.surname_form(surname, heritage, female=True, married=True)

        if structure == "two-parents":
            maiden = names.family_surname(rng, heritage)
            carers.append(mother(married_name(family) if chance(rng, 0.85) else married_name(maiden)))
            carers.append(father(family, lives_with=True))
        elif structure in {"single-mother", "mother-stepfather"}:
            if structure == "mother-stepfather":
                step_name = names.family_surname(rng, heritage if chance(rng, 0.6) else "british")
                carers.append(mother(married_name(step_name) if chance(rng, 0.7) else married_name(family)))
                step = self.adult(
                    heritage=heritage,
                    ethnicity=ethnicity,
                    female=False,
                    last=step_name,
                    born_near=father_born,
                )
                carers.append(
                    Carer(
                        step,
                        "step-parent",
                        chance(rng, 0.1),
                        True,
                        chance(rng, 0.4),
                        rng.choice(INVOLVEMENT["step"]),
                    )
                )
                previous_name = step_name
            else:
                maiden = names.family_surname(rng, heritage)
                carers.append(mother(married_name(family) if chance(rng, 0.55) else married_name(maiden)))
            if chance(rng, 0.65):
                absent = father(family, lives_with=False)
                carers.append(absent)
                elsewhere.append((absent.person, away()))
        elif structure == "single-father":
            carers.append(father(family, lives_with=True))
            if chance(rng, 0.5):
                absent_mother = mother(
                    married_name(names.family_surname(rng, heritage)), lives_with=False, kind="absent"
                )
                carers.append(absent_mother)
                elsewhere.append((absent_mother.person, away()))
        else:  # foster or kinship care: the young person moved from their birth family's home
            moved_on = days_before(rng, as_of, 30, 1500)
            birth_home = away(0.7)
            birth_mother = mother(
                married_name(family)
                if chance(rng, 0.6)
                else married_name(names.family_surname(rng, heritage)),
                lives_with=False,
                kind="birth",
            )
            carers.append(birth_mother)
            elsewhere.append((birth_mother.person, birth_home))
            previous = birth_home
            if structure == "foster":
                carer_heritage = "british" if chance(rng, 0.85) else heritage
                carer_ethnicity = "white-british" if carer_heritage == "british" else ethnicity
                carer_name = names.family_surname(rng, carer_heritage)
                for index in range(1 if chance(rng, 0.35) else 2):
                    female = index == 0
                    person = self.adult(
                        heritage=carer_heritage,
                        ethnicity=carer_ethnicity,
                        female=female,
                        last=names.surname_form(carer_name, carer_heritage, female=female, married=True),
                        born_near=years_before(as_of, rng.randint(35, 62)),
                    )
                    carers.append(
                        Carer(
                            person,
                            "foster-carer",
                            False,
                            True,
                            True,
                            rng.choice(INVOLVEMENT["foster"]),
                            moved_on,
                        )
                    )
            else:
                grandmother = self.adult(
                    heritage=heritage,
                    ethnicity=ethnicity,
                    female=True,
                    last=married_name(family)
                    if chance(rng, 0.6)
                    else married_name(names.family_surname(rng, heritage)),
                    born_near=years_before(mother_born, rng.randint(19, 30)),
                )
                carers.append(
                    Carer(
                        grandmother,
                        "kinship-carer",
                        chance(rng, 0.6),
                        True,
                        True,
                        rng.choice(INVOLVEMENT["kinship"]),
                        moved_on,
                    )
                )

        if previous is None and chance(rng, 0.22):
            moved_on = days_before(rng, as_of, 45, 1100)
            previous = away(0.8)
        home_since = moved_on or days_before(rng, as_of, 1100, 5000)
        previous_since = (moved_on or as_of) - timedelta(days=rng.randint(400, 3000))

        # Adults' addresses: those at home share it (and the move, unless they are foster carers).
        for carer in carers:
            if not carer.lives_with:
                continue
            if carer.relationship in {"foster-carer", "kinship-carer"}:
                self.address(carer.person, home, days_before(rng, as_of, 1600, 6000))
            else:
                self.address(carer.person, home, home_since)
                if previous is not None and moved_on is not None:
                    self.address(carer.person, previous, previous_since, moved_on)
        for person, parts in elsewhere:
            self.address(person, parts, days_before(rng, as_of, 60, 4000))

        children: list[YoungPerson] = []
        taken: set[str] = set()
        first_gender = ""
        for index, day in enumerate(born):
            gender = GENDERS.pick(rng)
            if twins and index == 1 and chance(rng, 0.5):
                gender = first_gender
            first_gender = first_gender or gender
            person, school, age = self.child(
                heritage=heritage,
                ethnicity=ethnicity,
                surname=family,
                born=day,
                gender=gender,
                taken=taken,
                district=district,
            )
            self.address(person, home, home_since)
            if previous is not None and moved_on is not None:
                self.address(person, previous, max(previous_since, day), moved_on)
            for carer in carers:
                self.relationship(person, carer)
            if chance(rng, 0.08):
                self.alias(
                    person,
                    names.nickname(rng, person.first_name, person.last_name),
                    PersonAlias.Kind.NICKNAME,
                )
            if previous_name and chance(rng, 0.3):
                # Known by their stepfather's surname at school or among friends.
                self.alias(person, f"{person.first_name} {previous_name}", PersonAlias.Kind.ALIAS)
            children.append(YoungPerson(person, district, town, home, previous, school, age))

        for index, elder in enumerate(children):
            for younger in children[index + 1 :]:
                relation = "twin" if twins else "sibling"
                self.sink.add(
                    build(
                        Relationship,
                        id=self.other_ids.next(),
                        person_id=elder.person.pk,
                        other_id=younger.person.pk,
                        relationship_type_id=self.refs.relationship_types["sibling"].pk,
                        lives_with=True,
                        involvement="Twin" if twins else "",
                    )
                )
                self.stats.truth.append(TruthPair(elder.person.pk, younger.person.pk, relation))
        self.stats.twins += 2 if twins else 0
        self.stats.households += 1

        for young in children:
            rows, demo_lead = self.allocate(young)
            self.sink.extend(rows)
            wanted = chance(self.dup_rng, DUPLICATE_RATE)
            if demo_lead and self.demo_duplicates_left > 0:
                wanted, self.demo_duplicates_left = True, self.demo_duplicates_left - 1
            if wanted:
                dup_rows, pair = self.duplicate(young)
                self.sink.extend(dup_rows)
                self.stats.truth.append(pair)
                self.stats.duplicates += 1
        self.stats.young_people += len(children)

    def run(self, young_people: int, progress: Callable[[int], None] | None = None) -> PeopleStats:
        next_report = young_people // 10
        while self.stats.young_people < young_people:
            self.household(young_people - self.stats.young_people)
            if self.sink.pending_count() >= self.flush_every:
                self.sink.flush()
            if progress is not None and next_report and self.stats.young_people >= next_report:
                progress(self.stats.young_people)
                next_report += young_people // 10
        self.sink.flush()
        return self.stats
