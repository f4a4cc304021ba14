"""Linking an education import row kept for review to a young person the reviewer finds and chooses.

The reviewer (``education.import``) searches with the "already known?" check (POST), the service checks
that they may see the chosen young person in full, records the exclusion or the missing-education report
as the import would have, marks the row resolved "chosen by reviewer" and audits it; a stale row version
is a conflict; importing the same file again creates nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.core.errors import ConflictError
from harbour.education import imports
from harbour.education.models import Exclusion, MissingEducationCase, UnmatchedImportRow
from tests.education.helpers import school

pytestmark = pytest.mark.django_db

EXCLUSION_HEADER = "first_name,last_name,date_of_birth,postcode,school_urn,kind,starts_on,days,reason\n"
CME_HEADER = "first_name,last_name,date_of_birth,postcode,reported_on,reported_by,note\n"


def _recent(days: int = 10) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def kept(world, tmp_path):
    """A list of one suspension naming someone Harbour cannot match, imported by the team manager."""
    school()
    path = _file(
        tmp_path, EXCLUSION_HEADER + f"Jay,Bishup,2011-05-03,NR1 1AA,121212,suspension,{_recent()},2,VA\n"
    )
    report = imports.import_file(actor=world.users["team-manager"], kind="exclusions", path=path)
    assert len(report.unmatched) == 1
    return path, UnmatchedImportRow.objects.get()


def _url(row):
    return reverse("education:unmatched_link", args=[row.pk])


def test_the_reviewer_searches_chooses_and_links_the_row(world, kept):
    _, row = kept
    manager = world.users["team-manager"]
    client = world.client_for(manager)
    assert "Find the young person" in client.get(reverse("education:unmatched")).text
    page = client.get(_url(row))
    assert page.status_code == 200
    assert 'value="Bishup"' in page.text
    viewed = AuditEvent.objects.filter(action="education.unmatched_viewed", object_id=str(row.pk))
    assert viewed.count() == 1  # the row's details were shown
    found = client.post(_url(row), {"action": "search", "first_name": "Jade", "last_name": "Bishop"})
    assert f'value="{world.inside.pk}"' in found.text
    assert AuditEvent.objects.filter(action="person.matches_viewed", actor_id=manager.pk).exists()

    response = client.post(_url(row), {"action": "link", "person": world.inside.pk, "version": row.version})
    assert response.status_code == 302
    assert response.url == reverse("education:unmatched")
    exclusion = Exclusion.objects.get()
    assert exclusion.person == world.inside
    assert exclusion.kind.code == "suspension"
    assert exclusion.reason.dfe_code == "VA"
    assert exclusion.source == "imported"
    row.refresh_from_db()
    assert row.resolution == UnmatchedImportRow.Resolution.CHOSEN_BY_REVIEWER
    assert (row.resolved_by, row.person) == (manager, world.inside)
    assert row.resolved_at is not None
    event = AuditEvent.objects.get(action="education.unmatched_matched")
    assert event.actor_id == manager.pk
    assert event.person_id == world.inside.pk
    assert event.detail == {"kind": "exclusions", "how": "chosen-by-reviewer"}
    assert "No imported rows are waiting for review." in client.get(reverse("education:unmatched")).text
    after = client.get(_url(row))
    assert "This row was dealt with on" in after.text
    assert 'value="link"' not in after.text


def test_importing_the_same_file_again_after_a_hand_link_creates_nothing(world, kept):
    path, row = kept
    manager = world.users["team-manager"]
    imports.unmatched_link(actor=manager, row=row, person_id=world.inside.pk, version=row.version)
    again = imports.import_file(actor=manager, kind="exclusions", path=path)
    assert (again.created, again.already_held, len(again.unmatched)) == (0, 1, 0)
    assert Exclusion.objects.count() == 1
    assert UnmatchedImportRow.objects.count() == 1


def test_a_children_missing_education_row_is_reported_on_the_young_person_chosen(world, tmp_path):
    manager = world.users["team-manager"]
    path = _file(tmp_path, CME_HEADER + f"Jay,Bishup,2011-05-03,NR1 1AA,{_recent(3)},Attendance officer,\n")
    imports.import_file(actor=manager, kind="cme", path=path)
    row = UnmatchedImportRow.objects.get()
    imports.unmatched_link(actor=manager, row=row, person_id=world.inside.pk, version=row.version)
    case = MissingEducationCase.objects.get()
    assert (case.person, case.reported_by) == (world.inside, "Attendance officer")
    again = imports.import_file(actor=manager, kind="cme", path=path)
    assert (again.created, again.already_held) == (0, 1)
    assert MissingEducationCase.objects.count() == 1


def test_a_young_person_the_reviewer_cannot_see_in_full_is_refused(world, kept):
    _, row = kept
    manager = world.users["team-manager"]  # outside (Tyler Murray) is Breckland's, not the manager's team's
    client = world.client_for(manager)
    response = client.post(
        _url(row),
        {"action": "link", "person": world.outside.pk, "version": row.version, "last_name": "Murray"},
    )
    assert response.status_code == 403
    assert "You can see only this young person&#x27;s name" in response.text
    assert 'value="Murray"' in response.text
    assert not Exclusion.objects.exists()
    row.refresh_from_db()
    assert row.resolved_at is None
    assert not AuditEvent.objects.filter(action="education.unmatched_matched").exists()
    with pytest.raises(PermissionDenied):
        imports.unmatched_link(actor=manager, row=row, person_id=world.outside.pk, version=row.version)
    # Without education.import, no one links, whoever they may see.
    with pytest.raises(PermissionDenied):
        imports.unmatched_link(
            actor=world.users["practitioner"], row=row, person_id=world.inside.pk, version=row.version
        )


def test_a_row_set_aside_meanwhile_is_a_conflict(world, kept):
    _, row = kept
    manager = world.users["team-manager"]
    opened = row.version
    imports.unmatched_set_aside(actor=manager, row=row, resolution="in-error")
    response = world.client_for(manager).post(
        _url(row), {"action": "link", "person": world.inside.pk, "version": opened}
    )
    assert response.status_code == 409
    assert "Someone else dealt with this after you opened it. Nothing has been saved" in response.text
    assert "a duplicate or an error in the list" in response.text
    assert not Exclusion.objects.exists()
    with pytest.raises(ConflictError):
        imports.unmatched_link(actor=manager, row=row, person_id=world.inside.pk, version=opened)


def test_linked_rows_cannot_be_set_aside_as_linked(world, kept):
    _, row = kept
    manager = world.users["team-manager"]
    with pytest.raises(Exception, match="Choose what happened"):
        imports.unmatched_set_aside(actor=manager, row=row, resolution="chosen-by-reviewer")


@pytest.fixture
def two_pages(world, tmp_path, settings):
    """Two kept rows, one a page: the newest import first, so the first file's row is on page 2."""
    settings.HARBOUR_PAGE_SIZE = 1
    school()
    manager = world.users["team-manager"]
    first = _file(
        tmp_path, EXCLUSION_HEADER + f"Jay,Bishup,2011-05-03,NR1 1AA,121212,suspension,{_recent()},2,VA\n"
    )
    imports.import_file(actor=manager, kind="exclusions", path=first)
    later = tmp_path / "later.csv"
    later.write_text(CME_HEADER + f"Zebedee,Quillfeather,2010-01-09,,{_recent(3)},Attendance officer,\n")
    imports.import_file(actor=manager, kind="cme", path=later)
    row = UnmatchedImportRow.objects.get(values__last_name="Bishup")
    client = world.client_for(manager)
    assert "Bishup" in client.get(reverse("education:unmatched"), {"page": 2}).text
    return client, row


