"""Derived indicators: what a young person's education records say, offered to the joint assessment.

``derived_for`` computes, for one young person on one day, the indicator codes their records support,
each with the record it comes from (its provenance). ``refresh_for`` compares that with what this app
offered before (``EducationIndicatorOffer``) and offers the new or changed ones and withdraws the ones no
longer true, through the assessments app's contract (``indicator_offer`` and
``indicator_offer_withdraw``). It runs inside every education service's transaction, and from the
``education.indicators`` tick, because a 12-month window moves with time and periods end.

The rules (docs/education.md, "Derived indicators"):

- ``education-permanent-exclusion-12m`` / ``education-suspension-12m``: an exclusion of that kind that
  stands (not overturned or withdrawn) and started in the last 12 months, counted inclusively: an
  exclusion that started exactly 12 months ago today (the same date a year earlier; 29 February falls
  back to 28 February) still counts; the day after, it does not. Exclusions dated in the future do not.
- ``education-attendance-below-90``: the latest term recorded is under 90% (90.0% exactly is not).
- ``education-missing-education``: a children-missing-education case is open.
- ``education-part-time-timetable``, ``education-alternative-provision``, ``education-home-educated``:
  a period that has started and has not ended (it ends at the end of its end date).

When several records support one indicator, the most recent is the source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from harbour.assessments import services as assessment_services
from harbour.education.models import (
    AlternativeProvision,
    AttendanceRecord,
    EducationIndicatorOffer,
    ElectiveHomeEducation,
    Exclusion,
    MissingEducationCase,
    PartTimeTimetable,
)

SOURCE_APP = "education"

PERMANENT_12M = "education-permanent-exclusion-12m"
SUSPENSION_12M = "education-suspension-12m"
ATTENDANCE_BELOW_90 = "education-attendance-below-90"
MISSING_EDUCATION = "education-missing-education"
PART_TIME = "education-part-time-timetable"
ALTERNATIVE_PROVISION = "education-alternative-provision"
HOME_EDUCATED = "education-home-educated"

CODES = (
    PERMANENT_12M,
    SUSPENSION_12M,
    ATTENDANCE_BELOW_90,
    MISSING_EDUCATION,
    PART_TIME,
    ALTERNATIVE_PROVISION,
    HOME_EDUCATED,
)


@dataclass(frozen=True)
class Derived:
    """One indicator that holds today, and the record it comes from."""

    code: str
    source_kind: str
    source_id: str
    observed_on: dt.date
    evidence: str
    anchor: str  # the section of the education page that shows the record


def twelve_months_before(day: dt.date) -> dt.date:
    """The same date a year earlier (29 February falls back to 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def date_text(day: dt.date) -> str:
    """A date as the indicators' evidence writes it: "3 May 2026"."""
    return day.strftime("%-d %B %Y")


def _current(queryset: Any, today: dt.date) -> Any:
    return queryset.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def derived_for(person: Any, *, today: dt.date | None = None) -> dict[str, Derived]:
    """The education indicators that hold for this young person today, by code."""
    today = today or timezone.localdate()
    found: dict[str, Derived] = {}
    since = twelve_months_before(today)
    exclusions = (
        Exclusion.objects.filter(
            person_id=person.pk, status__in=Exclusion.STANDING, starts_on__gte=since, starts_on__lte=today
        )
        .select_related("kind", "school", "reason")
        .order_by("-starts_on", "-created_at")
    )
    for exclusion in exclusions:
        code = PERMANENT_12M if exclusion.kind.permanent else SUSPENSION_12M
        if code in found:
            continue
        length = "" if exclusion.days is None else f" for {exclusion.days.normalize():f} school days"
        found[code] = Derived(
            code=code,
            source_kind="exclusion",
            source_id=str(exclusion.pk),
            observed_on=exclusion.starts_on,
            evidence=(
                f"{exclusion.kind.label} from {exclusion.school.name} on {date_text(exclusion.starts_on)}"
                f"{length} (reason: {exclusion.reason.label})."
            ),
            anchor="exclusions",
        )

    latest = (
        AttendanceRecord.objects.filter(person_id=person.pk)
        .select_related("term")
        .order_by("-academic_year", "-term__sort_order")
        .first()
    )
    if latest is not None and latest.below_90:
        found[ATTENDANCE_BELOW_90] = Derived(
            code=ATTENDANCE_BELOW_90,
            source_kind="attendance",
            source_id=str(latest.pk),
            observed_on=latest.updated_at.date(),
            evidence=(
                f"Attendance {latest.percentage}% in the {latest.term.label.lower()} of "
                f"{latest.academic_year_label} ({latest.sessions_attended} of "
                f"{latest.sessions_possible} sessions)."
            ),
            anchor="attendance",
        )

    case = (
        MissingEducationCase.objects.filter(
            person_id=person.pk, closed_on__isnull=True, reported_on__lte=today
        )
        .order_by("-reported_on")
        .first()
    )
    if case is not None:
        found[MISSING_EDUCATION] = Derived(
            code=MISSING_EDUCATION,
            source_kind="missing-education",
            source_id=str(case.pk),
            observed_on=case.reported_on,
            evidence=(
                f"Reported as a child missing education on {date_text(case.reported_on)}; the case is open."
            ),
            anchor="missing-education",
        )

    timetable = (
        _current(PartTimeTimetable.objects.filter(person_id=person.pk), today).order_by("-starts_on").first()
    )
    if timetable is not None:
        found[PART_TIME] = Derived(
            code=PART_TIME,
            source_kind="part-time-timetable",
            source_id=str(timetable.pk),
            observed_on=timetable.starts_on,
            evidence=(
                f"On a part-time timetable of {timetable.hours_per_week.normalize():f} hours a week since "
                f"{date_text(timetable.starts_on)}, to be reviewed by {date_text(timetable.review_on)}."
            ),
            anchor="part-time",
        )

    provision = (
        _current(AlternativeProvision.objects.filter(person_id=person.pk), today)
        .order_by("-starts_on")
        .first()
    )
    if provision is not None:
        found[ALTERNATIVE_PROVISION] = Derived(
            code=ALTERNATIVE_PROVISION,
            source_kind="alternative-provision",
            source_id=str(provision.pk),
            observed_on=provision.starts_on,
            evidence=(
                f"In alternative provision at {provision.provider} since {date_text(provision.starts_on)}."
            ),
            anchor="alternative-provision",
        )

    home = (
        _current(ElectiveHomeEducation.objects.filter(person_id=person.pk), today)
        .order_by("-starts_on")
        .first()
    )
    if home is not None:
        found[HOME_EDUCATED] = Derived(
            code=HOME_EDUCATED,
            source_kind="home-education",
            source_id=str(home.pk),
            observed_on=home.starts_on,
            evidence=f"Electively home educated since {date_text(home.starts_on)}.",
            anchor="home-education",
        )
    return found


def _url(person: Any, anchor: str) -> str:
    return f"{reverse('education:person', args=[person.pk])}#{anchor}"


def refresh_for(*, actor: Any, person: Any, today: dt.date | None = None) -> tuple[int, int]:
    """Offer what holds and withdraw what no longer does. Returns (offered, withdrawn).

    Call inside the transaction of the write that changed the records. ``actor`` is None for the
    system (the tick). An unchanged indicator is not offered again.
    """
    now = timezone.now()
    holds = derived_for(person, today=today)
    previous = {
        row.indicator_code: row for row in EducationIndicatorOffer.objects.filter(person_id=person.pk)
    }
    offered = withdrawn = 0
    for code, row in previous.items():
        current = holds.get(code)
        if current is None or (current.source_kind, current.source_id) != (row.source_kind, row.source_id):
            assessment_services.indicator_offer_withdraw(
                actor=actor,
                source_app=SOURCE_APP,
                source_kind=row.source_kind,
                source_id=row.source_id,
                indicator_code=code,
            )
            row.delete()
            withdrawn += 1
    for code, derived in holds.items():
        held = previous.get(code)
        if (
            held is not None
            and held.pk is not None
            and (held.source_kind, held.source_id, held.observed_on, held.evidence)
            == (derived.source_kind, derived.source_id, derived.observed_on, derived.evidence[:500])
        ):
            continue
        assessment_services.indicator_offer(
            actor=actor,
            person=person,
            indicator_code=code,
            source_app=SOURCE_APP,
            source_kind=derived.source_kind,
            source_id=derived.source_id,
            source_url=_url(person, derived.anchor),
            observed_on=derived.observed_on,
            evidence=derived.evidence,
        )
        EducationIndicatorOffer.objects.update_or_create(
            person_id=person.pk,
            indicator_code=code,
            defaults={
                "source_kind": derived.source_kind,
                "source_id": derived.source_id,
                "observed_on": derived.observed_on,
                "evidence": derived.evidence[:500],
                "offered_at": now,
            },
        )
        offered += 1
    return offered, withdrawn


def people_to_refresh(today: dt.date) -> set[Any]:
    """Who the tick must look at: everyone with an offer (it may have lapsed) and everyone with a
    time-bound record that holds today (it may have started since the last write)."""
    ids: set[Any] = set(EducationIndicatorOffer.objects.values_list("person_id", flat=True).distinct())
    since = twelve_months_before(today)
    ids |= set(
        Exclusion.objects.filter(status__in=Exclusion.STANDING, starts_on__gte=since, starts_on__lte=today)
        .values_list("person_id", flat=True)
        .distinct()
    )
    ids |= set(
        MissingEducationCase.objects.filter(closed_on__isnull=True, reported_on__lte=today)
        .values_list("person_id", flat=True)
        .distinct()
    )
    ids |= set(
        AttendanceRecord.objects.annotate(
            tenfold=F("sessions_attended") * 10, ninefold=F("sessions_possible") * 9
        )
        .filter(tenfold__lt=F("ninefold"))
        .values_list("person_id", flat=True)
        .distinct()
    )
    for model in (PartTimeTimetable, AlternativeProvision, ElectiveHomeEducation):
        ids |= set(_current(model.objects.all(), today).values_list("person_id", flat=True).distinct())
    return ids
