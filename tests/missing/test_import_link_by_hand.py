"""Linking a police log row kept for review to a young person the reviewer finds and chooses.

The reviewer searches with the "already known?" check (POST, never the URL), the service checks that
they may review imports and see the chosen young person in full, creates the episode the import would
have, marks the row linked (who, when, chosen by reviewer) and audits it; a stale row version is a
conflict; re-running the file creates nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from harbour.audit.models import AuditEvent
from harbour.core.errors import ConflictError
from harbour.missing import imports
from harbour.missing.models import MissingEpisode, UnmatchedLogRow
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = (
    "police_reference,first_name,last_name,date_of_birth,postcode,kind,missing_from,"
    "reported_at,started_at,ended_at,risk_grade,found_place\n"
)
# A name Harbour holds no one close to: kept for review with no candidate to link.
ROW = "NC-4001,Ty,Murrey,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,King's Lynn bus station\n"


@pytest.fixture
def kept(world, tmp_path):
    """The log imported by the front-door officer, who is also on Tyler Murray's network (so sees him in
    full) but not on Jade Bishop's; the one row kept for review."""
    officer = world.users["front-door-officer"]
    factories.allocate(world.outside, worker=officer, role="allocated-social-worker")
    path = tmp_path / "log.csv"
    path.write_text(HEADER + ROW, encoding="utf-8")
    _run(path, officer)
    return path, UnmatchedLogRow.objects.get()


