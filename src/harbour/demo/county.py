"""The synthetic county: where people live, the agencies and teams that work with them, and schools.

Districts and towns come from the reference data (``core.District``, ``core.Town``). Streets are
invented from Faker's en_GB surnames and common English street words, with postcodes built from
each town's real outward codes and an invented inward part. Agencies, teams and schools are
invented (the seven district councils and the county's statutory services are named as they are).
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.text import slugify

from harbour.accounts.models import Agency, AgencyType, Team
from harbour.core.models import District, Town
from harbour.demo import identifiers
from harbour.demo.rand import Ids, Weighted, chance, stream
from harbour.people.models import School

# Share of the young people known to the partnership who live in each district: population
# weighted, heavier in Norwich and Great Yarmouth where referrals concentrate.
DISTRICT_WEIGHTS = {
    "norwich": 0.26,
    "great-yarmouth": 0.15,
    "kings-lynn-west-norfolk": 0.15,
    "breckland": 0.14,
    "broadland": 0.11,
    "south-norfolk": 0.10,
    "north-norfolk": 0.09,
}
# Relative size of each town within its district (unknown towns count as small places).
TOWN_WEIGHTS = {
    "Norwich": 100,
    "Sprowston": 14,
    "Hellesdon": 11,
    "Thorpe St Andrew": 14,
    "Drayton": 5,
    "Taverham": 10,
    "Aylsham": 6,
    "Acle": 3,
    "Reepham": 3,
    "Wymondham": 15,
    "Diss": 8,
    "Costessey": 13,
    "Hethersett": 6,
    "Long Stratton": 4,
    "Harleston": 4,
    "Loddon": 3,
    "Thetford": 25,
    "Dereham": 20,
    "Swaffham": 8,
    "Attleborough": 11,
    "Watton": 8,
    "Great Yarmouth": 40,
    "Gorleston-on-Sea": 25,
    "Caister-on-Sea": 9,
    "King's Lynn": 45,
    "Downham Market": 11,
    "Hunstanton": 5,
    "North Walsham": 13,
    "Cromer": 8,
    "Sheringham": 7,
    "Fakenham": 8,
    "Holt": 4,
    "Stalham": 3,
    "Wells-next-the-Sea": 2,
}
SMALL_TOWN_WEIGHT = 3

# Ethnicity (ONS 2021 categories) of young people's families, by kind of place.
_RURAL = {
    "white-british": 90.5,
    "white-other": 3.5,
    "white-irish": 0.5,
    "white-gypsy-traveller": 0.8,
    "white-roma": 0.1,
    "mixed-white-black-caribbean": 0.8,
    "mixed-white-black-african": 0.4,
    "mixed-white-asian": 0.8,
    "mixed-other": 0.6,
    "asian-indian": 0.4,
    "asian-pakistani": 0.2,
    "asian-bangladeshi": 0.2,
    "asian-chinese": 0.3,
    "asian-other": 0.3,
    "black-african": 0.4,
    "black-caribbean": 0.1,
    "black-other": 0.1,
    "other-arab": 0.1,
    "other-any": 0.2,
    "not-known": 0.5,
    "declined": 0.2,
}
_CITY = {
    "white-british": 74,
    "white-other": 9,
    "white-irish": 0.6,
    "white-gypsy-traveller": 0.6,
    "white-roma": 0.3,
    "mixed-white-black-caribbean": 1.6,
    "mixed-white-black-african": 1.0,
    "mixed-white-asian": 1.4,
    "mixed-other": 1.2,
    "asian-indian": 1.3,
    "asian-pakistani": 0.5,
    "asian-bangladeshi": 0.9,
    "asian-chinese": 0.8,
    "asian-other": 1.0,
    "black-african": 2.6,
    "black-caribbean": 0.4,
    "black-other": 0.4,
    "other-arab": 0.6,
    "other-any": 1.0,
    "not-known": 0.6,
    "declined": 0.2,
}
_TOWN = {
    "white-british": 80,
    "white-other": 11.5,
    "white-irish": 0.4,
    "white-gypsy-traveller": 1.0,
    "white-roma": 0.5,
    "mixed-white-black-caribbean": 0.9,
    "mixed-white-black-african": 0.6,
    "mixed-white-asian": 0.7,
    "mixed-other": 0.7,
    "asian-indian": 0.5,
    "asian-pakistani": 0.2,
    "asian-bangladeshi": 0.3,
    "asian-chinese": 0.3,
    "asian-other": 0.5,
    "black-african": 1.0,
    "black-caribbean": 0.2,
    "black-other": 0.2,
    "other-arab": 0.2,
    "other-any": 0.4,
    "not-known": 0.6,
    "declined": 0.2,
}
ETHNICITY_PROFILES = {
    "Norwich": _CITY,
    **dict.fromkeys(["Great Yarmouth", "Gorleston-on-Sea", "Thetford", "King's Lynn"], _TOWN),
}

STREET_WORDS = [
    "Church",
    "Mill",
    "Station",
    "School",
    "Chapel",
    "Marsh",
    "Common",
    "Manor",
    "Orchard",
    "Beech",
    "Oak",
    "Elm",
    "Willow",
    "Cherry",
    "Victoria",
    "Albert",
    "Queens",
    "Kings",
    "Priory",
    "Abbey",
    "Rectory",
    "Heath",
    "Meadow",
    "Windmill",
    "Brewery",
    "Staithe",
    "Quay",
    "Market",
    "Bridge",
    "Ferry",
    "Malthouse",
    "Granary",
]
STREET_SUFFIXES = {
    "Road": 25,
    "Street": 12,
    "Close": 12,
    "Lane": 10,
    "Way": 8,
    "Avenue": 6,
    "Drive": 6,
    "Crescent": 5,
    "Gardens": 4,
    "Court": 3,
    "Grove": 3,
    "Place": 2,
    "Walk": 2,
    "Rise": 2,
    "Terrace": 2,
    "View": 1,
    "Mews": 1,
}
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Street:
    name: str
    outward: str
    inwards: tuple[str, ...]


@dataclass(frozen=True)
class AddressParts:
    line1: str
    line2: str
    town: Town
    postcode: str


class Geography:
    """Districts and towns from the reference data, with weights, streets and postcodes."""

    def __init__(self, seed: int, multiplier: int) -> None:
        self.seed = seed
        self.multiplier = multiplier
        self.districts = list(District.objects.filter(active=True).order_by("sort_order", "code"))
        towns = list(Town.objects.filter(district__active=True).order_by("name"))
        self.towns_by_district: dict[int, list[Town]] = {}
        for town in towns:
            self.towns_by_district.setdefault(town.district_id, []).append(town)
        self.districts = [d for d in self.districts if d.pk in self.towns_by_district]
        if not self.districts:
            raise ValueError("There are no districts with towns: load the reference data first.")
        self.district_choice = Weighted((d, DISTRICT_WEIGHTS.get(d.code, 0.05)) for d in self.districts)
        total = sum(DISTRICT_WEIGHTS.get(d.code, 0.05) for d in self.districts)
        self.district_share = {d.code: DISTRICT_WEIGHTS.get(d.code, 0.05) / total for d in self.districts}
        self.town_choice = {
            district_id: Weighted((t, TOWN_WEIGHTS.get(t.name, SMALL_TOWN_WEIGHT)) for t in district_towns)
            for district_id, district_towns in self.towns_by_district.items()
        }
        self._streets: dict[int, list[Street]] = {}
        self._profiles = {name: Weighted(profile) for name, profile in ETHNICITY_PROFILES.items()}
        self._rural = Weighted(_RURAL)

    def district_of(self, town: Town) -> District:
        return next(d for d in self.districts if d.pk == town.district_id)

    def main_town(self, district: District) -> Town:
        return max(
            self.towns_by_district[district.pk], key=lambda t: TOWN_WEIGHTS.get(t.name, SMALL_TOWN_WEIGHT)
        )

    def pick_district(self, rng: random.Random) -> District:
        return self.district_choice.pick(rng)

    def pick_town(self, rng: random.Random, district: District) -> Town:
        return self.town_choice[district.pk].pick(rng)

    def ethnicity_profile(self, town: Town) -> Weighted[str]:
        return self._profiles.get(town.name, self._rural)

    def streets(self, town: Town) -> list[Street]:
        """A town's streets, the same whatever order towns are asked for in."""
        if town.pk not in self._streets:
            rng = stream(self.seed, f"streets:{town.name}")
            from harbour.demo.names import pools

            surnames = pools().surnames
            suffixes = Weighted(STREET_SUFFIXES)
            outwards = [code.strip() for code in town.postcode_districts.split(",") if code.strip()] or [
                "NR1"
            ]
            district_weight = DISTRICT_WEIGHTS.get(self.district_of(town).code, 0.05)
            town_weights = [
                TOWN_WEIGHTS.get(t.name, SMALL_TOWN_WEIGHT) for t in self.towns_by_district[town.district_id]
            ]
            share = district_weight * TOWN_WEIGHTS.get(town.name, SMALL_TOWN_WEIGHT) / sum(town_weights)
            count = max(8, round(share * 400)) * self.multiplier
            names: set[str] = set()
            streets: list[Street] = []
            while len(streets) < count:
                stem = rng.choice(STREET_WORDS) if chance(rng, 0.35) else surnames.pick(rng)
                suffix = suffixes.pick(rng)
                name = f"{stem} {suffix}"
                if name in names or stem in STREET_SUFFIXES:
                    continue
                names.add(name)
                inwards = tuple(
                    f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
                    for _ in range(rng.randint(1, 3))
                )
                streets.append(Street(name, rng.choice(outwards), inwards))
            self._streets[town.pk] = streets
        return self._streets[town.pk]

    def address(self, rng: random.Random, town: Town) -> AddressParts:
        street = rng.choice(self.streets(town))
        number = rng.randint(1, 140)
        postcode = f"{street.outward} {rng.choice(street.inwards)}"
        if chance(rng, 0.15):
            flat = f"Flat {rng.randint(1, 24)}"
            if chance(rng, 0.3):
                return AddressParts(flat, f"{number} {street.name}", town, postcode)
            return AddressParts(f"{flat}, {number} {street.name}", "", town, postcode)
        return AddressParts(f"{number} {street.name}", "", town, postcode)


