"""An agreed assessment closed because two records of one young person were merged (a later agreed
assessment is current) says so, with when, on its page, in the young person's list of assessments and in
the API; one closed by a review still says a review closed it; the risk history keeps both agreements."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from harbour.assessments.models import Assessment
from tests.assessments import helpers
from tests.people import test_merging_assessments as merging

pytestmark = pytest.mark.django_db

two_records = merging.two_records  # Jade and Jayde, one girl recorded twice, each agreed (the fixture)
_merge, _unmerge = merging._merge, merging._unmerge

MERGED = "superseded when two records of this young person were merged"
REVIEWED = "when a later review was agreed"


def _day(moment) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}"


def _page(client, assessment: Assessment) -> str:
    response = client.get(reverse("assessments:detail", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _api(client, assessment: Assessment) -> dict:
    response = client.get(f"/api/v1/assessments/{assessment.pk}")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_assessment_superseded_by_a_merge_says_so_and_one_closed_by_a_review_still_says_review(
    world, two_records
):
    jade, jayde, older, newer = two_records
    merge = _merge(world, jade, jayde)
    client = world.client_for("practitioner")

    page = _page(client, older)
    assert MERGED in page
    assert f"{_day(merge.at)}, {MERGED}" in page  # when
    assert REVIEWED not in page
    assert "without agreement" not in page
    detail = _api(client, older)
    assert (detail["status"], detail["closed_as"]) == ("closed", "superseded-by-merge")
    assert detail["closed_at"] is not None

    current = _api(client, newer)
    assert (current["status"], current["closed_as"]) == ("agreed", "")

    # The young person's assessments: the risk history keeps both agreements, oldest first, and the
    # list says which one the merge superseded.
    history = client.get(reverse("assessments:person", args=[jade.pk])).content.decode()
    assert history.count(f'href="{reverse("assessments:detail", args=[older.pk])}"') == 2  # both tables
    assert history.count(f'href="{reverse("assessments:detail", args=[newer.pk])}"') == 2
    table = history[history.index("Agreed levels, oldest first") : history.index("All assessments")]
    assert table.index("Medium risk") < table.index("High risk")  # both agreements, oldest first
    assert "Closed: superseded when the records were merged" in history

    # A review of the merged record closes the current one: that one reads as closed by the review.
    review = helpers.open_for(world, person=jade)
    helpers.record_words(world, review)
    helpers.agree(world, review, "norfolk-high", judgement_reason="Still seen at the station.")
    newer.refresh_from_db()
    assert newer.status == Assessment.Status.CLOSED
    page = _page(client, newer)
    assert REVIEWED in page
    assert MERGED not in page
    assert _api(client, newer)["closed_as"] == "superseded-by-review"
    assert MERGED in _page(client, older)  # still the merge's doing

    # Undone after the review: the older one stays closed (the review supersedes it) and still says
    # when and how it was closed, and that the records were separated again.
    _unmerge(world, merge)
    older.refresh_from_db()
    assert older.status == Assessment.Status.CLOSED
    page = _page(client, older)
    assert f"{_day(merge.at)}, {MERGED}" in page
    assert "separated again" in page


def test_closed_without_agreement_is_named_in_the_api(world):
    assessment = helpers.open_for(world)
    client = world.client_for("practitioner")
    assert _api(client, assessment)["closed_as"] == ""
    response = client.post(
        f"/api/v1/assessments/{assessment.pk}/close",
        data={"version": assessment.version, "reason": "Moved to Leeds."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["closed_as"] == "without-agreement"
