"""The demo education records: attendance by term, suspensions and permanent exclusions, part-time
timetables, alternative provision, elective home education and children missing education.

Runs after the front door is seeded (``harbour seed`` calls ``seed_education``). Records concentrate
among the young people at higher risk: those referred to the front door about exploitation or going
missing, and the demo practitioner's caseload (so the demo shows the education page and its home-page
queues). Other school-age young people get a little: some attendance, the odd suspension.
Deterministic: every choice comes from ``rand.stream(seed, "education")`` in a fixed order of ids.
Rows are written through the seed's sink (COPY on PostgreSQL) in one transaction, then the indicators
they support are offered to the joint assessment through ``assessments.services.indicator_offer``, as
``education.indicators.refresh_for`` (the nightly tick) would, for those with a record that holds today.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from harbour.access.models import Allocation
from harbour.accounts.models import User
from harbour.assessments import services as assessment_services
from harbour.demo.rand import Ids, Weighted, chance, stream
from harbour.demo.sinks import DatabaseSink
from harbour.education import indicators
from harbour.education.indicators import Derived
from harbour.education.models import (
    AlternativeProvision,
    AttendanceRecord,
    EducationIndicatorOffer,
    ElectiveHomeEducation,
    Exclusion,
    ExclusionKind,
    ExclusionReason,
    MissingEducationCase,
    MissingEducationEnquiry,
    MissingEducationOutcome,
    PartTimeTimetable,
    SchoolPlacement,
    Term,
)
from harbour.frontdoor.models import ReferralSubject
from harbour.people.models import Person, School

HIGHER_RISK_CONCERNS = (
    "child-criminal-exploitation",
    "county-lines",
    "child-sexual-exploitation",
    "online-exploitation",
    "missing",
    "serious-youth-violence",
    "trafficking-and-modern-slavery",
)
# Shares of the higher-risk young people (and of the others) with each kind of record.
SHARES = {
    "attendance": (0.95, 0.15),
    "suspension": (0.35, 0.03),
    "permanent": (0.08, 0.0),
    "part_time": (0.07, 0.0),
    "alternative_provision": (0.06, 0.0),
    "home_education": (0.03, 0.003),
    "missing_education": (0.06, 0.0),
}
SESSIONS = {"autumn": 140, "spring": 120, "summer": 130}
REASON_WEIGHTS = {
    "persistent-disruptive-behaviour": 35,
    "verbal-abuse-adult": 14,
    "physical-assault-pupil": 12,
    "drug-alcohol": 10,
    "offensive-weapon": 6,
    "verbal-abuse-pupil": 6,
    "damage": 4,
    "online-misuse": 4,
    "bullying": 3,
    "theft": 3,
    "other": 3,
}
PROVIDERS = (
    "Norfolk Pupil Referral Unit (Norwich)",
    "The Bridge Alternative Provision, Great Yarmouth",
    "Fen Rivers Academy Outreach, King's Lynn",
    "Broadland Vocational Centre",
)
PART_TIME_REASONS = (
    "Phased return after a suspension, agreed with the family.",
    "Reduced timetable while an assessment of needs is completed.",
    "Part-time while attending alternative provision two days a week.",
)
ENQUIRY_TEXT = (
    ("Home visit", "No answer; a neighbour said the family may have moved."),
    ("Previous school", "Not seen since the end of last term."),
    ("Health visitor and GP surgery", "Still registered at the surgery; no recent contact."),
    ("Neighbouring local authority", "Checked their admissions: not on roll there."),
)


@dataclass
class EducationStats:
    higher_risk: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    offered: int = 0


def _academic_year(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _completed_terms(as_of: date, count: int) -> list[tuple[int, str]]:
    """The last ``count`` whole terms before ``as_of``, latest first, as (academic year, term code)."""
    year = _academic_year(as_of)
    if as_of.month in (1, 2, 3, 4):
        latest = (year, "autumn")
    elif as_of.month in (5, 6, 7):
        latest = (year, "spring")
    else:  # August to December: the summer term just gone
        latest = (year - 1 if as_of.month >= 9 else year, "summer")
    order = ["autumn", "spring", "summer"]
    terms = []
    year_of, term = latest
    for _ in range(count):
        terms.append((year_of, term))
        index = order.index(term) - 1
        if index < 0:
            year_of, index = year_of - 1, 2
        term = order[index]
    return terms


class _Builder:
    def __init__(self, *, seed: int, as_of: date, demo_users: dict[str, str]) -> None:
        self.rng: random.Random = stream(seed, "education")
        self.ids = Ids(seed, "education")
        self.as_of = as_of
        self.demo_users = demo_users
        self.terms = {row.code: row for row in Term.objects.all()}
        self.kinds = {row.code: row for row in ExclusionKind.objects.all()}
        self.reasons = {row.code: row for row in ExclusionReason.objects.all()}
        self.outcomes = {row.code: row for row in MissingEducationOutcome.objects.all()}
        self.schools = list(School.objects.order_by("id").values_list("id", flat=True))
        self.rows: dict[type[Any], list[Any]] = {}
        self.stats = EducationStats()
        self.caseload: set[Any] = set()
        self.caseload_missing = False
        self.excluded: dict[Any, set[tuple[str, date]]] = {}  # person id -> (kind, day) of each exclusion

    def add(self, row: Any) -> Any:
        row.id = self.ids.next()
        self.rows.setdefault(type(row), []).append(row)
        return row

    def people(self) -> tuple[list[tuple[Any, Any, date | None]], set[Any]]:
        """School-age young people (11 to 16 on the day), and which of them are at higher risk."""
        born_after = date(self.as_of.year - 17, self.as_of.month, 1)
        born_before = date(self.as_of.year - 11, self.as_of.month, 1)
        pupils = list(
            Person.objects.filter(
                kind=Person.Kind.YOUNG_PERSON,
                merged_into__isnull=True,
                date_of_birth__gt=born_after,
                date_of_birth__lte=born_before,
            )
            .order_by("id")
            .values_list("id", "school_id", "date_of_birth")
        )
        referred = set(
            ReferralSubject.objects.filter(
                person__isnull=False, referral__concern_types__code__in=HIGHER_RISK_CONCERNS
            ).values_list("person_id", flat=True)
        )
        username = self.demo_users.get("practitioner", "")
        worker = User.objects.filter(username=username).first()
        if worker is not None:
            self.caseload = set(
                Allocation.objects.filter(worker=worker, ends_on__isnull=True).values_list(
                    "person_id", flat=True
                )
            )
            referred |= set(
                Allocation.objects.filter(worker=worker, ends_on__isnull=True).values_list(
                    "person_id", flat=True
                )
            )
        return pupils, referred

    def build(self) -> None:
        pupils, higher = self.people()
        if not pupils or not self.schools or not self.terms or not self.kinds:
            return
        terms = _completed_terms(self.as_of, 3)
        reasons = Weighted({code: weight for code, weight in REASON_WEIGHTS.items() if code in self.reasons})
        for person_id, school_id, _born in pupils:
            risky = person_id in higher
            self.stats.higher_risk += int(risky)
            share = {name: pair[0] if risky else pair[1] for name, pair in SHARES.items()}
            school = school_id or self.rng.choice(self.schools)
            year_start = date(_academic_year(self.as_of), 9, 1)
            placement = self.add(
                SchoolPlacement(
                    person_id=person_id,
                    school_id=school,
                    kind=SchoolPlacement.Kind.ROLL,
                    starts_on=year_start - timedelta(days=365 * self.rng.randint(0, 3)),
                )
            )
            if chance(self.rng, share["attendance"]):
                self.attendance(person_id, school, terms, risky)
            if chance(self.rng, share["suspension"]):
                for _ in range(self.rng.choice([1, 1, 2, 3]) if risky else 1):
                    self.exclusion(
                        person_id, school, "suspension", reasons.pick(self.rng), self.rng.randint(3, 420)
                    )
            if person_id in self.caseload and chance(self.rng, 0.3):
                # The demo practitioner's home page shows new exclusions in their network.
                self.exclusion(
                    person_id, school, "suspension", reasons.pick(self.rng), self.rng.randint(1, 20)
                )
            if chance(self.rng, share["permanent"]):
                excluded_on = self.as_of - timedelta(days=self.rng.randint(2, 500))
                self.exclusion(person_id, school, "permanent-exclusion", reasons.pick(self.rng), excluded_on)
                placement.starts_on = min(placement.starts_on, excluded_on - timedelta(days=365))
                placement.ends_on = excluded_on
                self.provision(
                    person_id, school, excluded_on, "Full-time education after a permanent exclusion."
                )
            elif chance(self.rng, share["alternative_provision"]):
                starts = self.as_of - timedelta(days=self.rng.randint(10, 200))
                self.provision(
                    person_id, school, starts, "Two days a week alongside school, to stay in education."
                )
            if chance(self.rng, share["part_time"]):
                self.part_time(person_id, school)
            if chance(self.rng, share["home_education"]):
                starts = self.as_of - timedelta(days=self.rng.randint(30, 400))
                self.add(ElectiveHomeEducation(person_id=person_id, starts_on=starts))
                placement.starts_on = min(placement.starts_on, starts - timedelta(days=365))
                placement.ends_on = starts
            if person_id in self.caseload and not self.caseload_missing:
                # One of the demo practitioner's young people is missing education, an enquiry overdue.
                self.caseload_missing = True
                self.missing(person_id, still_open=True)
            elif chance(self.rng, share["missing_education"]):
                self.missing(person_id)

    def attendance(self, person_id: Any, school: Any, terms: list[tuple[int, str]], risky: bool) -> None:
        level = self.rng.uniform(0.62, 0.97) if risky else self.rng.uniform(0.86, 0.995)
        for year, term in terms:
            possible = SESSIONS[term] - self.rng.randint(0, 6)
            rate = min(1.0, max(0.2, level + self.rng.uniform(-0.06, 0.04)))
            self.add(
                AttendanceRecord(
                    person_id=person_id,
                    academic_year=year,
                    term=self.terms[term],
                    school_id=school,
                    sessions_possible=possible,
                    sessions_attended=round(possible * rate),
                )
            )

    def exclusion(self, person_id: Any, school: Any, kind: str, reason: str, when: date | int) -> None:
        starts = when if isinstance(when, date) else self.as_of - timedelta(days=when)
        # One of a kind from a school on a day (the model's constraint): move a clash a day earlier.
        taken = self.excluded.setdefault(person_id, set())
        while (kind, starts) in taken:
            starts -= timedelta(days=1)
        taken.add((kind, starts))
        permanent = kind == "permanent-exclusion"
        status = Exclusion.Status.UPHELD if permanent and chance(self.rng, 0.4) else Exclusion.Status.IN_FORCE
        if not permanent and chance(self.rng, 0.05):
            status = Exclusion.Status.WITHDRAWN
        self.add(
            Exclusion(
                person_id=person_id,
                school_id=school,
                kind=self.kinds[kind],
                starts_on=starts,
                days=None if permanent else Decimal(self.rng.choice(["0.5", "1", "1", "2", "3", "5"])),
                reason=self.reasons[reason],
                status=status,
            )
        )

    def provision(self, person_id: Any, school: Any, starts: date, reason: str) -> None:
        self.add(
            AlternativeProvision(
                person_id=person_id,
                provider=self.rng.choice(PROVIDERS),
                commissioned_by_id=school,
                starts_on=starts,
                hours_per_week=Decimal(self.rng.choice(["10", "15", "20", "25"])),
                reason=reason,
            )
        )

    def part_time(self, person_id: Any, school: Any) -> None:
        starts = self.as_of - timedelta(days=self.rng.randint(5, 120))
        ended = chance(self.rng, 0.3)
        self.add(
            PartTimeTimetable(
                person_id=person_id,
                school_id=school,
                starts_on=starts,
                ends_on=starts + timedelta(days=self.rng.randint(20, 60)) if ended else None,
                hours_per_week=Decimal(self.rng.choice(["9", "12.5", "15", "20"])),
                reason=self.rng.choice(PART_TIME_REASONS),
                # Some reviews are overdue: a part-time timetable should not drift.
                review_on=starts + timedelta(days=self.rng.choice([14, 28, 42])),
            )
        )

    def missing(self, person_id: Any, *, still_open: bool = False) -> None:
        # A case kept open for the demo caseload has had one enquiry, and the next is overdue.
        reported = self.as_of - timedelta(
            days=self.rng.randint(25, 40) if still_open else self.rng.randint(3, 120)
        )
        closed = not still_open and chance(self.rng, 0.5) and (self.as_of - reported).days > 20
        made = []
        day = reported
        enquiries = 1 if still_open else self.rng.randint(0 if not closed else 1, 3)
        for made_with, result in ENQUIRY_TEXT[:enquiries]:
            day = day + timedelta(days=self.rng.randint(2, 8))
            if day > self.as_of:
                break
            made.append((day, made_with, result))
        last = made[-1][0] if made else reported
        due = last + timedelta(days=10 if made else 5)
        outcome = None
        if closed:
            outcome = self.outcomes.get(
                self.rng.choice(
                    ["found-on-roll-in-area", "found-on-roll-elsewhere", "moved-notified-other-authority"]
                )
            )
        case = self.add(
            MissingEducationCase(
                person_id=person_id,
                reported_on=reported,
                reported_by=self.rng.choice(
                    ["School attendance officer", "Children's services", "Health visitor"]
                ),
                enquiries_due_on=due,
                outcome=outcome,
                closed_on=min(self.as_of, last + timedelta(days=3)) if outcome else None,
            )
        )
        for day, made_with, result in made:
            self.add(
                MissingEducationEnquiry(case_id=case.id, made_on=day, made_with=made_with, result=result)
            )


ORDER = (
    SchoolPlacement,
    AttendanceRecord,
    Exclusion,
    PartTimeTimetable,
    AlternativeProvision,
    ElectiveHomeEducation,
    MissingEducationCase,
    MissingEducationEnquiry,
)
# The records an indicator can come from (each has a young person).
INDICATOR_SOURCES = (
    AttendanceRecord,
    Exclusion,
    PartTimeTimetable,
    AlternativeProvision,
    ElectiveHomeEducation,
    MissingEducationCase,
)


def _by_person(rows: list[Any]) -> dict[Any, list[Any]]:
    found: dict[Any, list[Any]] = {}
    for row in rows:
        found.setdefault(row.person_id, []).append(row)
    return found


def derived(builder: _Builder, today: date, recorded_on: date) -> dict[Any, dict[str, Derived]]:
    """What ``indicators.derived_for`` says of each young person with records, worked out from the rows
    just written rather than with seven queries per young person. ``recorded_on`` is the day the
    attendance rows were written (the attendance indicator's date). The same rules, the same evidence
    and the same order: tests/demo/test_fast_paths.py checks it against ``derived_for``."""
    since = indicators.twelve_months_before(today)
    schools = dict(School.objects.values_list("id", "name"))
    rows = {model: _by_person(builder.rows.get(model, [])) for model in INDICATOR_SOURCES}
    people: set[Any] = set().union(*rows.values())
    found: dict[Any, dict[str, Derived]] = {}
    for person_id in people:
        holds: dict[str, Derived] = {}
        standing = [
            (row.starts_on, index, row)
            for index, row in enumerate(rows[Exclusion].get(person_id, []))
            if row.status in Exclusion.STANDING and since <= row.starts_on <= today
        ]
        # Latest first; on the same day the one written last (``-created_at``).
        for _, _, exclusion in sorted(standing, key=lambda item: (item[0], item[1]), reverse=True):
            code = indicators.PERMANENT_12M if exclusion.kind.permanent else indicators.SUSPENSION_12M
            if code in holds:
                continue
            length = "" if exclusion.days is None else f" for {exclusion.days.normalize():f} school days"
            holds[code] = Derived(
                code=code,
                source_kind="exclusion",
                source_id=str(exclusion.pk),
                observed_on=exclusion.starts_on,
                evidence=(
                    f"{exclusion.kind.label} from {schools[exclusion.school_id]} on "
                    f"{indicators.date_text(exclusion.starts_on)}{length} (reason: {exclusion.reason.label})."
                ),
                anchor="exclusions",
            )
        terms = rows[AttendanceRecord].get(person_id, [])
        latest = max(terms, key=lambda row: (row.academic_year, row.term.sort_order), default=None)
        if latest is not None and latest.below_90:
            holds[indicators.ATTENDANCE_BELOW_90] = Derived(
                code=indicators.ATTENDANCE_BELOW_90,
                source_kind="attendance",
                source_id=str(latest.pk),
                observed_on=recorded_on,
                evidence=(
                    f"Attendance {latest.percentage}% in the {latest.term.label.lower()} of "
                    f"{latest.academic_year_label} ({latest.sessions_attended} of "
                    f"{latest.sessions_possible} sessions)."
                ),
                anchor="attendance",
            )
        cases = [
            row
            for row in rows[MissingEducationCase].get(person_id, [])
            if row.closed_on is None and row.reported_on <= today
        ]
        if cases:
            case = max(cases, key=lambda row: row.reported_on)
            holds[indicators.MISSING_EDUCATION] = Derived(
                code=indicators.MISSING_EDUCATION,
                source_kind="missing-education",
                source_id=str(case.pk),
                observed_on=case.reported_on,
                evidence=(
                    f"Reported as a child missing education on {indicators.date_text(case.reported_on)}; "
                    "the case is open."
                ),
                anchor="missing-education",
            )
        timetable = _current(rows[PartTimeTimetable].get(person_id, []), today)
        if timetable is not None:
            holds[indicators.PART_TIME] = Derived(
                code=indicators.PART_TIME,
                source_kind="part-time-timetable",
                source_id=str(timetable.pk),
                observed_on=timetable.starts_on,
                evidence=(
                    f"On a part-time timetable of {timetable.hours_per_week.normalize():f} hours a week "
                    f"since {indicators.date_text(timetable.starts_on)}, to be reviewed by "
                    f"{indicators.date_text(timetable.review_on)}."
                ),
                anchor="part-time",
            )
        provision = _current(rows[AlternativeProvision].get(person_id, []), today)
        if provision is not None:
            holds[indicators.ALTERNATIVE_PROVISION] = Derived(
                code=indicators.ALTERNATIVE_PROVISION,
                source_kind="alternative-provision",
                source_id=str(provision.pk),
                observed_on=provision.starts_on,
                evidence=(
                    f"In alternative provision at {provision.provider} since "
                    f"{indicators.date_text(provision.starts_on)}."
                ),
                anchor="alternative-provision",
            )
        home = _current(rows[ElectiveHomeEducation].get(person_id, []), today)
        if home is not None:
            holds[indicators.HOME_EDUCATED] = Derived(
                code=indicators.HOME_EDUCATED,
                source_kind="home-education",
                source_id=str(home.pk),
                observed_on=home.starts_on,
                evidence=f"Electively home educated since {indicators.date_text(home.starts_on)}.",
                anchor="home-education",
            )
        if holds:
            found[person_id] = holds
    return found


def _current(rows: list[Any], today: date) -> Any:
    """The latest period that has started and not ended (``indicators._current``, latest first)."""
    current = [
        row for row in rows if row.starts_on <= today and (row.ends_on is None or row.ends_on >= today)
    ]
    return max(current, key=lambda row: row.starts_on, default=None)


def offer(holds: dict[Any, dict[str, Derived]]) -> int:
    """Offer each young person's indicators to the joint assessment through the offering service
    (``assessments.services.indicator_offer``: its checks, its row and its ``indicator.offered`` event)
    and keep this app's record of each, as ``indicators.refresh_for`` does for someone offered nothing
    before; young people in order of id. Only the working out of what holds is done in bulk (``derived``,
    checked against ``derived_for``). Returns how many were offered."""
    people = Person.objects.in_bulk(list(holds))
    now = timezone.now()
    records: list[EducationIndicatorOffer] = []
    for person_id in sorted(holds):
        person = people[person_id]
        for code, found in holds[person_id].items():
            assessment_services.indicator_offer(
                actor=None,
                person=person,
                indicator_code=code,
                source_app=indicators.SOURCE_APP,
                source_kind=found.source_kind,
                source_id=found.source_id,
                source_url=f"{reverse('education:person', args=[person_id])}#{found.anchor}",
                observed_on=found.observed_on,
                evidence=found.evidence,
            )
            records.append(
                EducationIndicatorOffer(
                    person_id=person_id,
                    indicator_code=code,
                    source_kind=found.source_kind,
                    source_id=found.source_id,
                    observed_on=found.observed_on,
                    evidence=found.evidence[:500],
                    offered_at=now,
                )
            )
    sink = DatabaseSink()
    sink.extend(records)
    sink.flush()
    return len(records)


def seed_education(
    *,
    seed: int,
    as_of: date,
    demo_users: dict[str, str],
    progress: Callable[[str], None] | None = None,
    through_services: bool = False,
) -> EducationStats:
    """Write the demo education records into a seeded county, and offer the indicators they support.

    ``through_services`` offers them one young person at a time through ``indicators.refresh_for``
    (as the nightly tick would) instead of in bulk: slower, the same rows; tests compare the two."""
    started = clock.perf_counter()
    builder = _Builder(seed=seed, as_of=as_of, demo_users=demo_users)
    builder.build()
    with transaction.atomic():
        sink = DatabaseSink()
        for model in ORDER:
            rows = builder.rows.get(model, [])
            sink.extend(rows)
            builder.stats.counts[model._meta.label] = len(rows)
        sink.flush()
        recorded_on = timezone.now().date()
        today = min(as_of, date.today())
        if through_services:
            affected = {row.person_id for model in INDICATOR_SOURCES for row in builder.rows.get(model, [])}
            for person in Person.objects.filter(pk__in=affected).order_by("id"):
                offered, _ = indicators.refresh_for(actor=None, person=person, today=today)
                builder.stats.offered += offered
        else:
            builder.stats.offered = offer(derived(builder, today, recorded_on))
    if progress is not None:
        counts = builder.stats.counts
        progress(
            f"  education: {counts.get('education.AttendanceRecord', 0):,} terms of attendance, "
            f"{counts.get('education.Exclusion', 0):,} exclusions, "
            f"{counts.get('education.PartTimeTimetable', 0):,} part-time timetables, "
            f"{counts.get('education.AlternativeProvision', 0):,} in alternative provision, "
            f"{counts.get('education.MissingEducationCase', 0):,} missing education cases; "
            f"{builder.stats.offered:,} indicators offered ({clock.perf_counter() - started:.1f}s)"
        )
    return builder.stats