def _run(path, user):
    out = io.StringIO()
    call_command("missing_import", str(path), "--as", user.username, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _choose_url(row):
    return reverse("missing:unmatched_choose", args=[row.pk])


def test_the_reviewer_searches_chooses_and_links_the_row(world, kept):
    _, row = kept
    officer = world.users["front-door-officer"]
    client = world.client_for(officer)
    assert "Find the young person" in client.get(reverse("missing:unmatched")).text

    page = client.get(_choose_url(row))
    assert page.status_code == 200
    assert 'value="Murrey"' in page.text  # the search starts with what the row holds
    assert 'method="post"' in page.text
    viewed = AuditEvent.objects.filter(action="police_log.review_viewed", object_id=str(row.pk))
    assert viewed.count() == 1  # the row's details were shown

    # The search goes in the form body; the page's own URL carries only the row's id.
    found = client.post(_choose_url(row), {"action": "search", "first_name": "Tyler", "last_name": "Murray"})
    assert found.status_code == 200
    assert f'value="{world.outside.pk}"' in found.text  # Tyler, as a radio to choose
    assert 'value="new"' not in found.text  # someone already known, never a new young person
    looked = AuditEvent.objects.filter(action="person.matches_viewed", actor_id=officer.pk).latest(
        "occurred_at"
    )
    assert looked.detail["text"] == "Tyler Murray"

    response = client.post(
        _choose_url(row),
        {"action": "link", "person": world.outside.pk, "version": row.version, "last_name": "Murray"},
    )
    episode = MissingEpisode.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("missing:episode", args=[episode.pk])
    assert episode.person == world.outside
    assert episode.police_reference == "NC-4001"
    assert episode.source == "import"
    assert episode.import_key == row.import_key
    assert episode.log_import == row.log_import
    assert episode.found_place == "King's Lynn bus station"

    row.refresh_from_db()
    assert row.resolution == UnmatchedLogRow.Resolution.CHOSEN_BY_REVIEWER
    assert row.resolved_by == officer
    assert row.resolved_at is not None
    assert row.person == world.outside
    assert row.version == 2
    assert not imports.unmatched_rows_for(actor=officer).exists()  # no longer waiting

    event = AuditEvent.objects.get(action="police_log.row_linked")
    assert event.actor_id == officer.pk
    assert event.person_id == world.outside.pk
    assert event.detail == {"import": str(row.log_import_id), "line": 2, "how": "chosen-by-reviewer"}

    # The page now says what became of the row, and offers no second link.
    after = client.get(_choose_url(row))
    assert "This row was linked on" in after.text
    assert "linked to the young person the reviewer chose" in after.text
    assert 'value="link"' not in after.text


def test_running_the_same_file_again_after_a_hand_link_creates_nothing(world, kept):
    path, row = kept
    officer = world.users["front-door-officer"]
    imports.unmatched_row_link(
        actor=officer, row=row, person_id=world.outside.pk, version=row.version, chosen_by_reviewer=True
    )
    assert "1 rows: 0 loaded, 0 unmatched (for review), 1 already loaded." in _run(path, officer)
    assert MissingEpisode.objects.count() == 1
    assert UnmatchedLogRow.objects.count() == 1
    assert not imports.unmatched_rows_for(actor=officer).exists()


def test_a_young_person_the_reviewer_sees_by_name_only_is_refused(world, kept):
    _, row = kept
    officer = world.users["front-door-officer"]
    client = world.client_for(officer)
    found = client.post(_choose_url(row), {"action": "search", "first_name": "Jade", "last_name": "Bishop"})
    assert f'value="{world.inside.pk}"' in found.text  # offered by name, as the check always does
    assert "Name only" in found.text
    response = client.post(
        _choose_url(row),
        {"action": "link", "person": world.inside.pk, "version": row.version, "first_name": "Jade"},
    )
    assert response.status_code == 403
    assert "You can see only this young person&#x27;s name" in response.text
    assert 'value="Jade"' in response.text  # what was typed is kept
    assert not MissingEpisode.objects.exists()
    row.refresh_from_db()
    assert row.resolved_at is None
    assert not AuditEvent.objects.filter(action="police_log.row_linked").exists()
    with pytest.raises(PermissionDenied):
        imports.unmatched_row_link(
            actor=officer, row=row, person_id=world.inside.pk, version=row.version, chosen_by_reviewer=True
        )


def test_only_those_who_review_police_logs_may_link(world, kept):
    _, row = kept
    # The lead professional sees Jade in full but does not review police logs.
    lead = world.users["practitioner"]
    with pytest.raises(PermissionDenied):
        imports.unmatched_row_link(
            actor=lead, row=row, person_id=world.inside.pk, version=row.version, chosen_by_reviewer=True
        )
    assert world.client_for(lead).get(_choose_url(row)).status_code == 403


def test_two_reviewers_at_once_one_links_the_other_is_told(world, kept):
    _, row = kept
    officer = world.users["front-door-officer"]
    other = factories.make_user("second_officer", role="front-door-officer", team=world.norwich_team)
    factories.allocate(world.outside, worker=other, role="allocated-social-worker")
    opened = row.version  # both open the page at this version
    first = world.client_for(other).post(
        _choose_url(row), {"action": "link", "person": world.outside.pk, "version": opened}
    )
    assert first.status_code == 302
    second = world.client_for(officer).post(
        _choose_url(row),
        {"action": "link", "person": world.outside.pk, "version": opened, "first_name": "Tyler"},
    )
    assert second.status_code == 409
    assert "Someone else dealt with this after you opened it. Nothing has been saved" in second.text
    assert "This row was linked on" in second.text
    assert MissingEpisode.objects.count() == 1
    row.refresh_from_db()
    assert row.resolved_by == other
    assert AuditEvent.objects.filter(action="police_log.row_linked").count() == 1
    with pytest.raises(ConflictError):
        imports.unmatched_row_link(
            actor=officer, row=row, person_id=world.outside.pk, version=opened, chosen_by_reviewer=True
        )


def test_linking_without_choosing_anyone_asks_for_a_choice(world, kept):
    _, row = kept
    client = world.client_for("front-door-officer")
    response = client.post(
        _choose_url(row), {"action": "link", "version": row.version, "last_name": "Murrey"}
    )
    assert response.status_code == 422
    assert "Choose the young person this is about." in response.text
    assert not MissingEpisode.objects.exists()


def test_the_best_candidate_link_checks_the_version_too(world, tmp_path):
    officer = world.users["front-door-officer"]
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "NC-3001,Jade,Bishopp,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,\n")
    _run(path, officer)
    row = UnmatchedLogRow.objects.get()
    assert row.best_person == world.inside
    factories.allocate(world.inside, worker=officer, role="allocated-social-worker")  # sees her in full
    client = world.client_for(officer)
    stale = client.post(
        reverse("missing:unmatched_link", args=[row.pk]),
        {"person_id": world.inside.pk, "version": row.version + 1},
    )
    assert stale.status_code == 409
    assert not MissingEpisode.objects.exists()
    linked = client.post(
        reverse("missing:unmatched_link", args=[row.pk]),
        {"person_id": world.inside.pk, "version": row.version},
    )
    assert linked.status_code == 302
    row.refresh_from_db()
    assert row.resolution == UnmatchedLogRow.Resolution.BEST_CANDIDATE
    event = AuditEvent.objects.get(action="police_log.row_linked")
    assert event.detail["how"] == "best-candidate"


def _kept_for_jade(world, tmp_path):
    """A row whose best candidate is Jade Bishop (a typo in the surname, no date of birth), imported by
    the front-door officer, who is not on her network: they see her by name only."""
    officer = world.users["front-door-officer"]
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "NC-3001,Jade,Bishopp,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,\n")
    _run(path, officer)
    row = UnmatchedLogRow.objects.get()
    assert row.best_person == world.inside
    return row