def test_each_action_from_a_later_page_returns_to_that_page(world, two_pages):
    client, row = two_pages
    review_url = reverse("education:unmatched")
    listing = client.get(review_url, {"page": 2})
    assert f"{_url(row)}?page=2" in listing.text
    set_aside_url = reverse("education:unmatched_set_aside", args=[row.pk])
    assert f"{set_aside_url}?page=2" in listing.text
    assert f'href="{review_url}?page=1"' in listing.text  # pagination
    event = AuditEvent.objects.filter(action="education.unmatched_viewed").latest("occurred_at")
    assert event.detail == {"page": 2, "shown": 1}

    retry_url = reverse("education:unmatched_retry", args=[row.pk])
    retried = client.post(retry_url, {"version": row.version, "page": "2"})
    assert retried.status_code == 302
    assert retried.url == f"{review_url}?page=2"
    stale = client.post(retry_url, {"version": row.version + 1, "page": "2"}, follow=True)
    assert "someone else dealt with it after you opened this page" in stale.text
    assert stale.redirect_chain[-1][0] == f"{review_url}?page=2"

    # The choose page keeps it through a refusal, and returns to it after linking.
    refused = client.post(
        f"{_url(row)}?page=2", {"action": "link", "person": world.outside.pk, "version": row.version}
    )
    assert refused.status_code == 403
    assert f'href="{review_url}?page=2"' in refused.text
    assert f'action="{_url(row)}?page=2"' in refused.text
    linked = client.post(
        f"{_url(row)}?page=2", {"action": "link", "person": world.inside.pk, "version": row.version}
    )
    assert linked.status_code == 302
    assert linked.url == f"{review_url}?page=2"


def test_setting_aside_from_a_later_page_returns_to_it_and_checks_the_version(world, two_pages):
    client, row = two_pages
    review_url = reverse("education:unmatched")
    url = reverse("education:unmatched_set_aside", args=[row.pk])
    page = client.get(url, {"page": 2})
    assert f'action="{url}?page=2"' in page.text
    assert f'name="version" value="{row.version}"' in page.text
    assert f'href="{review_url}?page=2"' in page.text  # cancel
    missing_choice = client.post(f"{url}?page=2", {"version": row.version})
    assert missing_choice.status_code == 422
    stale = client.post(f"{url}?page=2", {"version": row.version + 1, "resolution": "in-error"})
    assert stale.status_code == 409
    assert "Someone else dealt with this after you opened it" in stale.text
    row.refresh_from_db()
    assert row.resolved_at is None
    done = client.post(f"{url}?page=2", {"version": row.version, "resolution": "in-error"})
    assert done.status_code == 302
    assert done.url == f"{review_url}?page=2"
    row.refresh_from_db()
    assert row.resolution == "in-error"
    # Posted again with the version read before: told, nothing changes.
    again = client.post(f"{url}?page=2", {"version": row.version - 1, "resolution": "not-known"})
    assert again.status_code == 409
    assert "This row was dealt with on" in again.text
    row.refresh_from_db()
    assert row.resolution == "in-error"
