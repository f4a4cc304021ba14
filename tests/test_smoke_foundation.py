from harbour.access import policies
from harbour.people.models import Person


def test_policy_filter_and_can_agree(world):
    people = list(Person.objects.all())
    actors = [*world.users.values(), world.breckland_worker]
    for actor in actors:
        visible = set(
            policies.filter_queryset(actor, "person.see_full", Person.objects.all()).values_list(
                "pk", flat=True
            )
        )
        for person in people:
            assert (person.pk in visible) == policies.can(actor, "person.see_full", person), (actor, person)


def test_practitioner_sees_own_case_in_full(world):
    assert policies.can(world.users["practitioner"], "person.see_full", world.inside)
    assert not policies.can(world.users["practitioner"], "person.see_full", world.outside)
    assert policies.can(world.users["team-manager"], "person.see_full", world.inside)
    assert policies.can(world.breckland_worker, "person.see_full", world.team_case)