def test_a_best_candidate_seen_by_name_only_is_not_offered_and_is_refused(world, tmp_path):
    row = _kept_for_jade(world, tmp_path)
    officer = world.users["front-door-officer"]
    client = world.client_for(officer)
    link_url = reverse("missing:unmatched_link", args=[row.pk])

    # The list names her as the best candidate but offers no "Link": only finding the young person.
    listing = client.get(reverse("missing:unmatched"))
    assert "Jade Bishop" in listing.text
    assert link_url not in listing.text
    assert _choose_url(row) in listing.text
    assert "You can see only their name" in listing.text

    # Posted all the same: refused with the same explanation as choosing her by hand; nothing changes.
    before = AuditEvent.objects.filter(action="police_log.review_viewed").count()
    refused = client.post(link_url, {"person_id": world.inside.pk, "version": row.version})
    assert refused.status_code == 403
    assert "You can see only this young person&#x27;s name" in refused.text
    assert "Police log rows to review" in refused.text  # the list again, with the problem
    assert AuditEvent.objects.filter(action="police_log.review_viewed").count() == before + 1
    assert not MissingEpisode.objects.exists()
    version = row.version
    row.refresh_from_db()
    assert (row.resolved_at, row.resolution, row.person, row.version) == (None, "", None, version)
    assert not AuditEvent.objects.filter(action="police_log.row_linked").exists()
    with pytest.raises(PermissionDenied, match="You can see only this young person's name"):
        imports.unmatched_row_link(actor=officer, row=row, person_id=world.inside.pk, version=row.version)

    # Once on her network, the officer sees her in full: "Link" is offered and links the row.
    factories.allocate(world.inside, worker=officer, role="allocated-social-worker")
    assert link_url in client.get(reverse("missing:unmatched")).text
    linked = client.post(link_url, {"person_id": world.inside.pk, "version": row.version})
    assert linked.status_code == 302
    assert MissingEpisode.objects.get().person == world.inside


def test_a_refusal_on_a_later_page_keeps_the_reviewer_on_that_page(world, tmp_path, settings):
    """The list shown again after a refused "Link" is the page the reviewer was on (its number comes back
    in the form, never personal data), and its page links lead to the list, not the refused action."""
    settings.HARBOUR_PAGE_SIZE = 1
    officer = world.users["front-door-officer"]
    path = tmp_path / "log.csv"
    path.write_text(HEADER + ROW + "NC-3001,Jade,Bishopp,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,\n")
    _run(path, officer)
    jade = UnmatchedLogRow.objects.get(data__last_name="Bishopp")  # line 3: the second page
    client = world.client_for(officer)
    listing = client.get(reverse("missing:unmatched"), {"page": 2})
    assert "Page 2 of 2" in listing.text or "page 2 of 2" in listing.text
    assert f"{_choose_url(jade)}?page=2" in listing.text  # finding the young person keeps the page too

    link_url = reverse("missing:unmatched_link", args=[jade.pk])
    review_url = reverse("missing:unmatched")
    # Jade is seen by name only: refused, shown again at page 2 with the problem.
    refused = client.post(link_url, {"person_id": world.inside.pk, "version": jade.version, "page": "2"})
    assert refused.status_code == 403
    assert "You can see only this young person&#x27;s name" in refused.text
    assert "page 2 of 2" in refused.text
    assert "Bishopp" in refused.text
    assert f'href="{review_url}?page=1"' in refused.text  # not the link action's own address
    assert 'href="?page=' not in refused.text
    event = AuditEvent.objects.filter(action="police_log.review_viewed").latest("occurred_at")
    assert event.detail == {"page": 2, "shown": 1}
    # A stale version too, and a page number that is not one falls back to the first page.
    factories.allocate(world.inside, worker=officer, role="allocated-social-worker")
    stale = client.post(link_url, {"person_id": world.inside.pk, "version": jade.version + 1, "page": "2"})
    assert stale.status_code == 409
    assert "page 2 of 2" in stale.text
    odd = client.post(link_url, {"person_id": world.inside.pk, "version": 99, "page": "Jade"})
    assert "page 1 of 2" in odd.text
    assert not MissingEpisode.objects.exists()

    # The choose page's "back" and its form keep the page, through a search and a refusal.
    choose = client.get(_choose_url(jade), {"page": 2})
    assert f'href="{review_url}?page=2"' in choose.text
    assert f'action="{_choose_url(jade)}?page=2"' in choose.text
    refused_choice = client.post(
        f"{_choose_url(jade)}?page=2",
        {"action": "link", "version": jade.version + 1, "person": world.inside.pk},
    )
    assert refused_choice.status_code == 409
    assert f'href="{review_url}?page=2"' in refused_choice.text
    assert f'action="{_choose_url(jade)}?page=2"' in refused_choice.text
