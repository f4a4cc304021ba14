"""The caseload page behind the home page's "Your young people" queue."""

from django.urls import reverse

from harbour.audit.models import AuditEvent
from tests import factories


def test_home_links_to_the_whole_caseload_when_some_are_hidden(world):
    practitioner = world.users["practitioner"]
    extra = [factories.PersonFactory(first_name=f"Child{n:02d}", last_name="Caseload") for n in range(24)]
    for person in extra:
        factories.allocate(person, worker=practitioner)
    client = world.client_for("practitioner")

    home = client.get(reverse("ui:home")).content.decode()
    assert "See all 25" in home

    first = client.get(reverse("people:caseload"))
    assert first.status_code == 200
    second = client.get(reverse("people:caseload"), {"page": 2}).content.decode()
    names = first.content.decode() + second
    assert all(person.full_name in names for person in [world.inside, *extra])
    assert world.outside.full_name not in names
    assert AuditEvent.objects.filter(action="person.caseload_viewed", actor_id=practitioner.pk).count() == 2


def test_break_glass_records_are_not_in_the_caseload(world):
    from harbour.access.services import break_glass_open

    practitioner = world.users["practitioner"]
    break_glass_open(actor=practitioner, person=world.outside, reason="Missing overnight, police asking")
    page = world.client_for("practitioner").get(reverse("people:caseload")).content.decode()
    assert world.inside.full_name in page
    assert world.outside.full_name not in page


def test_roles_without_casework_have_no_caseload(world):
    for role in ("analyst", "data-protection-officer", "front-door-officer"):
        assert world.client_for(role).get(reverse("people:caseload")).status_code == 403, role
