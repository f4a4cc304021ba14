"""Merging two records of one young person, and undoing it exactly; through the pages, as a reviewer would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from harbour.access.models import AccessGrant, Allocation, BreakGlass
from harbour.audit.models import AuditEvent
from harbour.core.errors import ConflictError
from harbour.people import merging
from harbour.people.duplicates import ordered
from harbour.people.matching import MatchQuery, candidates_for
from harbour.people.models import (
    Person,
    PersonAlias,
    PersonMerge,
    PossibleDuplicate,
    Relationship,
    RelationshipType,
)
from tests import factories

VERSION_FIELDS = {"version", "updated_at"}


def _row(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def dump(*people: Person) -> dict[str, Any]:
    """Both people's rows and every row, in any app, that points at either of them."""
    ids = [person.pk for person in people]
    state: dict[str, Any] = {}
    for person in Person.objects.filter(pk__in=ids):
        row = _row(person)
        for name in VERSION_FIELDS:  # a merge and its undo are changes: these two move on, nothing else
            row.pop(name)
        state[f"person:{person.pk}"] = row
    for ref in merging.person_references():
        for row in ref.model._base_manager.filter(**{f"{ref.field.attname}__in": ids}):
            state[f"{ref.label}:{row.pk}"] = _row(row)
    return state


@pytest.fixture
def pair(world):
    """Two records of one girl: Jade Bishop (inside, the practitioner's) and Jayde Bishop, recorded by
    Breckland, with her own alias, address, allocation, grant, break-glass and relationships."""
    jade = world.inside
    jade.refresh_from_db()
    jayde = factories.PersonFactory(
        first_name="Jayde", last_name="Bishop", date_of_birth=jade.date_of_birth, phone="07700 900123"
    )
    factories.add_address(jayde, line1="12 Magdalen St", postcode="NR3 1JE")
    PersonAlias.objects.create(person=jayde, name="JJ")
    factories.allocate(jayde, worker=world.breckland_worker)
    mother = factories.PersonFactory(first_name="Donna", last_name="Bishop", kind=Person.Kind.PARENT_CARER)
    friend = factories.PersonFactory(first_name="Kayden", last_name="Ashby")
    mother_type = RelationshipType.objects.get(code="mother")
    Relationship.objects.create(
        person=jade, other=mother, relationship_type=mother_type, involvement="Main carer"
    )
    Relationship.objects.create(
        person=jayde, other=mother, relationship_type=mother_type, involvement="Carer"
    )
    Relationship.objects.create(
        person=jayde, other=friend, relationship_type=RelationshipType.objects.get(code="friend")
    )
    # Recorded as sisters by mistake: after a merge it would relate her to herself.
    Relationship.objects.create(
        person=jayde, other=jade, relationship_type=RelationshipType.objects.get(code="sibling")
    )
    AccessGrant.objects.create(
        person=jayde,
        grantee=world.users["panel-chair"],
        granted_by=world.users["team-manager"],
        reason="MACE panel",
        expires_at=timezone.now() + dt.timedelta(days=2),
    )
    BreakGlass.objects.create(
        person=jayde,
        user=world.users["police-intelligence-officer"],
        reason="Missing tonight",
        expires_at=timezone.now() + dt.timedelta(hours=4),
    )
    a, b = ordered(jade.pk, jayde.pk)
    duplicate = PossibleDuplicate.objects.create(person_a_id=a, person_b_id=b, score=0.97, explanation=[])
    return jade, jayde, mother, friend, duplicate


def _merge_post(duplicate: PossibleDuplicate, survivor: Person, **extra: str) -> dict[str, str]:
    duplicate.refresh_from_db()
    a, b = duplicate.person_a, duplicate.person_b
    return {
        "merge-version": str(duplicate.version),
        "merge-version_a": str(a.version),
        "merge-version_b": str(b.version),
        "merge-survivor": "a" if survivor.pk == a.pk else "b",
        "merge-reason": "Same girl: same school, same mother, police spelt her name differently.",
        **extra,
    }


def _side(duplicate: PossibleDuplicate, person: Person) -> str:
    return "a" if duplicate.person_a_id == person.pk else "b"


