"""Staff: one demo user per role, and the workers who make up each team.

Demo users share one password (hashed once: Argon2 is slow on purpose) and are enrolled in TOTP
with a secret derived from the seed. Other staff cannot sign in (unusable password); they exist so
young people have workers, teams have managers and the "known to" view has people to phone.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import date

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.utils import timezone

from harbour.accounts.models import Membership, Role, Team, User
from harbour.demo import identifiers, names
from harbour.demo.constants import DEMO_ROLES, demo_password, demo_totp_secret, demo_username
from harbour.demo.county import HEALTH_TEAMS, YJS_OFFICES, County, Geography
from harbour.demo.rand import Ids, Weighted, chance, days_before, stream
from harbour.people.names import fold

# Share of young people whose lead professional comes from each service, and typical caseloads.
LEAD_SHARES = {"cs": 0.58, "tyss": 0.24, "yjs": 0.10, "dsl": 0.08}
SUPPORT_SHARES = {"tyss": 0.15, "yjs": 0.06, "police": 0.12, "health": 0.20}
CASELOADS = {"cs": 22, "tyss": 30, "yjs": 18, "police": 25, "health": 40}
# Caseholding workers in one team under one manager; a larger service is several such teams.
TEAM_SIZE = 10

# Where each demo user works, and their job title.
DEMO_PLACEMENTS = {
    "front-door-officer": ("cads", "Front door social worker"),
    "practitioner": ("adolescent:norwich", "Social worker"),
    "team-manager": ("adolescent:norwich", "Team manager"),
    "police-intelligence-officer": ("police:mace", "Detective constable"),
    "analyst": ("analytics", "Intelligence analyst"),
    "panel-chair": ("chairs", "Independent chair"),
    "partnership-leader": ("partnership", "Partnership manager (vulnerable adolescents)"),
    "data-protection-officer": ("ig", "Data protection officer"),
    "system-administrator": ("system", "Systems administrator"),
}
STAFF_HERITAGES = Weighted(
    {
        "british": 88,
        "irish": 2,
        "polish": 2,
        "portuguese": 1,
        "indian": 2,
        "pakistani": 1,
        "african": 2,
        "caribbean": 1,
        "chinese": 1,
    }
)


@dataclass(frozen=True)
class Post:
    """Some workers in one team: how many, in which role, with which job titles."""

    team_key: str
    role: str
    titles: tuple[str, ...]
    count: int
    manager_title: str = ""


@dataclass
class Staff:
    users: list[User] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    authenticators: list[Authenticator] = field(default_factory=list)
    demo: dict[str, User] = field(default_factory=dict)
    workers: dict[str, list[User]] = field(default_factory=dict)  # team key -> caseholding workers
    team_of: dict[uuid.UUID, Team] = field(default_factory=dict)  # worker id -> the team they work in
    school_dsl: dict[uuid.UUID, User] = field(default_factory=dict)  # school id -> its lead
    totp_secrets: dict[str, str] = field(default_factory=dict)  # demo username -> secret


def _count(n: float) -> int:
    return max(1, math.ceil(n))


def posts(young_people: int, geography: Geography, county: County) -> list[Post]:
    """The staffing of every team, sized to carry the caseloads of ``young_people``."""
    n = young_people
    found: list[Post] = []
    for district in geography.districts:
        share = geography.district_share[district.code]
        found.append(
            Post(
                f"adolescent:{district.code}",
                "practitioner",
                ("Social worker", "Senior social worker", "Advanced practitioner"),
                max(2, _count(n * share * LEAD_SHARES["cs"] / CASELOADS["cs"])),
                "Team manager",
            )
        )
        found.append(
            Post(
                f"tyss:{district.code}",
                "practitioner",
                ("Youth worker", "Senior youth worker"),
                _count(n * share * (LEAD_SHARES["tyss"] + SUPPORT_SHARES["tyss"]) / CASELOADS["tyss"]),
                "Youth support team manager",
            )
        )
        found.append(Post(f"council:{district.code}", "practitioner", ("Housing options officer",), 1))
    for key, (_, districts) in YJS_OFFICES.items():
        share = sum(geography.district_share.get(code, 0) for code in districts)
        found.append(
            Post(
                f"yjs:{key}",
                "practitioner",
                ("Youth justice officer", "Youth justice worker"),
                _count(n * share * (LEAD_SHARES["yjs"] + SUPPORT_SHARES["yjs"]) / CASELOADS["yjs"]),
                "Youth justice team manager",
            )
        )
    found.append(
        Post(
            "police:mace",
            "police-intelligence-officer",
            ("Detective constable", "Police constable"),
            max(2, _count(n * SUPPORT_SHARES["police"] * 0.75 / CASELOADS["police"])),
            "Detective sergeant",
        )
    )
    found.append(
        Post(
            "police:gravity",
            "police-intelligence-officer",
            ("Detective constable",),
            _count(n * SUPPORT_SHARES["police"] * 0.25 / CASELOADS["police"]),
            "Detective sergeant",
        )
    )
    health_titles = {
        "school-nursing-city": "School nurse",
        "school-nursing-county": "School nurse",
        "sexual-health": "Sexual health outreach nurse",
        "camhs": "Mental health practitioner",
    }
    for key in HEALTH_TEAMS:
        found.append(
            Post(
                f"health:{key}",
                "practitioner",
                (health_titles[key],),
                _count(n * SUPPORT_SHARES["health"] / len(HEALTH_TEAMS) / CASELOADS["health"]),
                "Clinical team leader",
            )
        )
    found.append(
        Post(
            "cads",
            "front-door-officer",
            ("Front door social worker", "Duty officer"),
            max(2, _count(n / 600)),
            "CADS team manager",
        )
    )
    found.append(Post("analytics", "analyst", ("Intelligence analyst",), 1))
    found.append(Post("chairs", "panel-chair", ("Independent chair",), 2))
    for key in county.team:
        if key.startswith("voluntary:"):
            found.append(Post(key, "practitioner", ("Outreach worker", "Young people's advocate"), 2))
    return found


class StaffBuilder:
    def __init__(self, *, seed: int, as_of: date, county: County) -> None:
        self.seed = seed
        self.as_of = as_of
        self.county = county
        self.rng = stream(seed, "staff")
        self.user_ids = Ids(seed, "user")
        self.membership_ids = Ids(seed, "membership")
        self.team_ids = Ids(seed, "unit-team")
        self.usernames: set[str] = set()
        self.roles = {role.code: role for role in Role.objects.all()}
        missing = sorted(set(DEMO_ROLES) - set(self.roles))
        if missing:
            raise ValueError(f"Roles missing from the reference data: {', '.join(missing)}.")
        self.staff = Staff()
        self.unusable = make_password(None)

    def _name(self) -> tuple[str, str, bool]:
        heritage = STAFF_HERITAGES.pick(self.rng)
        female = chance(self.rng, 0.7)  # most of the children's workforce are women
        first = names.adult_first_name(self.rng, heritage, female=female)
        last = names.surname_form(
            names.family_surname(self.rng, heritage), heritage, female=female, married=True
        )
        return first, last, female

    def _username(self, first: str, last: str) -> str:
        base = f"{fold(first).replace(' ', '')}.{fold(last).replace(' ', '')}"[:140]
        username, n = base, 1
        while username in self.usernames:
            n += 1
            username = f"{base}{n}"
        self.usernames.add(username)
        return username

    def add(
        self,
        *,
        team: Team,
        role: str,
        title: str,
        username: str | None = None,
        password: str | None = None,
        is_staff: bool = False,
        since_days: int | None = None,
    ) -> User:
        first, last, _ = self._name()
        username = username or self._username(first, last)
        self.usernames.add(username)
        domain = team.contact_email.split("@", 1)[-1] if team.contact_email else "example.org"
        user = User(
            id=self.user_ids.next(),
            username=username,
            first_name=first,
            last_name=last,
            display_name=f"{first} {last}",
            email=f"{username}@{domain}",
            job_title=title,
            phone=identifiers.landline(self.rng),
            password=password or self.unusable,
            is_staff=is_staff,
            is_active=True,
        )
        starts_on = days_before(self.rng, self.as_of, since_days or 120, (since_days or 120) + 3600)
        self.staff.users.append(user)
        self.staff.memberships.append(
            Membership(
                id=self.membership_ids.next(),
                user=user,
                team=team,
                role=self.roles[role],
                is_primary=True,
                starts_on=starts_on,
            )
        )
        return user

    def _unit(self, first: Team, number: int) -> Team:
        """Another team of the same service (the county's teams list gets it, so it is written too)."""
        unit = Team(
            id=self.team_ids.next(),
            agency=first.agency,
            name=f"{first.name} {number}",
            contact_phone=identifiers.landline(self.rng),
            contact_email=first.contact_email.replace("@", f"-{number}@", 1),
        )
        self.county.teams.append(unit)
        return unit

    def build(self, young_people: int, geography: Geography, password: str) -> Staff:
        county, staff = self.county, self.staff
        now = timezone.now()
        for role in DEMO_ROLES:
            team_key, title = DEMO_PLACEMENTS[role]
            team = county.team.get(team_key) or next(
                t for k, t in county.team.items() if k.startswith(team_key.split(":")[0])
            )
            username = demo_username(role)
            user = self.add(
                team=team,
                role=role,
                title=title,
                username=username,
                password=password,
                is_staff=role == "system-administrator",
                since_days=400,
            )
            staff.demo[role] = user
            secret = demo_totp_secret(self.seed, username)
            staff.totp_secrets[username] = secret
            staff.authenticators.append(
                Authenticator(
                    user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}, created_at=now
                )
            )
        managed_by_demo = DEMO_PLACEMENTS["team-manager"][0]
        for post in posts(young_people, geography, county):
            post_team = county.team.get(post.team_key)
            if post_team is None:
                continue
            workers = staff.workers.setdefault(post.team_key, [])
            # A service with more workers than one team holds is several teams of the same service,
            # each with its own manager, as real services are organised; the first keeps the name.
            for number, first in enumerate(range(0, post.count, TEAM_SIZE), start=1):
                unit = post_team if number == 1 else self._unit(post_team, number)
                for _ in range(min(TEAM_SIZE, post.count - first)):
                    worker = self.add(team=unit, role=post.role, title=self.rng.choice(post.titles))
                    workers.append(worker)
                    staff.team_of[worker.pk] = unit
                if post.manager_title and not (number == 1 and post.team_key == managed_by_demo):
                    self.add(team=unit, role="team-manager", title=post.manager_title, since_days=900)
        for info in county.schools:
            staff.school_dsl[info.school.pk] = self.add(
                team=info.team, role="practitioner", title="Designated safeguarding lead"
            )
        return staff


def build_staff(
    *,
    seed: int,
    as_of: date,
    county: County,
    young_people: int,
    geography: Geography,
    hash_password: bool = True,
) -> Staff:
    """Staff for the county. Demo users share one hash of the demo password, made once (Argon2 is slow
    on purpose); without ``hash_password`` (nothing will be written) they get an unusable one."""
    password = make_password(demo_password() if hash_password else None)
    return StaffBuilder(seed=seed, as_of=as_of, county=county).build(young_people, geography, password)


def grant_admin_permissions(user: User) -> int:
    """Django admin permissions on every Harbour model (the admin site itself also requires the
    ``admin.system`` capability). Audit events can be viewed, never changed."""
    labels = [config.label for config in apps.get_app_configs() if config.name.startswith("harbour.")]
    permissions = Permission.objects.filter(content_type__app_label__in=labels).exclude(
        content_type__app_label="audit", codename__regex=r"^(add|change|delete)_"
    )
    user.user_permissions.add(*permissions)
    return permissions.count()
