"""A small hand-made county for the partnership figures: young people in two districts, with referrals,
agreed assessments, missing episodes with return home interviews, and exclusions, all dated within
the current month unless a test says otherwise (the dashboard's default period is the last 12 months).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from harbour.assessments.models import Assessment, RiskLevel, ScreeningToolVersion
from harbour.core.models import Town
from harbour.education.models import Exclusion, ExclusionKind, ExclusionReason
from harbour.frontdoor.models import ConcernType, Referral, ReferralSubject, Urgency
from harbour.missing.models import EpisodeKind, MissingEpisode, MissingSetting, ReturnInterview
from harbour.people.models import Address, Ethnicity, Gender, Person, School
from tests.api.conftest import api_as  # noqa: F401  (a fixture, used by test_api.py)
from tests.conftest import World

_numbers = itertools.count(1)


def years_ago(years: int, days: int = 30) -> dt.date:
    """A date of birth giving this age today (a month past the birthday)."""
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


def now_minus(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def young_person(*, town: str, gender: str, ethnicity: str, age: int, first_name: str = "Sam") -> Person:
    person = Person.objects.create(
        first_name=first_name,
        last_name=f"Figures{next(_numbers)}",
        date_of_birth=years_ago(age),
        gender=Gender.objects.get(code=gender),
        ethnicity=Ethnicity.objects.get(code=ethnicity),
    )
    Address.objects.create(
        person=person, line1="1 Test Street", town=Town.objects.get(name=town), starts_on=dt.date(2020, 1, 1)
    )
    return person


def refer(people: list[Person], *, concerns: list[str], at: dt.datetime | None = None) -> Referral:
    at = at or now_minus(hours=2)
    referral = Referral.objects.create(
        reference=f"HR-TEST-{next(_numbers):06d}",
        urgency=Urgency.objects.order_by("sort_order").first(),
        what_happened="Seen with older men at the station.",
        submitted_at=at,
        due_by=at + dt.timedelta(days=1),
    )
    referral.concern_types.set(ConcernType.objects.filter(code__in=concerns))
    for person in people:
        ReferralSubject.objects.create(referral=referral, person=person)
    return referral


def agree(person: Person, *, level: str, lead: Any, at: dt.datetime, types: list[str] = ()) -> Assessment:
    risk_level = RiskLevel.objects.get(code=level)
    assessment = Assessment.objects.create(
        person=person,
        tool_version=ScreeningToolVersion.objects.filter(tool=risk_level.tool).first(),
        status=Assessment.Status.AGREED,
        lead=lead,
        lead_agency=lead.primary_membership().team.agency,
        opened_at=at - dt.timedelta(days=3),
        agreed_level=risk_level,
        agreed_by=lead,
        agreed_at=at,
    )
    assessment.exploitation_types.set(ConcernType.objects.filter(code__in=types))
    return assessment


def missing(
    person: Person,
    *,
    started: dt.datetime,
    hours: float = 10,
    interview: str | None = None,
    completed_after_hours: float | None = None,
    setting: str = "home",
    out_of_area: bool = False,
) -> MissingEpisode:
    ended = started + dt.timedelta(hours=hours)
    episode = MissingEpisode.objects.create(
        person=person,
        kind=EpisodeKind.objects.get(code="missing"),
        setting=MissingSetting.objects.get(code=setting),
        out_of_area=out_of_area,
        started_at=started,
        ended_at=ended,
    )
    if interview is not None:
        completed_at = (
            ended + dt.timedelta(hours=completed_after_hours) if completed_after_hours is not None else None
        )
        ReturnInterview.objects.create(
            episode=episode,
            person=person,
            returned_at=ended,
            due_at=ended + dt.timedelta(hours=72),
            status=interview,
            offered_at=ended + dt.timedelta(hours=1)
            if interview != ReturnInterview.Status.TO_OFFER
            else None,
            declined_at=ended + dt.timedelta(hours=2)
            if interview == ReturnInterview.Status.DECLINED
            else None,
            completed_at=completed_at,
        )
    return episode


def exclude(person: Person, *, kind: str, on: dt.date, status: str = Exclusion.Status.IN_FORCE) -> Exclusion:
    school, _ = School.objects.get_or_create(name="Figures Academy")
    return Exclusion.objects.create(
        person=person,
        school=school,
        kind=ExclusionKind.objects.get(code=kind),
        starts_on=on,
        days=None if kind == "permanent-exclusion" else 2,
        reason=ExclusionReason.objects.order_by("sort_order").first(),
        status=status,
    )


@dataclass
class County:
    """Six girls aged 14 in Norwich (White British) and two boys aged 16 in Thetford (Black African)."""

    world: World
    norwich_girls: list[Person]
    thetford_boys: list[Person]
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def county(world: World) -> County:
    girls = [
        young_person(
            town="Norwich", gender="female", ethnicity="white-british", age=14, first_name="Girlname"
        )
        for _ in range(6)
    ]
    boys = [
        young_person(town="Thetford", gender="male", ethnicity="black-african", age=16, first_name="Boyname")
        for _ in range(2)
    ]
    lead = world.users["practitioner"]
    today_start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    this_month = max(today_start.replace(day=1), now_minus(days=1))
    # Referrals: each girl once (county lines), the first girl twice; each boy once (CSE and CCE).
    for girl in girls:
        refer([girl], concerns=["county-lines"], at=this_month)
    refer([girls[0]], concerns=["child-criminal-exploitation"], at=this_month)
    refer(boys, concerns=["child-sexual-exploitation", "child-criminal-exploitation"], at=this_month)
    # Risk: girls medium (agreed long ago), then five of them reviewed in the period: 3 high, 2 standard.
    long_ago = timezone.now() - dt.timedelta(days=800)
    for girl in girls:
        agree(girl, level="norfolk-medium", lead=lead, at=long_ago, types=["county-lines"])
    for girl in girls[:3]:
        agree(girl, level="norfolk-high", lead=lead, at=this_month, types=["county-lines"])
    for girl in girls[3:5]:
        agree(girl, level="norfolk-standard", lead=lead, at=this_month, types=["county-lines"])
    # Missing: each girl once, the first girl three times; each boy once.
    for girl in girls:
        missing(
            girl, started=this_month, interview=ReturnInterview.Status.COMPLETED, completed_after_hours=24
        )
    for _ in range(2):
        missing(
            girls[0],
            started=this_month,
            interview=ReturnInterview.Status.COMPLETED,
            completed_after_hours=100,
        )
    for boy in boys:
        missing(boy, started=this_month, interview=ReturnInterview.Status.DECLINED)
    # Exclusions: every girl is at risk; all six suspended this month, one permanently excluded as well.
    today = timezone.localdate()
    for girl in girls:
        exclude(girl, kind="suspension", on=today)
    exclude(girls[0], kind="permanent-exclusion", on=today)
    exclude(boys[0], kind="suspension", on=today)  # not at risk (no agreed level): not counted
    return County(world=world, norwich_girls=girls, thetford_boys=boys)