def test_merge_then_unmerge_restores_every_field_and_row_exactly(world, pair):
    jade, jayde, mother, friend, duplicate = pair
    before = dump(jade, jayde, mother, friend)
    client = world.client_for("front-door-officer")
    # Take the phone number from Jayde's record (Jade's has none: taken anyway) and keep Jade's first name.
    response = client.post(
        reverse("people:duplicate_merge", args=[duplicate.pk]),
        _merge_post(duplicate, jade, **{"merge-take_first_name": _side(duplicate, jade)}),
    )
    assert response.status_code == 302, response.content.decode()
    merge = PersonMerge.objects.get()
    assert response["Location"] == reverse("people:merge_detail", args=[merge.pk])

    jade.refresh_from_db()
    jayde.refresh_from_db()
    assert jayde.merged_into_id == jade.pk
    assert jade.first_name == "Jade"
    assert jade.phone == "07700 900123"
    assert set(jade.aliases.values_list("name", flat=True)) == {"JJ"}
    assert jade.addresses.count() == 2
    assert Allocation.objects.filter(person=jade, worker=world.breckland_worker).exists()
    assert AccessGrant.objects.filter(person=jade, grantee=world.users["panel-chair"]).exists()
    assert BreakGlass.objects.filter(person=jade).exists()
    assert Relationship.objects.filter(person=jade, other=friend).exists()
    # Her mother once, not twice; the "sister" tie stays on the closed record rather than relate her to
    # herself. Both are kept (nothing deleted) and listed on the merge.
    assert Relationship.objects.filter(person=jade, other=mother).count() == 1
    assert Relationship.objects.filter(person=jayde, other=mother).count() == 1
    assert Relationship.objects.filter(person=jayde, other=jade).count() == 1
    left = {(entry["model"], entry["field"]) for entry in merge.snapshot["left"]}
    assert left == {("people.relationship", "person")}
    assert len(merge.snapshot["left"]) == 2
    duplicate.refresh_from_db()
    assert duplicate.status == PossibleDuplicate.Status.MERGED
    assert duplicate.decided_by == world.users["front-door-officer"]
    events = AuditEvent.objects.filter(action="person.merged")
    assert {str(event.person_id) for event in events} == {str(jade.pk), str(jayde.pk)}
    assert all(event.detail["merged"] == str(jayde.pk) for event in events)

    # The closed record leaves search and matching, and its page says where she is now.
    search = client.post(reverse("people:search"), {"text": "Bishop"}).content.decode()
    assert reverse("people:detail", args=[jayde.pk]) not in search
    assert reverse("people:detail", args=[jade.pk]) in search
    query = MatchQuery(first_name="Jayde", last_name="Bishop", date_of_birth=jade.date_of_birth)
    assert jayde.pk not in set(candidates_for(query).values_list("pk", flat=True))
    page = client.get(reverse("people:detail", args=[jayde.pk]))
    assert page.status_code == 200
    assert "This record was merged into" in page.content.decode()
    assert reverse("people:detail", args=[jade.pk]) in page.content.decode()
    # Her Breckland worker followed her to the record that stayed, and is told the same.
    breckland = world.client_for(world.breckland_worker).get(reverse("people:detail", args=[jayde.pk]))
    assert breckland.status_code == 200
    assert "This record was merged into" in breckland.content.decode()
    caseload = world.client_for(world.breckland_worker).get(reverse("people:caseload")).context["page"]
    urls = {item.url for item in caseload.object_list}
    assert reverse("people:detail", args=[jade.pk]) in urls
    assert reverse("people:detail", args=[jayde.pk]) not in urls

    # Undo.
    jade.refresh_from_db()
    jayde.refresh_from_db()
    merge.refresh_from_db()
    detail = client.get(reverse("people:merge_detail", args=[merge.pk]))
    assert detail.status_code == 200
    response = client.post(
        reverse("people:merge_undo", args=[merge.pk]),
        {
            "version": merge.version,
            "survivor_version": jade.version,
            "merged_version": jayde.version,
            "reason": "They are cousins, not one girl: the school confirmed two pupils.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert dump(jade, jayde, mother, friend) == before
    merge.refresh_from_db()
    assert merge.is_undone
    assert merge.undone_by == world.users["front-door-officer"]
    duplicate.refresh_from_db()
    assert duplicate.status == PossibleDuplicate.Status.OPEN
    events = AuditEvent.objects.filter(action="person.unmerged")
    assert {str(event.person_id) for event in events} == {str(jade.pk), str(jayde.pk)}
    assert all(event.detail["rows_not_restored"] == [] for event in events)
    assert client.get(reverse("people:detail", args=[jayde.pk])).status_code == 200
    assert "merged into" not in client.get(reverse("people:detail", args=[jayde.pk])).content.decode()


def test_different_nhs_numbers_need_an_override_reason(world, pair):
    jade, jayde, *_rest, duplicate = pair
    Person.objects.filter(pk=jayde.pk).update(nhs_number="4010232137")
    client = world.client_for("team-manager")
    url = reverse("people:duplicate_merge", args=[duplicate.pk])
    refused = client.post(url, _merge_post(duplicate, jade))
    assert refused.status_code == 422
    assert "These records have different NHS numbers" in refused.content.decode()
    assert not PersonMerge.objects.exists()
    jayde.refresh_from_db()
    assert jayde.merged_into_id is None
    assert not AuditEvent.objects.filter(action="person.merged").exists()

    done = client.post(
        url, _merge_post(duplicate, jade, **{"merge-override_reason": "Health registered her twice in 2019."})
    )
    assert done.status_code == 302
    merge = PersonMerge.objects.get()
    assert merge.override_reason == "Health registered her twice in 2019."
    event = AuditEvent.objects.filter(action="person.merged").first()
    assert event is not None
    assert event.detail["identifiers_differ"] == ["nhs_number"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_of_birth": dt.date(2011, 2, 4)}, "different dates of birth"),
        ({"upn": "A123456789012"}, "different unique pupil numbers"),
    ],
)
def test_other_conflicting_identifiers_need_a_reason(world, pair, changes, message):
    jade, jayde, *_rest = pair
    Person.objects.filter(pk=jade.pk).update(upn="B123456789012")
    Person.objects.filter(pk=jayde.pk).update(**changes)
    jade.refresh_from_db()
    jayde.refresh_from_db()
    actor = world.users["front-door-officer"]
    with pytest.raises(ValidationError) as refused:
        merging.person_merge(
            actor=actor,
            survivor=jade,
            merged=jayde,
            survivor_version=jade.version,
            merged_version=jayde.version,
            reason="Same girl.",
        )
    assert message in str(refused.value.message_dict["override_reason"])
    merge = merging.person_merge(
        actor=actor,
        survivor=jade,
        merged=jayde,
        survivor_version=jade.version,
        merged_version=jayde.version,
        reason="Same girl.",
        override_reason="Keyed wrongly by the school.",
    )
    assert merge.snapshot["conflicts"]


def test_only_reviewers_may_merge_or_undo(world, pair):
    jade, jayde, *_rest, duplicate = pair
    for role in ("practitioner", "police-intelligence-officer", "data-protection-officer", "analyst"):
        client = world.client_for(role)
        response = client.post(
            reverse("people:duplicate_merge", args=[duplicate.pk]), _merge_post(duplicate, jade)
        )
        assert response.status_code == 404, role
    assert not PersonMerge.objects.exists()
    with pytest.raises(PermissionDenied, match=r"person\.merge"):
        merging.person_merge(
            actor=world.users["practitioner"],
            survivor=jade,
            merged=jayde,
            survivor_version=jade.version,
            merged_version=jayde.version,
            reason="Same girl.",
        )


def test_a_stale_version_is_refused(world, pair):
    jade, jayde, *_rest, duplicate = pair
    data = _merge_post(duplicate, jade)
    Person.objects.filter(pk=jayde.pk).update(version=jayde.version + 1)  # a colleague edited her record
    response = world.client_for("front-door-officer").post(
        reverse("people:duplicate_merge", args=[duplicate.pk]), data
    )
    assert response.status_code == 409
    assert "Someone else saved this record" in response.content.decode()
    assert not PersonMerge.objects.exists()


def test_a_decided_pair_cannot_be_merged_again(world, pair):
    jade, jayde, *_rest, duplicate = pair
    actor = world.users["front-door-officer"]
    merging.person_merge(
        actor=actor,
        survivor=jade,
        merged=jayde,
        survivor_version=jade.version,
        merged_version=jayde.version,
        reason="Same girl.",
        duplicate=duplicate,
        duplicate_version=duplicate.version,
    )
    jade.refresh_from_db()
    jayde.refresh_from_db()
    with pytest.raises(ConflictError):
        merging.person_merge(
            actor=actor,
            survivor=jayde,
            merged=jade,
            survivor_version=jayde.version,
            merged_version=jade.version,
            reason="Again.",
            duplicate=duplicate,
            duplicate_version=duplicate.version,
        )
    duplicate.refresh_from_db()
    with pytest.raises(ValidationError, match="already been merged"):
        merging.person_merge(
            actor=actor,
            survivor=jade,
            merged=jayde,
            survivor_version=jade.version,
            merged_version=jayde.version,
            reason="Again.",
        )


def test_unmerge_keeps_changes_made_since_and_says_so(world, pair):
    jade, jayde, *_rest = pair
    actor = world.users["front-door-officer"]
    merge = merging.person_merge(
        actor=actor,
        survivor=jade,
        merged=jayde,
        survivor_version=jade.version,
        merged_version=jayde.version,
        reason="Same girl.",
        take_from_merged=["first_name", "phone"],
    )
    jade.refresh_from_db()
    assert jade.first_name == "Jayde"
    Person.objects.filter(pk=jade.pk).update(phone="07700 900999")  # changed again after the merge
    jade.refresh_from_db()
    jayde.refresh_from_db()
    result = merging.person_unmerge(
        actor=actor,
        merge=merge,
        version=merge.version,
        survivor_version=jade.version,
        merged_version=jayde.version,
        reason="Two girls.",
    )
    jade.refresh_from_db()
    assert jade.first_name == "Jade"  # put back
    assert jade.phone == "07700 900999"  # the later change is kept
    assert result.fields_kept == ["phone"]


def test_merges_undo_in_reverse_order_and_chains_follow(world, pair):
    jade, jayde, *_rest = pair
    actor = world.users["front-door-officer"]
    third = factories.PersonFactory(first_name="Jade", last_name="Bishopp", date_of_birth=jade.date_of_birth)
    first = merging.person_merge(
        actor=actor,
        survivor=jade,
        merged=jayde,
        survivor_version=jade.version,
        merged_version=jayde.version,
        reason="Same girl.",
    )
    jade.refresh_from_db()
    second = merging.person_merge(
        actor=actor,
        survivor=third,
        merged=jade,
        survivor_version=third.version,
        merged_version=jade.version,
        reason="Same girl again.",
    )
    jayde.refresh_from_db()
    assert jayde.merged_into_id == third.pk  # the earlier merged record now points at the final record
    page = (
        world.client_for("front-door-officer").get(reverse("people:detail", args=[jayde.pk])).content.decode()
    )
    assert reverse("people:detail", args=[third.pk]) in page
    jade.refresh_from_db()
    with pytest.raises(ValidationError, match="undo that merge first"):
        merging.person_unmerge(
            actor=actor,
            merge=first,
            version=first.version,
            survivor_version=jade.version,
            merged_version=jayde.version,
            reason="Wrong.",
        )
    third.refresh_from_db()
    merging.person_unmerge(
        actor=actor,
        merge=second,
        version=second.version,
        survivor_version=third.version,
        merged_version=jade.version,
        reason="Wrong.",
    )
    jade.refresh_from_db()
    jayde.refresh_from_db()
    first.refresh_from_db()
    assert jayde.merged_into_id == jade.pk
    merging.person_unmerge(
        actor=actor,
        merge=first,
        version=first.version,
        survivor_version=jade.version,
        merged_version=jayde.version,
        reason="Wrong.",
    )
    jayde.refresh_from_db()
    assert jayde.merged_into_id is None


def test_every_foreign_key_to_a_person_is_found(db):
    found = {(ref.label, ref.field.name) for ref in merging.person_references()}
    assert {
        ("people.personalias", "person"),
        ("people.address", "person"),
        ("people.relationship", "person"),
        ("people.relationship", "other"),
        ("access.allocation", "person"),
        ("access.accessgrant", "person"),
        ("access.breakglass", "person"),
        ("people.person", "merged_into"),
    } <= found
    assert not {label for label, _ in found} & merging.NOT_RE_POINTED


def test_merge_page_needs_the_capability(world, pair):
    jade, jayde, *_rest = pair
    merge = merging.person_merge(
        actor=world.users["front-door-officer"],
        survivor=jade,
        merged=jayde,
        survivor_version=jade.version,
        merged_version=jayde.version,
        reason="Same girl.",
    )
    assert (
        world.client_for("practitioner").get(reverse("people:merge_detail", args=[merge.pk])).status_code
        == 404
    )
    assert world.client_for("practitioner").get(reverse("people:merges")).status_code == 404
    page = world.client_for("team-manager").get(reverse("people:merges"))
    assert page.status_code == 200
    assert "Jayde Bishop" in page.content.decode()
