"""Recording and changing a person: clear errors (422); a stale edit refused, nothing lost (409)."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.people.forms import PersonEditForm
from harbour.people.models import Person, PersonAlias


def _create_data(**overrides):
    data = {"kind": "young_person", "first_name": "Leon", "last_name": "Ashby"}
    data.update(overrides)
    return data


def test_record_a_new_person(world):
    client = world.client_for("practitioner")
    assert client.get(reverse("people:create")).status_code == 200
    response = client.post(
        reverse("people:create"),
        _create_data(
            date_of_birth_day="5",
            date_of_birth_month="6",
            date_of_birth_year="2010",
            line1="1 Prince of Wales Road",
            postcode="nr1 1bb",
            nicknames="Lee, Ash",
        ),
    )
    assert response.status_code == 302
    person = Person.objects.get(first_name="Leon", last_name="Ashby")
    assert response["Location"] == reverse("people:detail", args=[person.pk])
    assert person.date_of_birth == dt.date(2010, 6, 5)
    assert sorted(PersonAlias.objects.filter(person=person).values_list("name", flat=True)) == ["Ash", "Lee"]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "NR1 1BB" in html  # the recorder sees the new record in full
    assert "The record has been created." in html
    assert "Leon" not in page.cookies.get("messages", "").__str__()


def test_impossible_date_of_birth_is_refused(world):
    response = world.client_for("practitioner").post(
        reverse("people:create"),
        _create_data(date_of_birth_day="30", date_of_birth_month="2", date_of_birth_year="2010"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Date of birth must be a real date" in html
    assert 'href="#id_date_of_birth_day"' in html
    assert not Person.objects.filter(first_name="Leon").exists()


def test_future_date_of_birth_is_refused(world):
    future = timezone.localdate() + dt.timedelta(days=30)
    response = world.client_for("practitioner").post(
        reverse("people:create"),
        _create_data(
            date_of_birth_day=str(future.day),
            date_of_birth_month=str(future.month),
            date_of_birth_year=str(future.year),
        ),
    )
    assert response.status_code == 422
    assert "Date of birth must be today or in the past" in response.content.decode()


def test_over_long_names_and_bad_identifiers_are_refused_together(world):
    response = world.client_for("practitioner").post(
        reverse("people:create"),
        _create_data(
            first_name="A" * 101, last_name="B" * 101, nhs_number="1234567890", postcode="NOTAPOSTCODE"
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "First name must be 100 characters or fewer" in html
    assert "Last name must be 100 characters or fewer" in html
    assert not Person.objects.filter(last_name__startswith="BBB").exists()


def test_service_validation_errors_show_on_their_fields(world):
    response = world.client_for("practitioner").post(
        reverse("people:create"), _create_data(nhs_number="1234567890", upn="X1")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This is not a valid NHS number" in html
    assert 'href="#id_nhs_number"' in html
    assert "Unique pupil number must be a letter" in html


def test_people_without_create_cannot_record(world):
    client = world.client_for("data-protection-officer")
    assert client.get(reverse("people:create")).status_code == 403
    assert client.post(reverse("people:create"), _create_data()).status_code == 403


def _edit_form_data(client, person):
    """What the edit form posts, read from the page the user opened."""
    page = client.get(reverse("people:edit", args=[person.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "date_of_birth":
            if value:
                data.update(
                    date_of_birth_day=str(value.day),
                    date_of_birth_month=str(value.month),
                    date_of_birth_year=str(value.year),
                )
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif hasattr(value, "pk"):
            data[name] = str(value.pk)
        else:
            data[name] = str(value)
    return data


def test_edit_saves_changes(world):
    client = world.client_for("practitioner")
    data = _edit_form_data(client, world.inside)
    data["preferred_name"] = "JJ"
    response = client.post(reverse("people:edit", args=[world.inside.pk]), data)
    assert response.status_code == 302
    world.inside.refresh_from_db()
    assert world.inside.preferred_name == "JJ"
    assert world.inside.version == 2
    change = AuditEvent.objects.get(action="person.changed", person_id=world.inside.pk)
    assert list(change.detail["changes"]) == ["preferred_name"]


def test_stale_edit_is_refused_clearly_and_nothing_is_lost(world):
    practitioner = world.client_for("practitioner")
    manager = world.client_for("team-manager")
    url = reverse("people:edit", args=[world.inside.pk])
    mine = _edit_form_data(practitioner, world.inside)
    theirs = _edit_form_data(manager, world.inside)

    theirs["last_name"] = "Bishop-Clarke"
    assert manager.post(url, theirs).status_code == 302

    mine["preferred_name"] = "JJ"
    mine["phone"] = "07700 900456"
    refused = practitioner.post(url, mine)
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Someone else saved this record after you opened it" in html
    assert "govuk-error-summary" in html
    assert "Last name: changed by someone else" in html
    assert "Bishop-Clarke" in html  # their saved value, shown
    assert 'value="JJ"' in html  # what I typed is still in the form
    assert 'value="07700 900456"' in html
    world.inside.refresh_from_db()
    assert world.inside.preferred_name == ""  # nothing of mine was saved
    assert world.inside.last_name == "Bishop-Clarke"

    # The form now carries the new version: saving again, deliberately, works and keeps their change.
    form = refused.context["form"]
    assert form["version"].value() == str(world.inside.version)
    again = dict(mine)
    again["version"] = form["version"].value()
    again["opened"] = form["opened"].value()
    again["last_name"] = form["last_name"].value()
    assert again["last_name"] == "Bishop-Clarke"
    assert practitioner.post(url, again).status_code == 302
    world.inside.refresh_from_db()
    assert (world.inside.preferred_name, world.inside.phone, world.inside.last_name) == (
        "JJ",
        "07700 900456",
        "Bishop-Clarke",
    )


def test_conflict_on_the_same_field_shows_both_values(world):
    practitioner = world.client_for("practitioner")
    manager = world.client_for("team-manager")
    url = reverse("people:edit", args=[world.inside.pk])
    mine = _edit_form_data(practitioner, world.inside)
    theirs = _edit_form_data(manager, world.inside)
    theirs["first_name"] = "Jayde"
    manager.post(url, theirs)
    mine["first_name"] = "Jada"
    refused = practitioner.post(url, mine)
    assert refused.status_code == 409
    html = refused.content.decode()
    row = re.search(r"<th scope=\"row\"[^>]*>First name</th>(.*?)</tr>", html, re.S)
    assert row is not None
    assert "Jayde" in row.group(1)
    assert "Jada" in row.group(1)
    assert "Your entry replaces the saved value" in row.group(1)
    assert refused.context["form"]["first_name"].value() == "Jada"


def test_edit_validation_errors_are_422(world):
    client = world.client_for("practitioner")
    data = _edit_form_data(client, world.inside)
    data.update(first_name="", date_of_birth_day="31", date_of_birth_month="4")
    response = client.post(reverse("people:edit", args=[world.inside.pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter the first name" in html
    assert "Date of birth must be a real date" in html


def test_tampered_snapshot_still_saves_safely(world):
    # Without a trustworthy snapshot every field is sent, so every field is checked again.
    Person.objects.filter(pk=world.inside.pk).update(nhs_number="9434765919")
    client = world.client_for("practitioner")
    data = _edit_form_data(client, world.inside)
    data["opened"] = "not-signed"
    data["upn"] = "A123456789012"
    assert client.post(reverse("people:edit", args=[world.inside.pk]), data).status_code == 302
    world.inside.refresh_from_db()
    assert world.inside.upn == "A123456789012"


def test_edit_form_snapshot_is_signed():
    assert PersonEditForm.sign({"first_name": "x"}) != '{"first_name": "x"}'


def test_add_address_and_nickname(world):
    client = world.client_for("practitioner")
    assert client.get(reverse("people:address_add", args=[world.inside.pk])).status_code == 200
    response = client.post(
        reverse("people:address_add", args=[world.inside.pk]),
        {
            "line1": "4 Ber Street",
            "postcode": "NR1 3EU",
            "moved_on_day": "1",
            "moved_on_month": "3",
            "moved_on_year": "2025",
        },
    )
    assert response.status_code == 302
    bad = client.post(reverse("people:address_add", args=[world.inside.pk]), {"line1": "", "postcode": "X"})
    assert bad.status_code == 422
    response = client.post(
        reverse("people:alias_add", args=[world.inside.pk]), {"name": "JB", "kind": "nickname"}
    )
    assert response.status_code == 302
    html = client.get(reverse("people:detail", args=[world.inside.pk])).content.decode()
    assert "4 Ber Street" in html
    assert "Previous addresses" in html
    assert "12 Magdalen Street" in html
    assert "JB" in html
    assert AuditEvent.objects.filter(action="person.address_added", person_id=world.inside.pk).count() == 1
    assert AuditEvent.objects.filter(action="person.alias_added", person_id=world.inside.pk).count() == 1
