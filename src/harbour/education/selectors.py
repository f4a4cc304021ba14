"""Reads of education records, under the young person's record access. Missing and forbidden give 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from harbour.access import policies as access
from harbour.audit import services as audit
from harbour.core import uploads
from harbour.education import indicators, policies
from harbour.education.models import (
    AlternativeProvision,
    AttendanceRecord,
    EducationUpload,
    ElectiveHomeEducation,
    Exclusion,
    MissingEducationCase,
    PartTimeTimetable,
    SchoolPlacement,
    UnmatchedImportRow,
)
from harbour.people.models import Person


@dataclass
class EducationSummary:
    """Everything recorded about a young person's education, newest first in each part."""

    person: Person
    placements: list[SchoolPlacement]
    attendance: list[AttendanceRecord]
    exclusions: list[Exclusion]
    part_time_timetables: list[PartTimeTimetable]
    alternative_provisions: list[AlternativeProvision]
    home_education: list[ElectiveHomeEducation]
    missing_education: list[MissingEducationCase]
    indicators: list[indicators.Derived] = field(default_factory=list)
    can_record: bool = False


def _person(actor: Any, person_id: Any) -> Person:
    # Education is recorded for young people only. A merge moves the rows to the survivor (people/merging.py).
    person = Person.objects.filter(
        pk=person_id, merged_into__isnull=True, kind=Person.Kind.YOUNG_PERSON
    ).first()
    if person is None or not policies.can_view(actor, person):
        raise Http404
    return person


def education_person_for(*, actor: Any, person_id: UUID, purpose: str) -> Person:
    """The young person, for a form about their education: 404 unless the actor may record it."""
    person = _person(actor, person_id)
    if not policies.can_record(actor, person):
        raise Http404
    audit.record(actor, "education.viewed", person, detail={"purpose": purpose[:40]})
    return person


def education_summary_for(*, actor: Any, person_id: UUID, purpose: str = "page") -> EducationSummary:
    """A young person's education, if the actor sees them in full; audited as one read."""
    person = _person(actor, person_id)
    summary = EducationSummary(
        person=person,
        placements=list(SchoolPlacement.objects.filter(person=person).select_related("school")),
        attendance=list(
            AttendanceRecord.objects.filter(person=person)
            .select_related("term", "school")
            .order_by("-academic_year", "-term__sort_order")
        ),
        exclusions=list(
            Exclusion.objects.filter(person=person).select_related("school", "kind", "reason", "recorded_by")
        ),
        part_time_timetables=list(PartTimeTimetable.objects.filter(person=person).select_related("school")),
        alternative_provisions=list(
            AlternativeProvision.objects.filter(person=person).select_related("commissioned_by")
        ),
        home_education=list(ElectiveHomeEducation.objects.filter(person=person)),
        missing_education=list(
            MissingEducationCase.objects.filter(person=person)
            .select_related("outcome")
            .prefetch_related("enquiries__made_by")
        ),
        indicators=list(indicators.derived_for(person).values()),
        can_record=policies.can_record(actor, person),
    )
    audit.record(actor, "education.viewed", person, detail={"purpose": purpose[:40]})
    return summary


def exclusion_get_for_change(*, actor: Any, exclusion_id: UUID) -> Exclusion:
    exclusion = Exclusion.objects.filter(pk=exclusion_id).select_related("person", "kind", "school").first()
    if exclusion is None or not policies.can_record(actor, exclusion.person):
        raise Http404
    return exclusion


def missing_case_get_for_change(*, actor: Any, case_id: UUID) -> MissingEducationCase:
    case = MissingEducationCase.objects.filter(pk=case_id).select_related("person").first()
    if case is None or not policies.can_record(actor, case.person):
        raise Http404
    return case


# --- home-page queues -----------------------------------------------------------------------------


def _open_cases(actor: Any) -> QuerySet[MissingEducationCase]:
    if not access.is_staff_member(actor):
        return MissingEducationCase.objects.none()
    # Open cases are few (about a thousand at scale 100), so a manager's very large network can be
    # checked case by case.
    return access.rows_about_people_seen(actor, MissingEducationCase.objects.filter(closed_on__isnull=True))


