"""The education pages and API, as a user would use them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.education import services
from harbour.education.inputs import MissingEducationInput
from harbour.education.models import AttendanceRecord, Exclusion, MissingEducationCase
from harbour.ui.queues import registered
from tests.api.conftest import bearer_headers
from tests.education.helpers import attend, exclude, school

pytestmark = pytest.mark.django_db


def _date_fields(prefix: str, day: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def test_recording_an_exclusion_through_the_form(world):
    client = world.client_for("practitioner")
    url = reverse("education:record", args=[world.inside.pk]) + "?what=exclusion"
    assert client.get(url).status_code == 200
    day = timezone.localdate() - dt.timedelta(days=1)
    posted = {
        "school": str(school().pk),
        "kind": "suspension",
        **_date_fields("starts_on", day),
        "days": "2.5",
        "reason": "verbal-abuse-adult",
        "note": "",
    }
    response = client.post(url, posted)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/education/people/{world.inside.pk}/#exclusions")
    exclusion = Exclusion.objects.get(person=world.inside)
    assert exclusion.days == Decimal("2.5")
    assert exclusion.recorded_by == world.users["practitioner"]
    page = client.get(reverse("education:person", args=[world.inside.pk])).content.decode()
    assert "Verbal abuse or threatening behaviour against an adult" in page
    # The same exclusion again is not duplicated, and the user is told.
    again = client.post(url, posted, follow=True)
    assert "This was already recorded, so nothing new was added." in again.content.decode()
    assert Exclusion.objects.filter(person=world.inside).count() == 1
    assert "Suspension from Magdalen Academy" in page  # offered to the joint assessment


def test_form_errors_are_shown_with_an_error_summary(world):
    client = world.client_for("practitioner")
    url = reverse("education:record", args=[world.inside.pk]) + "?what=exclusion"
    response = client.post(
        url,
        {
            "school": str(school().pk),
            "kind": "suspension",
            **_date_fields("starts_on", timezone.localdate()),
            "reason": "theft",
        },
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "govuk-error-summary" in text
    assert "Enter how many school days the suspension is for." in text
    assert not Exclusion.objects.exists()


def test_attendance_form_refuses_more_attended_than_possible(world):
    client = world.client_for("practitioner")
    url = reverse("education:record", args=[world.inside.pk]) + "?what=attendance"
    response = client.post(
        url,
        {"academic_year": "2025", "term": "autumn", "sessions_possible": "100", "sessions_attended": "120"},
    )
    assert response.status_code == 422
    assert (
        "Sessions attended must be the same as or fewer than sessions possible." in response.content.decode()
    )
    assert not AttendanceRecord.objects.exists()


def test_unknown_kind_of_record_is_404(world):
    client = world.client_for("practitioner")
    url = reverse("education:record", args=[world.inside.pk])
    assert client.get(f"{url}?what=detention").status_code == 404
    # Without a kind, the page lists what can be added.
    listing = client.get(url).content.decode()
    assert f"{url}?what=missing-education" in listing


def test_page_shows_attendance_and_is_audited_once(world):
    attend(world.users["practitioner"], world.inside, possible=120, attended=100)
    client = world.client_for("practitioner")
    before = AuditEvent.objects.filter(action="education.viewed", person_id=world.inside.pk).count()
    page = client.get(reverse("education:person", args=[world.inside.pk])).content.decode()
    assert "83.3%" in page
    assert "Under 90%" in page
    assert 'aria-current="page">Education<' in page
    after = AuditEvent.objects.filter(action="education.viewed", person_id=world.inside.pk).count()
    assert after == before + 1


def test_enquiry_and_closing_a_missing_education_case(world):
    actor = world.users["practitioner"]
    today = timezone.localdate()
    case, _ = services.missing_education_report(
        actor=actor,
        person=world.inside,
        data=MissingEducationInput(reported_on=today, reported_by="Magdalen Academy"),
    )
    assert case.enquiries_due_on == today + dt.timedelta(days=5)  # the shipped first-enquiry timescale
    client = world.client_for("practitioner")
    response = client.post(
        reverse("education:enquiry_add", args=[case.pk]),
        {
            "version": case.version,
            **_date_fields("made_on", today),
            "made_with": "Home visit",
            "result": "No answer",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.enquiries_due_on == today + dt.timedelta(days=10)  # the shipped next-enquiry timescale
    # A stale form (the old version) is refused and says why.
    stale = client.post(
        reverse("education:missing_close", args=[case.pk]),
        {"version": case.version - 1, "outcome": "found-on-roll-in-area", **_date_fields("closed_on", today)},
    )
    assert stale.status_code == 409
    response = client.post(
        reverse("education:missing_close", args=[case.pk]),
        {"version": case.version, "outcome": "found-on-roll-in-area", **_date_fields("closed_on", today)},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.closed_on == today
    assert case.outcome.code == "found-on-roll-in-area"


def test_home_page_queues(world):
    actor = world.users["practitioner"]
    today = timezone.localdate()
    exclude(actor, world.inside, starts_on=today - dt.timedelta(days=3))
    exclude(world.breckland_worker, world.outside, starts_on=today - dt.timedelta(days=3))
    services.missing_education_report(
        actor=actor,
        person=world.inside,
        data=MissingEducationInput(
            reported_on=today - dt.timedelta(days=20),
            reported_by="School",
            enquiries_due_on=today - dt.timedelta(days=1),
        ),
    )
    queues = {queue.code: queue for queue in registered()}
    exclusions = queues["education-exclusions"].items(actor)
    assert [item.title for item in exclusions] == ["Jade Bishop"]  # not the young person outside the network
    missing = queues["education-missing"].items(actor)
    assert [(item.title, item.tag) for item in missing] == [("Jade Bishop", "Overdue")]
    # The manager of the practitioner's team sees them too; the Breckland worker sees only their own.
    assert [item.title for item in queues["education-exclusions"].items(world.users["team-manager"])] == [
        "Jade Bishop"
    ]
    assert [item.title for item in queues["education-exclusions"].items(world.breckland_worker)] == [
        "Tyler Murray"
    ]
    assert queues["education-missing"].items(world.breckland_worker) == []


def test_api_summary(world):
    actor = world.users["practitioner"]
    attend(actor, world.inside, possible=100, attended=85)
    exclude(actor, world.inside, starts_on=timezone.localdate(), kind="suspension", days=Decimal("1.5"))
    response = world.client_for("practitioner").get("/api/v1/education/", {"person_id": str(world.inside.pk)})
    assert response.status_code == 200
    body = response.json()
    assert body["attendance"][0]["percentage"] == "85.0"
    assert body["attendance"][0]["below_90"] is True
    assert body["exclusions"][0]["reason_dfe_code"] == "PD"
    assert {i["code"] for i in body["indicators"]} == {
        "education-attendance-below-90",
        "education-suspension-12m",
    }
    assert AuditEvent.objects.filter(action="education.viewed", detail__purpose="api").count() == 1


def test_api_refuses_a_young_person_outside_the_network_as_not_found(world):
    headers = bearer_headers(world.users["practitioner"])
    response = world.client_for("practitioner").get(
        "/api/v1/education/", {"person_id": str(world.outside.pk)}, **headers
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not MissingEducationCase.objects.exists()


def test_home_page_shows_the_education_queues(world):
    actor = world.users["practitioner"]
    exclude(actor, world.inside, starts_on=timezone.localdate(), kind="suspension", days=Decimal("1"))
    page = world.client_for("practitioner").get(reverse("ui:home")).content.decode()
    assert "New exclusions in your network" in page
    assert "Children missing education: open enquiries" in page
    assert f"/education/people/{world.inside.pk}/#exclusions" in page


def test_enquiry_timescales_are_reference_data_an_administrator_changes(world):
    from django.core.exceptions import ValidationError

    from harbour.education.models import EnquiryTimescale

    actor = world.users["practitioner"]
    today = timezone.localdate()
    EnquiryTimescale.objects.filter(code=EnquiryTimescale.FIRST).update(days=3)
    case, _ = services.missing_education_report(
        actor=actor,
        person=world.inside,
        data=MissingEducationInput(reported_on=today, reported_by="Magdalen Academy"),
    )
    assert case.enquiries_due_on == today + dt.timedelta(days=3)
    # A retired default means whoever records the case gives the date, and is told so.
    EnquiryTimescale.objects.filter(code=EnquiryTimescale.FIRST).update(active=False)
    yesterday = today - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.missing_education_report(
            actor=actor,
            person=world.inside,
            data=MissingEducationInput(reported_on=yesterday, reported_by="Magdalen Academy"),
        )
    assert "enquiries_due_on" in refused.value.message_dict
    case, created = services.missing_education_report(
        actor=actor,
        person=world.inside,
        data=MissingEducationInput(
            reported_on=yesterday,
            reported_by="Magdalen Academy",
            enquiries_due_on=today + dt.timedelta(days=2),
        ),
    )
    assert created
    assert case.enquiries_due_on == today + dt.timedelta(days=2)
