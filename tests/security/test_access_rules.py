"""Access rules beyond the matrix: sensitivity labels, searches without names, linked parents and carers."""

from harbour.access import policies
from harbour.access.models import SensitivityLabel
from harbour.accounts.models import AgencyType
from tests import factories


def test_health_restricted_items_are_seen_by_health_staff_only(world):
    label = SensitivityLabel.objects.get(code="health-restricted")
    health = factories.AgencyFactory(
        name="Norfolk Community Health", agency_type=AgencyType.objects.get(code="health")
    )
    nurse = factories.make_user(
        "school_nurse", role="practitioner", team=factories.TeamFactory(agency=health)
    )
    assert policies.can_see_label(nurse, label)
    assert not policies.can_see_label(world.users["practitioner"], label)
    assert not policies.can_see_label(world.users["team-manager"], label)


def test_unlabelled_items_follow_the_record(world):
    assert policies.can_see_label(world.users["practitioner"], None)


def test_a_retired_label_no_longer_restricts(world):
    label = SensitivityLabel.objects.get(code="health-restricted")
    label.active = False
    label.save()
    assert policies.can_see_label(world.users["practitioner"], label)


def test_identifier_only_search_does_not_reveal_outsiders(world):
    from harbour.people.selectors import person_search_for

    world.outside.nhs_number = "4010232137"
    world.outside.save()
    practitioner = world.users["practitioner"]
    assert list(person_search_for(actor=practitioner, text="401 023 2137")) == []
    assert list(
        person_search_for(actor=practitioner, text="", date_of_birth=world.outside.date_of_birth)
    ) == [world.inside]
    assert list(person_search_for(actor=world.breckland_worker, text="401 023 2137")) == [world.outside]
    assert list(person_search_for(actor=practitioner, text="tyler murray")) == [world.outside]


def test_a_date_of_birth_does_not_narrow_name_only_results(world):
    from harbour.people.selectors import person_search_for

    practitioner = world.users["practitioner"]
    wrong_date = world.outside.date_of_birth.replace(year=2009)
    # The outsider still shows (name-only) whatever date is typed, so the search confirms nothing.
    assert list(person_search_for(actor=practitioner, text="murray", date_of_birth=wrong_date)) == [
        world.outside
    ]
    assert list(person_search_for(actor=practitioner, text="jade", date_of_birth=wrong_date)) == []


def test_parents_and_carers_open_with_their_young_person(world):
    from harbour.access import policies
    from harbour.people.models import Person, Relationship, RelationshipType
    from tests import factories

    mother = factories.PersonFactory(first_name="Donna", last_name="Bishop", kind=Person.Kind.PARENT_CARER)
    Relationship.objects.create(
        person=world.inside, other=mother, relationship_type=RelationshipType.objects.get(code="mother")
    )
    practitioner = world.users["practitioner"]
    assert policies.can(practitioner, "person.see_full", mother)
    assert not policies.can(world.breckland_worker, "person.see_full", mother)
    assert any("Jade Bishop's mother" in reason.text for reason in policies.explain(practitioner, mother))
    visible = policies.filter_queryset(practitioner, "person.see_full", Person.objects.all())
    assert set(visible) == {world.inside, mother}


def test_linking_a_stranger_as_a_parent_does_not_open_their_record(world):
    import pytest
    from django.core.exceptions import ValidationError

    from harbour.access import policies
    from harbour.people.models import Person, RelationshipType
    from harbour.people.services import relationship_add
    from tests import factories

    stranger = factories.PersonFactory(first_name="Wayne", last_name="Stone", kind=Person.Kind.OTHER)
    practitioner = world.users["practitioner"]
    with pytest.raises(ValidationError, match="see in full"):
        relationship_add(
            actor=practitioner,
            person=world.inside,
            other=stranger,
            relationship_type=RelationshipType.objects.get(code="father"),
        )
    assert not policies.can(practitioner, "person.see_full", stranger)


def test_manager_reviewing_break_glass_sees_only_that_use_in_the_audit_trail(world):
    from django.urls import reverse

    from harbour.access.services import break_glass_open
    from harbour.people import selectors

    practitioner, manager = world.users["practitioner"], world.users["team-manager"]
    selectors.person_get_for(actor=world.breckland_worker, person_id=world.outside.pk)  # not for the manager
    use = break_glass_open(
        actor=practitioner, person=world.outside, reason="Missing overnight, police asking"
    )
    assert use.flagged_to == manager
    selectors.person_get_for(actor=practitioner, person_id=world.outside.pk)

    page = world.client_for(manager).get(reverse("audit:person", kwargs={"person_id": world.outside.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    assert "breckland_worker" not in body
    assert body.count("practitioner") >= 2  # the break-glass and the view that followed
    # Another manager, not flagged, still gets nothing.
    other = world.client_for(world.users["front-door-officer"])
    assert other.get(reverse("audit:person", kwargs={"person_id": world.outside.pk})).status_code in (
        403,
        404,
    )
