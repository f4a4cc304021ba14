"""Two records of one young person, each with an agreed joint assessment, merged and unmerged: the
merged record has one current (agreed) assessment, the latest, and the older one is superseded by the
merge; nothing is deleted, and the unmerge puts both back exactly."""

from __future__ import annotations

import pytest
from django.urls import reverse

from harbour.assessments import selectors as assessment_selectors
from harbour.assessments.models import Assessment
from harbour.audit.models import AuditEvent
from harbour.people import merging
from harbour.people.models import Person
from tests import factories
from tests.assessments import helpers
from tests.people.test_merging import dump

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_records(world):
    """Jade (the practitioner's) agreed at medium; Jayde, the same girl recorded again, agreed at high
    a little later."""
    jade = world.inside
    jayde = factories.PersonFactory(first_name="Jayde", last_name="Bishop", date_of_birth=jade.date_of_birth)
    factories.allocate(jayde, worker=world.users["practitioner"])
    agreed = {}
    for person, level in ((jade, "norfolk-medium"), (jayde, "norfolk-high")):
        assessment = helpers.open_for(world, person=person)
        helpers.record_words(world, assessment)
        agreed[person.pk] = helpers.agree(
            world, assessment, level, judgement_reason="Seen with older men at the station."
        )
    return jade, jayde, agreed[jade.pk], agreed[jayde.pk]


def _merge(world, survivor: Person, merged: Person) -> merging.PersonMerge:
    survivor.refresh_from_db()
    merged.refresh_from_db()
    return merging.person_merge(
        actor=world.users["front-door-officer"],
        survivor=survivor,
        merged=merged,
        survivor_version=survivor.version,
        merged_version=merged.version,
        reason="Same girl: same school, same mother.",
    )


def _unmerge(world, merge: merging.PersonMerge) -> merging.UnmergeResult:
    merge.refresh_from_db()
    return merging.person_unmerge(
        actor=world.users["front-door-officer"],
        merge=merge,
        version=merge.version,
        survivor_version=merge.survivor.version,
        merged_version=merge.merged.version,
        reason="Cousins, not one girl.",
    )


@pytest.mark.parametrize("survivor_is", ["older", "newer"])
def test_the_latest_agreed_is_current_after_a_merge_and_unmerge_restores_both(
    world, two_records, survivor_is
):
    jade, jayde, older, newer = two_records
    survivor, merged = (jade, jayde) if survivor_is == "older" else (jayde, jade)
    before = dump(jade, jayde)

    merge = _merge(world, survivor, merged)
    agreed = Assessment.objects.filter(person=survivor, status=Assessment.Status.AGREED)
    assert list(agreed) == [newer]  # one current assessment: the latest agreed
    older.refresh_from_db()
    assert older.person_id == survivor.pk  # kept, on the record that stayed, as history
    assert older.status == Assessment.Status.CLOSED
    assert older.closed_at == merge.at
    assert (older.close_reason, older.closed_by_id) == ("", None)  # not "closed without agreement"
    assert older.agreed_level.code == "norfolk-medium"  # its agreement stands in the risk history
    assert [entry["pk"] for entry in merge.snapshot["superseded_assessments"]] == [str(older.pk)]
    events = AuditEvent.objects.filter(action="person.merged")
    assert all(event.detail["superseded_assessments"] == [str(older.pk)] for event in events)
    # The person's assessments as the API lists them: one agreed, the other closed.
    client = world.client_for("practitioner")
    listed = client.get("/api/v1/assessments/", {"person_id": str(survivor.pk)}).json()["items"]
    assert sorted((item["id"], item["status"]) for item in listed) == sorted(
        [(str(newer.pk), "agreed"), (str(older.pk), "closed")]
    )
    history = assessment_selectors.history_for(actor=world.users["practitioner"], person_id=survivor.pk)
    assert len(history) == 2  # both agreements stay in the risk history
    page = client.get(reverse("assessments:detail", args=[older.pk])).content.decode()
    assert "Closed" in page
    assert "without agreement" not in page

    result = _unmerge(world, merge)
    assert result.not_restored == []
    assert dump(jade, jayde) == before  # every row, the older assessment's status and version too
    assert list(Assessment.objects.filter(person=jade, status=Assessment.Status.AGREED)) == [older]
    assert list(Assessment.objects.filter(person=jayde, status=Assessment.Status.AGREED)) == [newer]


def test_an_unmerge_after_a_new_review_leaves_the_review_current_and_says_so(world, two_records):
    """Merged, then reviewed: the review supersedes both earlier ones. Undone, the older assessment (back
    on its own record, with the review) stays closed, and the unmerge lists it and why."""
    jade, jayde, older, newer = two_records
    merge = _merge(world, jade, jayde)
    review = helpers.open_for(world, person=jade)
    helpers.record_words(world, review)
    helpers.agree(world, review, "norfolk-high", judgement_reason="Still seen at the station.")
    newer.refresh_from_db()
    assert newer.status == Assessment.Status.CLOSED  # closed by the review, as any review does

    result = _unmerge(world, merge)
    older.refresh_from_db()
    assert older.status == Assessment.Status.CLOSED
    assert [(entry["pk"], entry["why"]) for entry in result.not_restored] == [
        (str(older.pk), "a review agreed after the merge supersedes it")
    ]
    assert list(Assessment.objects.filter(person=jade, status=Assessment.Status.AGREED)) == [review]
    newer.refresh_from_db()
    assert newer.person_id == jayde.pk  # back on her record, as the review left it
    events = AuditEvent.objects.filter(action="person.unmerged")
    assert all(len(event.detail["rows_not_restored"]) == 1 for event in events)