def missing_cases_open_for(*, actor: Any, limit: int | None = None) -> list[MissingEducationCase]:
    """Open children-missing-education cases about young people the actor sees in full, overdue
    enquiries first (``limit``: only the first ones). One audit event for the list."""
    ordered = (
        _open_cases(actor)
        .select_related("person")
        # Only what the queue shows, not every column of the case and the young person.
        .only("reported_on", "enquiries_due_on", *(f"person__{name}" for name in Person.NAME_FIELDS))
        .order_by("enquiries_due_on", "reported_on", "pk")
    )
    cases = list(ordered if limit is None else ordered[:limit])
    if cases:
        audit.record(
            actor, "education.queue_viewed", detail={"queue": "missing-education", "shown": len(cases)}
        )
    return cases


def missing_cases_open_count(*, actor: Any) -> int:
    return _open_cases(actor).count()


def _recent_exclusions(actor: Any, days: int, today: dt.date | None) -> QuerySet[Exclusion]:
    if not access.is_staff_member(actor):
        return Exclusion.objects.none()
    today = today or timezone.localdate()
    recent = Exclusion.objects.filter(
        starts_on__gte=today - dt.timedelta(days=days), starts_on__lte=today, status__in=Exclusion.STANDING
    )
    return access.rows_about_people_seen(actor, recent, include_temporary=False)


def recent_exclusions_for(
    *, actor: Any, days: int = 28, today: dt.date | None = None, limit: int | None = None
) -> list[Exclusion]:
    """Exclusions that started in the last ``days`` days of young people in the actor's standing
    network (allocations and the teams they manage), newest first (``limit``: only the first ones).
    One audit event for the list."""
    ordered = (
        _recent_exclusions(actor, days, today)
        .select_related("person", "kind", "school")
        # Only what the queue shows, not every column of the exclusion, young person, kind and school.
        .only(
            "starts_on",
            "kind__label",
            "kind__permanent",
            "school__name",
            *(f"person__{name}" for name in Person.NAME_FIELDS),
        )
        .order_by("-starts_on", "-created_at")
    )
    exclusions = list(ordered if limit is None else ordered[:limit])
    if exclusions:
        audit.record(
            actor, "education.queue_viewed", detail={"queue": "new-exclusions", "shown": len(exclusions)}
        )
    return exclusions


def recent_exclusions_count(*, actor: Any, days: int = 28, today: dt.date | None = None) -> int:
    return _recent_exclusions(actor, days, today).count()


def period_get_for_change(*, actor: Any, model: type[Any], record_id: UUID) -> Any:
    period = model.objects.filter(pk=record_id).select_related("person").first()
    if period is None or not policies.can_record(actor, period.person):
        raise Http404
    return period


def unmatched_rows_for(*, actor: Any) -> QuerySet[UnmatchedImportRow]:
    """Imported rows waiting for review, newest import first: for ``education.import`` holders only
    (403 otherwise). Not audited: ``unmatched_rows_page_for`` reads a page of them and audits it."""
    policies.require_import(actor)
    return (
        UnmatchedImportRow.objects.filter(resolved_at__isnull=True)
        .select_related("batch", "batch__imported_by")
        .order_by("-batch__created_at", "batch_id", "line_number")
    )


def unmatched_rows_page_for(*, actor: Any, number: Any, page_size: int) -> Page[UnmatchedImportRow]:
    """One page of the rows waiting for review (a number past the last gives the last), audited
    (``education.unmatched_viewed``: it shows the rows' values). The review page and the API read it here."""
    page = Paginator(unmatched_rows_for(actor=actor), page_size).get_page(number)
    audit.record(
        actor, "education.unmatched_viewed", detail={"page": page.number, "shown": len(page.object_list)}
    )
    return page


def unmatched_row_for(*, actor: Any, row_id: UUID, resolved_too: bool = False) -> UnmatchedImportRow:
    """One imported row kept for review (``education.import`` holders only); waiting, or with
    ``resolved_too`` also one already dealt with (to say what became of it)."""
    policies.require_import(actor)
    rows = UnmatchedImportRow.objects.filter(pk=row_id).select_related("batch", "resolved_by")
    if not resolved_too:
        rows = rows.filter(resolved_at__isnull=True)
    row = rows.first()
    if row is None:
        raise Http404
    return row


def upload_get_for(*, actor: Any, upload_id: UUID) -> EducationUpload:
    """A list uploaded on the import page, for whoever uploaded it only: ``education.import`` holders
    (403 otherwise), and 404 alike for an upload that does not exist and someone else's. Without its
    content (the page never shows the rows); not audited, as it shows counts and the file's name only."""
    policies.require_import(actor)
    upload: EducationUpload = uploads.upload_for(
        EducationUpload.objects.select_related("batch"), actor=actor, upload_id=upload_id
    )
    return upload