# --- agencies, teams and schools -----------------------------------------------------------------

COUNCILS = {
    "norwich": "Norwich City Council",
    "broadland": "Broadland District Council",
    "south-norfolk": "South Norfolk Council",
    "breckland": "Breckland Council",
    "great-yarmouth": "Great Yarmouth Borough Council",
    "kings-lynn-west-norfolk": "Borough Council of King's Lynn and West Norfolk",
    "north-norfolk": "North Norfolk District Council",
}
# Youth justice offices and the districts each covers.
YJS_OFFICES = {
    "norwich": ("Norwich office (County Hall)", {"norwich", "broadland"}),
    "great-yarmouth": ("Great Yarmouth office", {"great-yarmouth", "north-norfolk", "south-norfolk"}),
    "kings-lynn": ("King's Lynn office", {"kings-lynn-west-norfolk", "breckland"}),
}
HEALTH_TEAMS = {
    "school-nursing-city": "School nursing team (Norwich and Broadland)",
    "school-nursing-county": "School nursing team (county)",
    "sexual-health": "Sexual health outreach team",
    "camhs": "CAMHS adolescent team",
}
CHARITIES = [
    "Broads Youth Trust",
    "Compass Mentoring Norfolk",
    "Open Door Youth Advocacy",
    "Riverside Family Support",
    "Brecks Youth Outreach",
]
NCC_TEAMS = {
    "cads": "Children's Advice and Duty Service (front door)",
    "analytics": "Intelligence and analytics team",
    "ig": "Information governance team",
    "system": "Harbour system support team",
    "partnership": "Safeguarding children partnership business unit",
    "chairs": "Independent chairs and quality assurance team",
}
SECONDARY_COUNTS = {
    "norwich": 6,
    "broadland": 4,
    "south-norfolk": 4,
    "breckland": 4,
    "great-yarmouth": 4,
    "kings-lynn-west-norfolk": 4,
    "north-norfolk": 3,
}
COLLEGE_DISTRICTS = ("norwich", "great-yarmouth", "kings-lynn-west-norfolk", "breckland")
SCHOOL_STEMS = [
    "Riverside",
    "Meadowbank",
    "Heathland",
    "Kingfisher",
    "Marshland",
    "Oakfield",
    "Beechwood",
    "Saltmarsh",
    "Willowbrook",
    "Brackenfield",
    "Larkspur",
    "Heron",
    "Cedar Vale",
    "Pinecroft",
    "Broadwater",
    "Greenacre",
    "Brookside",
    "Longmeadow",
    "Elmstead",
    "Hawthorn",
    "Foxhill",
    "Ashgrove",
    "Windmill Hill",
    "Stonebridge",
    "Fieldview",
    "Sandpiper",
    "Avocet",
    "Kestrel",
    "Samphire",
    "Wherry",
    "Fenside",
    "Flintwood",
    "Lapwing",
    "Bittern",
    "Marram",
    "Summerfield",
    "Orchard Vale",
    "Millbrook",
    "Harrier",
    "Reedmere",
]
SAINTS = ["Andrew", "Edmund", "Margaret", "Nicholas", "Benet", "Felix", "Clement", "Laurence", "Michael"]
SCHOOL_PATTERNS = {
    "Primary": ["{stem} Primary School", "{town} {stem} Primary Academy", "St {saint}'s Primary School"],
    "Secondary": [
        "{town} {stem} Academy",
        "{stem} High School",
        "{stem} Academy",
        "{town} {stem} High School",
        "St {saint}'s Church of England Academy",
        "{stem} School",
    ],
    "Further education": ["{stem} College", "{town} {stem} College"],
    "Alternative provision": ["{stem} Learning Centre", "{stem} Short Stay School"],
}
ESTABLISHMENT_BASE = {
    "Primary": 2000,
    "Secondary": 4000,
    "Further education": 8000,
    "Alternative provision": 1100,
}


