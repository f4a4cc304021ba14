"""Writes to a young person's education record. Each checks the policy, runs in one transaction, writes
its audit event, and refreshes the indicators offered to the joint assessment in that transaction.

Imports (``harbour.education.imports``) call the same services with ``imported=True``: the importer
holds ``education.import`` rather than edit rights over each young person.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from harbour.audit import services as audit
from harbour.core.errors import locked_for_update
from harbour.education import indicators, policies
from harbour.education.inputs import (
    AlternativeProvisionInput,
    AttendanceInput,
    EnquiryInput,
    ExclusionInput,
    HomeEducationInput,
    MissingEducationInput,
    PartTimeTimetableInput,
    PlacementInput,
)
from harbour.education.models import (
    AlternativeProvision,
    AttendanceRecord,
    ElectiveHomeEducation,
    EnquiryTimescale,
    Exclusion,
    ExclusionKind,
    ExclusionReason,
    MissingEducationCase,
    MissingEducationEnquiry,
    MissingEducationOutcome,
    PartTimeTimetable,
    SchoolPlacement,
    Source,
    Term,
)
from harbour.people.models import Person, School

M = TypeVar("M", bound=Model)


def _reference(model: type[M], code: str, field: str, message: str) -> M:
    row = model._default_manager.filter(code=code, active=True).first()
    if row is None:
        raise ValidationError({field: message})
    return row


def _school(school_id: Any, field: str = "school", *, required: bool = True) -> School | None:
    if school_id is None:
        if required:
            raise ValidationError({field: "Choose the school."})
        return None
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise ValidationError({field: "Choose a school from the list."})
    return school


def _not_future(day: dt.date, field: str, what: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: f"{what} must be today or in the past."})


def _period(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date must be the same as or after the start date."})


def _young_person(person: Person) -> None:
    if person.kind != Person.Kind.YOUNG_PERSON:
        raise ValidationError("Education is recorded only for young people.")


def _check(actor: Any, person: Person, *, imported: bool) -> None:
    if imported:
        policies.require_import(actor)
    else:
        policies.require_record(actor, person)
    _young_person(person)


def _done(actor: Any, action: str, obj: Model, person: Person, detail: dict[str, Any]) -> None:
    audit.record(actor, action, obj, person_id=person.pk, detail=detail)
    indicators.refresh_for(actor=actor, person=person)


def placement_record(*, actor: Any, person: Person, data: PlacementInput) -> SchoolPlacement:
    """Record a period on a school's roll, a dual registration or an AP placement."""
    policies.require_record(actor, person)
    _young_person(person)
    school = _school(data.school_id)
    assert school is not None  # required: _school raised otherwise
    if data.kind not in SchoolPlacement.Kind.values:
        raise ValidationError({"kind": "Choose the kind of placement."})
    _period(data.starts_on, data.ends_on)
    with transaction.atomic():
        placement = SchoolPlacement.objects.create(
            person=person,
            school=school,
            kind=data.kind,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            recorded_by=actor,
        )
        _done(actor, "education.placement_recorded", placement, person, {"kind": data.kind})
    return placement


def attendance_record(*, actor: Any, person: Person, data: AttendanceInput) -> AttendanceRecord:
    """Record a term's attendance; recording the same term again corrects it."""
    policies.require_record(actor, person)
    _young_person(person)
    term = _reference(Term, data.term, "term", "Choose the term.")
    school = _school(data.school_id, required=False)
    this_year = timezone.localdate().year
    if not 2000 <= data.academic_year <= this_year:
        raise ValidationError(
            {"academic_year": f"Enter a school year starting between 2000 and {this_year}."}
        )
    if data.sessions_possible <= 0:
        raise ValidationError({"sessions_possible": "Sessions possible must be more than 0."})
    if data.sessions_attended < 0:
        raise ValidationError({"sessions_attended": "Sessions attended must be 0 or more."})
    if data.sessions_attended > data.sessions_possible:
        raise ValidationError(
            {"sessions_attended": "Sessions attended must be the same as or fewer than sessions possible."}
        )
    with transaction.atomic():
        record, created = AttendanceRecord.objects.select_for_update().get_or_create(
            person=person,
            academic_year=data.academic_year,
            term=term,
            defaults={
                "school": school,
                "sessions_possible": data.sessions_possible,
                "sessions_attended": data.sessions_attended,
                "recorded_by": actor,
            },
        )
        if not created:
            record.school = school
            record.sessions_possible = data.sessions_possible
            record.sessions_attended = data.sessions_attended
            record.recorded_by = actor
            record.version += 1
            record.save()
        _done(
            actor,
            "education.attendance_recorded",
            record,
            person,
            {"academic_year": data.academic_year, "term": term.code, "corrected": not created},
        )
    return record


