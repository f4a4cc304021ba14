"""The possible-duplicates scan and review queue."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.core.ticks import run_all
from harbour.demo.duplicate_queue import MERGES
from harbour.people.duplicates import duplicates_scan, ordered
from harbour.people.matching import AUTO_LINK_THRESHOLD
from harbour.people.models import Person, PersonMerge, PossibleDuplicate
from tests import factories


@pytest.fixture
def records(world):
    """Jade Bishop (world.inside) recorded again by health with her NHS number, and her twin sister."""
    jade = world.inside
    again = factories.PersonFactory(
        first_name="Jade", last_name="Bishop", date_of_birth=jade.date_of_birth, nhs_number=jade.nhs_number
    )
    factories.add_address(again)
    twin = factories.PersonFactory(first_name="Amber", last_name="Bishop", date_of_birth=jade.date_of_birth)
    factories.add_address(twin)
    factories.allocate(twin, worker=world.breckland_worker)
    return jade, again, twin


def _pair(first: Person, second: Person) -> PossibleDuplicate | None:
    a, b = ordered(first.pk, second.pk)
    return PossibleDuplicate.objects.filter(person_a_id=a, person_b_id=b).first()


def test_scan_finds_the_duplicate_and_merges_nothing_not_even_above_the_auto_link_threshold(records):
    jade, again, twin = records
    result = duplicates_scan()
    pair = _pair(jade, again)
    assert pair is not None
    assert pair.status == PossibleDuplicate.Status.OPEN
    assert pair.score >= AUTO_LINK_THRESHOLD
    fields = {item["field"]: item["outcome"] for item in pair.explanation}
    assert fields["nhs_number"] == "agrees"
    assert fields["date_of_birth"] == "agrees"
    # Twins: same surname, birthday and home, different first names. Never merged; not offered either.
    assert _pair(jade, twin) is None
    assert _pair(again, twin) is None
    assert not PersonMerge.objects.exists()
    assert not Person.objects.filter(merged_into__isnull=False).exists()
    assert result.pairs_found == PossibleDuplicate.objects.count()
    event = AuditEvent.objects.get(action="duplicate.scanned")
    assert event.detail["pairs_found"] == result.pairs_found
    assert event.actor_id is None


def test_scanning_again_adds_nothing_and_re_scores_open_pairs(records):
    jade, again, _twin = records
    first = duplicates_scan()
    PossibleDuplicate.objects.update(score=0.6)
    second = duplicates_scan()
    assert second.pairs_found == 0
    assert second.pairs_updated == first.pairs_found
    assert PossibleDuplicate.objects.count() == first.pairs_found
    pair = _pair(jade, again)
    assert pair is not None
    assert pair.score >= AUTO_LINK_THRESHOLD


def test_not_the_same_needs_a_reason_and_is_never_reopened(world, records):
    jade, again, _twin = records
    duplicates_scan()
    pair = _pair(jade, again)
    assert pair is not None
    client = world.client_for("front-door-officer")
    url = reverse("people:duplicate_dismiss", args=[pair.pk])
    refused = client.post(url, {"dismiss-version": pair.version, "dismiss-reason": "  "})
    assert refused.status_code == 422
    assert "Say how you know these are different young people." in refused.content.decode()
    done = client.post(url, {"dismiss-version": pair.version, "dismiss-reason": "Cousins, confirmed by GP."})
    assert done.status_code == 302
    pair.refresh_from_db()
    assert pair.status == PossibleDuplicate.Status.NOT_THE_SAME
    assert pair.decided_by == world.users["front-door-officer"]
    events = AuditEvent.objects.filter(action="duplicate.dismissed")
    assert {str(event.person_id) for event in events} == {str(jade.pk), str(again.pk)}
    assert all(event.reason == "Cousins, confirmed by GP." for event in events)

    PossibleDuplicate.objects.filter(pk=pair.pk).update(score=0.55)
    again.refresh_from_db()
    again.phone = "07700 900111"  # a record changed after the decision: still not reopened
    again.save()
    duplicates_scan()
    run_all(only=["people.duplicates_scan"])
    pair.refresh_from_db()
    assert pair.status == PossibleDuplicate.Status.NOT_THE_SAME
    assert pair.score == 0.55
    assert (
        PossibleDuplicate.objects.filter(person_a_id=pair.person_a_id, person_b_id=pair.person_b_id).count()
        == 1
    )
    # A second decision on the same pair is refused as stale.
    again_post = client.post(url, {"dismiss-version": pair.version - 1, "dismiss-reason": "Again."})
    assert again_post.status_code == 409


def test_the_queue_lists_open_pairs_most_likely_first_and_filters_by_status(world, records):
    duplicates_scan()
    # Added by hand after the scan, with a score the scan would not give (it finds these two at 99%).
    other = factories.PersonFactory(first_name="Tyler", last_name="Murrey")
    PossibleDuplicate.objects.create(
        person_a_id=ordered(world.outside.pk, other.pk)[0],
        person_b_id=ordered(world.outside.pk, other.pk)[1],
        score=0.61,
        explanation=[],
    )
    client = world.client_for("team-manager")
    page = client.get(reverse("people:duplicates"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-module="moj-sortable-table"' in html
    assert html.index("Jade Bishop") < html.index("Tyler Murray")
    assert "61%" in html
    assert AuditEvent.objects.filter(action="duplicate.queue_viewed").count() == 1
    decided = client.get(reverse("people:duplicates"), {"status": "not-the-same"}).content.decode()
    assert "There are no not the same person pairs." in decided


def test_the_comparison_shows_both_records_identity_and_is_audited(world, records):
    jade, again, _twin = records
    duplicates_scan()
    pair = _pair(jade, again)
    assert pair is not None
    response = world.client_for("front-door-officer").get(reverse("people:duplicate_compare", args=[pair.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert jade.date_of_birth.strftime("%-d %B %Y") in html
    assert "943 476 5919" in html
    assert "12 Magdalen Street" in html
    assert "Norfolk Children&#x27;s Services" in html  # known to (her network's agency)
    assert "Same NHS number." in html
    events = AuditEvent.objects.filter(action="duplicate.viewed")
    assert {str(event.person_id) for event in events} == {str(jade.pk), str(again.pk)}


def test_reviewers_have_a_home_queue_and_others_do_not(world, records):
    duplicates_scan()
    home = world.client_for("front-door-officer").get(reverse("ui:home")).content.decode()
    assert "Possible duplicates to review" in home
    assert "Jade Bishop and Jade Bishop" in home
    assert (
        "Possible duplicates to review"
        not in world.client_for("practitioner").get(reverse("ui:home")).content.decode()
    )


def test_the_tick_scans_records_changed_since_the_last_scan(world):
    jade = world.inside
    duplicates_scan()
    assert not PossibleDuplicate.objects.exists()
    later = factories.PersonFactory(
        first_name="Jade", last_name="Bishop", date_of_birth=jade.date_of_birth, nhs_number=jade.nhs_number
    )
    [result] = run_all(timezone.now() + dt.timedelta(seconds=1), only=["people.duplicates_scan"])
    assert result.ok
    assert result.count == 1
    assert _pair(jade, later) is not None


def test_the_command_scans_everyone_with_all(records):
    out = io.StringIO()
    call_command("duplicates", "scan", "--all", stdout=out)
    assert "new possible duplicates" in out.getvalue()
    assert PossibleDuplicate.objects.exists()


def test_the_demo_county_has_a_queue_of_real_near_duplicates_and_a_few_decisions(reference, tmp_path: Path):
    truth_file = tmp_path / "truth.csv"
    out = io.StringIO()
    call_command("seed", scale=0.1, seed=2, as_of=dt.date(2026, 11, 1), truth_file=truth_file, stdout=out)
    assert "possible duplicates:" in out.getvalue()
    with truth_file.open() as handle:
        truth = {
            ordered(row["record_id"], row["other_record_id"]): row["relation"]
            for row in csv.DictReader(handle)
        }

    def relation(pair: PossibleDuplicate) -> str:
        return truth.get((str(pair.person_a_id), str(pair.person_b_id)), "none")

    found = list(PossibleDuplicate.objects.all())
    assert any(relation(pair) == "duplicate" for pair in found)
    merged = [pair for pair in found if pair.status == PossibleDuplicate.Status.MERGED]
    assert len(merged) == MERGES
    assert all(relation(pair) == "duplicate" for pair in merged)
    assert PersonMerge.objects.count() == MERGES
    dismissed = [pair for pair in found if pair.status == PossibleDuplicate.Status.NOT_THE_SAME]
    assert dismissed
    assert all(relation(pair) == "twin" for pair in dismissed)
    # Twins are never merged, and no pair of twins is left open in the queue.
    assert not [pair for pair in found if relation(pair) == "twin" and pair.status != "not-the-same"]