@dataclass
class SchoolInfo:
    school: School
    agency: Agency
    team: Team
    district_code: str
    phase: str
    establishment: int


@dataclass
class County:
    """Everything made in the agencies stage, with lookups the later stages need."""

    agencies: list[Agency] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    schools: list[SchoolInfo] = field(default_factory=list)
    agency: dict[str, Agency] = field(default_factory=dict)
    team: dict[str, Team] = field(default_factory=dict)

    @cached_property
    def by_phase(self) -> dict[tuple[str, str], list[SchoolInfo]]:
        found: dict[tuple[str, str], list[SchoolInfo]] = {}
        for info in self.schools:
            found.setdefault((info.district_code, info.phase), []).append(info)
            found.setdefault(("*", info.phase), []).append(info)
        return found

    def schools_in(self, district_code: str, phase: str) -> list[SchoolInfo]:
        return self.by_phase.get((district_code, phase)) or self.by_phase.get(("*", phase), [])

    @cached_property
    def school_info(self) -> dict[uuid.UUID, SchoolInfo]:
        return {info.school.pk: info for info in self.schools}


def yjs_office_for(district_code: str) -> str:
    for key, (_, districts) in YJS_OFFICES.items():
        if district_code in districts:
            return key
    return "norwich"


def build_county(seed: int, geography: Geography, multiplier: int) -> County:  # noqa: PLR0912, PLR0915
    """Agencies and their teams, and the schools (an agency each, with a safeguarding team)."""
    rng = stream(seed, "county")
    agency_ids, team_ids, school_ids = Ids(seed, "agency"), Ids(seed, "team"), Ids(seed, "school")
    types = {t.code: t for t in AgencyType.objects.all()}
    county = County()

    def agency(key: str, name: str, type_code: str, district: District | None = None) -> Agency:
        made = Agency(
            id=agency_ids.next(),
            name=name,
            agency_type=types[type_code],
            district=district,
            contact_phone=identifiers.landline(rng),
            contact_email=f"enquiries@{slugify(name)[:40]}.example.org",
        )
        county.agencies.append(made)
        county.agency[key] = made
        return made

    def team(key: str, owner: Agency, name: str) -> Team:
        made = Team(
            id=team_ids.next(),
            agency=owner,
            name=name,
            contact_phone=identifiers.landline(rng),
            contact_email=f"{slugify(name)[:40]}@{slugify(owner.name)[:40]}.example.org",
        )
        county.teams.append(made)
        county.team[key] = made
        return made

    ncc = agency("ncc", "Norfolk County Council Children's Services", "childrens-services")
    for key, name in NCC_TEAMS.items():
        team(key, ncc, name)
    for district in geography.districts:
        team(f"adolescent:{district.code}", ncc, f"{district.label} adolescent team")
    tyss = agency("tyss", "Targeted Youth Support Service", "youth-services")
    for district in geography.districts:
        team(f"tyss:{district.code}", tyss, f"{district.label} youth support team")
    yjs = agency("yjs", "Norfolk Youth Justice Service", "youth-justice")
    for key, (name, _) in YJS_OFFICES.items():
        team(f"yjs:{key}", yjs, name)
    police = agency("police", "Norfolk Constabulary", "police")
    team("police:mace", police, "MACE team (missing and child exploitation)")
    team("police:gravity", police, "Operation Gravity (county lines) team")
    health = agency("health", "Norfolk and Waveney Children's Health Services", "health")
    for key, name in HEALTH_TEAMS.items():
        team(f"health:{key}", health, name)
    for index, name in enumerate(CHARITIES):
        team(f"voluntary:{index}", agency(f"voluntary:{index}", name, "voluntary"), "Outreach team")
    for district in geography.districts:
        council = agency(
            f"council:{district.code}",
            COUNCILS.get(district.code, f"{district.label} Council"),
            "district-council",
            district,
        )
        team(f"council:{district.code}", council, "Housing options and community safety")

    used_names = {a.name for a in county.agencies}
    used_urns: set[int] = set()
    counters = dict.fromkeys(ESTABLISHMENT_BASE, 0)

    def school(district: District, phase: str, town: Town | None = None) -> None:
        town = town or geography.pick_town(rng, district)
        short_town = town.name.split("-")[0]
        while True:
            name = rng.choice(SCHOOL_PATTERNS[phase]).format(
                stem=rng.choice(SCHOOL_STEMS), town=short_town, saint=rng.choice(SAINTS)
            )
            if name not in used_names:
                break
        used_names.add(name)
        while (urn := rng.randrange(900_000, 1_000_000)) in used_urns:
            pass
        used_urns.add(urn)
        counters[phase] += 1
        owner = agency(f"school:{len(county.schools)}", name, "education", district)
        safeguarding = team(f"school:{len(county.schools)}", owner, "Safeguarding team")
        made = School(
            id=school_ids.next(),
            name=name,
            urn=str(urn),
            phase=phase,
            town=town,
            postcode=geography.address(rng, town).postcode,
        )
        county.schools.append(
            SchoolInfo(
                made, owner, safeguarding, district.code, phase, ESTABLISHMENT_BASE[phase] + counters[phase]
            )
        )

    for district in geography.districts:
        for _ in range(2 * multiplier):
            school(district, "Primary")
        for _ in range(SECONDARY_COUNTS.get(district.code, 3) * multiplier):
            school(district, "Secondary")
        if district.code in COLLEGE_DISTRICTS:
            for _ in range(multiplier):
                school(district, "Further education", geography.main_town(district))
    first = geography.districts[0]
    for _ in range(multiplier):
        school(first, "Alternative provision", geography.main_town(first))
    return county


def multiplier_for(scale: float) -> int:
    """Schools and streets grow with the square root of the scale: more of them, each a bit larger."""
    return max(1, math.ceil(math.sqrt(scale)))