def exclusion_record(
    *, actor: Any, person: Person, data: ExclusionInput, imported: bool = False
) -> tuple[Exclusion, bool]:
    """Record a suspension or permanent exclusion. Returns (exclusion, created): the same exclusion
    (young person, school, kind and start date) recorded again is found, not duplicated."""
    _check(actor, person, imported=imported)
    school = _school(data.school_id)
    assert school is not None
    kind = _reference(ExclusionKind, data.kind, "kind", "Choose suspension or permanent exclusion.")
    reason = _reference(ExclusionReason, data.reason, "reason", "Choose the reason the school gave.")
    if data.status not in Exclusion.Status.values:
        raise ValidationError({"status": "Choose the status of the exclusion."})
    if kind.permanent and data.days is not None:
        raise ValidationError({"days": "Leave the number of days blank for a permanent exclusion."})
    if not kind.permanent:
        if data.days is None:
            raise ValidationError({"days": "Enter how many school days the suspension is for."})
        if not Decimal("0.5") <= data.days <= Decimal("45") or data.days % Decimal("0.5"):
            raise ValidationError(
                {"days": "Enter a number of school days between 0.5 and 45, in half days (like 2.5)."}
            )
    existing = Exclusion.objects.filter(
        person=person, school=school, kind=kind, starts_on=data.starts_on
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            exclusion = Exclusion.objects.create(
                person=person,
                school=school,
                kind=kind,
                starts_on=data.starts_on,
                days=data.days,
                reason=reason,
                status=data.status,
                note=data.note.strip(),
                source=Source.IMPORTED if imported else Source.RECORDED,
                recorded_by=actor,
            )
            _done(
                actor,
                "education.exclusion_recorded",
                exclusion,
                person,
                {"kind": kind.code, "reason": reason.code, "source": exclusion.source},
            )
    except IntegrityError:
        # Recorded at the same moment by someone else (or another import): theirs stands.
        return Exclusion.objects.get(person=person, school=school, kind=kind, starts_on=data.starts_on), False
    return exclusion, True


def exclusion_status_change(*, actor: Any, exclusion: Exclusion, status: str, version: int) -> Exclusion:
    """Record the outcome of a review (upheld, overturned) or a withdrawal."""
    person = exclusion.person
    policies.require_record(actor, person)
    if status not in Exclusion.Status.values:
        raise ValidationError({"status": "Choose the status of the exclusion."})
    with transaction.atomic():
        exclusion = locked_for_update(exclusion, expected_version=version)
        previous = exclusion.status
        exclusion.status = status
        exclusion.save()
        _done(
            actor,
            "education.exclusion_status_changed",
            exclusion,
            person,
            {"from": previous, "to": status},
        )
    return exclusion


def part_time_timetable_record(
    *, actor: Any, person: Person, data: PartTimeTimetableInput
) -> PartTimeTimetable:
    policies.require_record(actor, person)
    _young_person(person)
    _period(data.starts_on, data.ends_on)
    if not Decimal("0") < data.hours_per_week < Decimal("32.5"):
        raise ValidationError(
            {"hours_per_week": "Enter the hours a week in school: more than 0, less than a full week (32.5)."}
        )
    if not data.reason.strip():
        raise ValidationError({"reason": "Say why the young person is on a part-time timetable."})
    if data.review_on < data.starts_on:
        raise ValidationError({"review_on": "The review date must be the same as or after the start date."})
    with transaction.atomic():
        timetable = PartTimeTimetable.objects.create(
            person=person,
            school=_school(data.school_id, required=False),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            hours_per_week=data.hours_per_week,
            reason=data.reason.strip(),
            review_on=data.review_on,
            recorded_by=actor,
        )
        _done(actor, "education.part_time_recorded", timetable, person, {})
    return timetable


def alternative_provision_record(
    *, actor: Any, person: Person, data: AlternativeProvisionInput
) -> AlternativeProvision:
    policies.require_record(actor, person)
    _young_person(person)
    _period(data.starts_on, data.ends_on)
    if not data.provider.strip():
        raise ValidationError({"provider": "Enter the name of the provider."})
    if data.hours_per_week is not None and not Decimal("0") < data.hours_per_week <= Decimal("40"):
        raise ValidationError({"hours_per_week": "Enter the hours a week, more than 0 and at most 40."})
    with transaction.atomic():
        provision = AlternativeProvision.objects.create(
            person=person,
            provider=data.provider.strip(),
            commissioned_by=_school(data.commissioned_by_id, "commissioned_by", required=False),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            hours_per_week=data.hours_per_week,
            reason=data.reason.strip(),
            recorded_by=actor,
        )
        _done(actor, "education.alternative_provision_recorded", provision, person, {})
    return provision


def home_education_record(*, actor: Any, person: Person, data: HomeEducationInput) -> ElectiveHomeEducation:
    policies.require_record(actor, person)
    _young_person(person)
    _period(data.starts_on, data.ends_on)
    with transaction.atomic():
        period = ElectiveHomeEducation.objects.create(
            person=person, starts_on=data.starts_on, ends_on=data.ends_on, recorded_by=actor
        )
        _done(actor, "education.home_education_recorded", period, person, {})
    return period


PERIOD_MODELS: dict[str, type[Model]] = {
    "placement": SchoolPlacement,
    "part-time-timetable": PartTimeTimetable,
    "alternative-provision": AlternativeProvision,
    "home-education": ElectiveHomeEducation,
}


def period_end(*, actor: Any, record: Any, ends_on: dt.date, version: int) -> Any:
    """End a placement, part-time timetable, alternative provision or home education on a date."""
    person = record.person
    policies.require_record(actor, person)
    if type(record) not in PERIOD_MODELS.values():
        raise ValueError(f"{type(record).__name__} is not a period.")
    _period(record.starts_on, ends_on)
    with transaction.atomic():
        record = locked_for_update(record, expected_version=version)
        record.ends_on = ends_on
        record.save()
        _done(
            actor,
            "education.period_ended",
            record,
            person,
            {"what": type(record)._meta.model_name, "ends_on": ends_on.isoformat()},
        )
    return record


def _enquiry_interval(code: str, field: str) -> dt.timedelta:
    """The days until the next enquiry is due, from reference data (docs/education.md). An administrator
    may retire the default: then whoever records the case must give the date."""
    timescale = EnquiryTimescale.objects.filter(code=code, active=True).first()
    if timescale is None:
        raise ValidationError(
            {field: "There is no default timescale for this enquiry: enter the date it is due."}
        )
    return dt.timedelta(days=timescale.days)


def missing_education_report(
    *, actor: Any, person: Person, data: MissingEducationInput, imported: bool = False
) -> tuple[MissingEducationCase, bool]:
    """Report a child missing education. Returns (case, created): a report for the same day is found,
    not duplicated."""
    _check(actor, person, imported=imported)
    _not_future(data.reported_on, "reported_on", "The date it was reported")
    if not data.reported_by.strip():
        raise ValidationError({"reported_by": "Enter who reported the young person as missing education."})
    due = data.enquiries_due_on or data.reported_on + _enquiry_interval(
        EnquiryTimescale.FIRST, "enquiries_due_on"
    )
    if due < data.reported_on:
        raise ValidationError({"enquiries_due_on": "The first enquiry must be due on or after the report."})
    existing = MissingEducationCase.objects.filter(person=person, reported_on=data.reported_on).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            case = MissingEducationCase.objects.create(
                person=person,
                reported_on=data.reported_on,
                reported_by=data.reported_by.strip(),
                enquiries_due_on=due,
                note=data.note.strip(),
                source=Source.IMPORTED if imported else Source.RECORDED,
                recorded_by=actor,
            )
            _done(actor, "education.missing_reported", case, person, {"source": case.source})
    except IntegrityError:
        return MissingEducationCase.objects.get(person=person, reported_on=data.reported_on), False
    return case, True


def missing_education_enquiry_add(
    *, actor: Any, case: MissingEducationCase, data: EnquiryInput, version: int
) -> MissingEducationEnquiry:
    """Record an enquiry made to find the child, and when the next one is due."""
    person = case.person
    policies.require_record(actor, person)
    if not case.is_open:
        raise ValidationError("This case is closed: report the young person as missing education again.")
    _not_future(data.made_on, "made_on", "The date of the enquiry")
    if data.made_on < case.reported_on:
        raise ValidationError({"made_on": "The enquiry cannot be before the young person was reported."})
    if not data.made_with.strip():
        raise ValidationError({"made_with": "Enter who was asked or what was checked."})
    if not data.result.strip():
        raise ValidationError({"result": "Enter what the enquiry found."})
    next_due = data.next_due_on or data.made_on + _enquiry_interval(EnquiryTimescale.NEXT, "next_due_on")
    if next_due < data.made_on:
        raise ValidationError({"next_due_on": "The next enquiry must be due on or after this one."})
    with transaction.atomic():
        case = locked_for_update(case, expected_version=version)
        case.enquiries_due_on = next_due
        case.save()
        enquiry = MissingEducationEnquiry.objects.create(
            case=case,
            made_on=data.made_on,
            made_with=data.made_with.strip(),
            result=data.result.strip(),
            made_by=actor,
        )
        _done(actor, "education.missing_enquiry_added", case, person, {"enquiry": str(enquiry.pk)})
    return enquiry


def missing_education_close(
    *, actor: Any, case: MissingEducationCase, outcome: str, closed_on: dt.date, version: int
) -> MissingEducationCase:
    """Close a case with its outcome."""
    person = case.person
    policies.require_record(actor, person)
    if not case.is_open:
        raise ValidationError("This case is already closed.")
    chosen = _reference(MissingEducationOutcome, outcome, "outcome", "Choose the outcome.")
    _not_future(closed_on, "closed_on", "The date the case closed")
    if closed_on < case.reported_on:
        raise ValidationError({"closed_on": "The case cannot close before the young person was reported."})
    with transaction.atomic():
        case = locked_for_update(case, expected_version=version)
        case.outcome = chosen
        case.closed_on = closed_on
        case.save()
        _done(actor, "education.missing_closed", case, person, {"outcome": chosen.code})
    return case
