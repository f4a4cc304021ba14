"""The person's record as practitioners see it: in full inside their network, name-only outside it."""

from __future__ import annotations

from django.urls import reverse

from harbour.audit.models import AuditEvent
from harbour.people.models import PersonAlias, Relationship, RelationshipType
from tests import factories


def test_practitioner_sees_their_young_person_in_full(world):
    client = world.client_for("practitioner")
    page = client.get(reverse("people:detail", args=[world.inside.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Jade Bishop" in html
    assert "2 April 2011" in html
    assert "NR3 1JE" in html
    assert "943 476 5919" in html
    assert "Why can I see this?" in html
    assert "You are the lead professional (Norfolk Children&#x27;s Services)" in html
    for tab in ("Summary", "Network", "Chronology"):
        assert f">{tab}</a>" in html
    events = AuditEvent.objects.filter(action="person.viewed", person_id=world.inside.pk)
    assert events.count() == 1
    assert events.get().detail["level"] == "full"


def test_practitioner_outside_the_network_sees_the_name_only(world):
    client = world.client_for("practitioner")
    page = client.get(reverse("people:detail", args=[world.outside.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tyler Murray" in html
    # No date of birth, address, identifiers or age.
    for secret in ("2 April 2011", "2011", "IP24", "Earls Street", "Age "):
        assert secret not in html, secret
    assert "Known to" in html
    assert "Breckland Youth Service" in html
    assert "Ask for access" in html
    assert "Use break-glass access" in html
    assert reverse("people:break_glass", args=[world.outside.pk]) in html
    assert "You are not in this young person&#x27;s professional network" in html
    assert "Why can I see this?" in html
    event = AuditEvent.objects.get(action="person.viewed", person_id=world.outside.pk)
    assert event.detail["level"] == "name_only"


def test_name_only_page_shows_agency_contacts(world):
    agency = world.breckland_team.agency
    agency.contact_phone = "01362 000 111"
    agency.contact_email = "youth@breckland.example.org"
    agency.save()
    html = world.client_for("practitioner").get(reverse("people:detail", args=[world.outside.pk])).content
    assert b"01362 000 111" in html
    assert b"youth@breckland.example.org" in html


def test_people_without_break_glass_are_not_offered_it(world):
    page = world.client_for("data-protection-officer").get(reverse("people:detail", args=[world.outside.pk]))
    assert page.status_code == 200
    assert b"Use break-glass access" not in page.content


def test_network_and_chronology_are_404_for_name_only_viewers(world):
    client = world.client_for("practitioner")
    for name in (
        "people:network",
        "people:chronology",
        "people:edit",
        "people:address_add",
        "people:alias_add",
    ):
        assert client.get(reverse(name, args=[world.outside.pk])).status_code == 404, name


def test_missing_person_is_404(world):
    import uuid

    client = world.client_for("practitioner")
    assert client.get(reverse("people:detail", args=[uuid.uuid4()])).status_code == 404


def test_network_tab_lists_the_professional_network(world):
    page = world.client_for("practitioner").get(reverse("people:network", args=[world.inside.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lead professional" in html
    assert "Norfolk Children&#x27;s Services" in html
    assert str(world.users["practitioner"]) in html
    assert "1 January 2024" in html
    assert "Why can I see this?" in html
    assert (
        AuditEvent.objects.get(action="person.viewed", person_id=world.inside.pk).detail["purpose"]
        == "network"
    )


def test_summary_shows_parents_including_absent_ones_and_other_relationships(world):
    mother = factories.PersonFactory(
        first_name="Lisa", last_name="Bishop", kind="parent_carer", phone="07700 900123"
    )
    father = factories.PersonFactory(first_name="Mark", last_name="Dean", kind="parent_carer")
    friend = factories.PersonFactory(first_name="Kayden", last_name="Okafor")
    Relationship.objects.create(
        person=world.inside,
        other=mother,
        relationship_type=RelationshipType.objects.get(code="mother"),
        parental_responsibility=True,
        lives_with=True,
        safeguarding_partner=True,
        involvement="Works with us.",
    )
    Relationship.objects.create(
        person=world.inside,
        other=father,
        relationship_type=RelationshipType.objects.get(code="father"),
        parental_responsibility=True,
        lives_with=False,
    )
    other_type = RelationshipType.objects.filter(is_parent_or_carer=False).first()
    Relationship.objects.create(person=world.inside, other=friend, relationship_type=other_type)
    PersonAlias.objects.create(person=world.inside, name="Jaydee")
    html = (
        world.client_for("practitioner")
        .get(reverse("people:detail", args=[world.inside.pk]))
        .content.decode()
    )
    assert "Lisa Bishop" in html
    assert "07700 900123" in html
    assert "Works with us." in html
    assert "Mark Dean" in html
    assert "No (does not live with them)" in html
    assert "Kayden Okafor" in html
    assert other_type.label in html
    assert "Jaydee" in html


def test_chronology_shows_changes_but_not_views(world):
    client = world.client_for("practitioner")
    client.get(reverse("people:detail", args=[world.inside.pk]))
    response = client.post(
        reverse("people:address_add", args=[world.inside.pk]),
        {"line1": "4 Ber Street", "postcode": "NR1 3EU"},
    )
    assert response.status_code == 302
    page = client.get(reverse("people:chronology", args=[world.inside.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Added an address (moved)" in html
    assert "Viewed the record" not in html
    assert "Referrals, assessments and episodes will appear here as they are recorded" in html


def test_audit_link_only_for_those_who_may_see_the_record_audit(world):
    url = reverse("people:detail", args=[world.inside.pk])
    audit_url = reverse("audit:person", args=[world.inside.pk])
    assert audit_url not in world.client_for("practitioner").get(url).content.decode()
    assert audit_url in world.client_for("team-manager").get(url).content.decode()
