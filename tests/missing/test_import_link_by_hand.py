"""Linking a police log row kept for review to a young person the reviewer finds and chooses, or setting
it aside when it should not become an episode here.

The reviewer searches with the "already known?" check (POST, never the URL), the service checks that
they may review imports and see the chosen young person in full, creates the episode the import would
have, marks the row linked (who, when, chosen by reviewer) and audits it; a stale row version is a
conflict; re-running the file creates nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
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


# --- setting a row aside ------------------------------------------------------------------------------


def _set_aside_url(row):
    return reverse("missing:unmatched_set_aside", args=[row.pk])


def test_the_reviewer_sets_a_row_aside_from_the_list(world, kept):
    path, row = kept
    officer = world.users["front-door-officer"]
    client = world.client_for(officer)
    listing = client.get(reverse("missing:unmatched"))
    assert _set_aside_url(row) in listing.text
    # Radios for the outcome, with ids of this row's own, the version and the CSRF token in its form.
    assert f'id="set-aside-{row.pk}-resolution_0"' in listing.text
    assert f'name="version" value="{row.version}" id="set-aside-{row.pk}-version"' in listing.text
    assert "Not a young person known to this partnership" in listing.text
    assert listing.text.count("csrfmiddlewaretoken") >= 1

    response = client.post(
        _set_aside_url(row), {"resolution": "not-known", "version": row.version, "page": "1"}
    )
    assert response.status_code == 302
    assert response.url == reverse("missing:unmatched")
    after = client.get(response.url)
    assert "Line 2 has been set aside: not a young person known to this partnership" in after.text
    assert "No rows are waiting for review." in after.text

    row.refresh_from_db()
    assert row.resolution == UnmatchedLogRow.Resolution.NOT_KNOWN
    assert row.set_aside
    assert row.resolved_by == officer
    assert row.resolved_at is not None
    assert row.person is None
    assert row.version == 2
    assert not MissingEpisode.objects.exists()  # no episode is created from a row set aside
    assert not imports.unmatched_rows_for(actor=officer).exists()

    event = AuditEvent.objects.get(action="police_log.row_set_aside")
    assert event.actor_id == officer.pk
    assert event.object_id == str(row.pk)
    assert event.person_id is None
    assert event.detail == {"import": str(row.log_import_id), "line": 2, "resolution": "not-known"}
    assert not AuditEvent.objects.filter(action="police_log.row_linked").exists()

    # The choose page says what became of it and offers no link; the file again brings nothing back.
    choose = client.get(_choose_url(row))
    assert "This row was set aside on" in choose.text
    assert 'value="link"' not in choose.text
    assert "1 rows: 0 loaded, 0 unmatched (for review), 1 already loaded." in _run(path, officer)
    assert not MissingEpisode.objects.exists()
    assert not imports.unmatched_rows_for(actor=officer).exists()


def test_setting_aside_without_choosing_what_happened_shows_the_list_with_the_problem(world, kept):
    _, row = kept
    client = world.client_for("front-door-officer")
    response = client.post(_set_aside_url(row), {"version": row.version, "page": "1"})
    assert response.status_code == 422
    assert "<title>Error: Police log rows to review" in response.text
    assert "govuk-error-summary" in response.text
    # The summary links to the row's first radio; the row's form is open with the error beside it.
    assert f'href="#set-aside-{row.pk}-resolution_0"' in response.text
    assert "govuk-form-group--error" in response.text
    assert (
        '<details class="govuk-details govuk-!-margin-top-3 govuk-!-margin-bottom-0" open>' in response.text
    )
    assert response.text.count("Choose what happened to this row.") == 2  # summary and field

    # An outcome that links the row is not a way to set it aside, on the page or to the service.
    linked_outcome = client.post(
        _set_aside_url(row), {"resolution": "best-candidate", "version": row.version}
    )
    assert linked_outcome.status_code == 422
    with pytest.raises(ValidationError) as refused:
        imports.unmatched_row_set_aside(
            actor=world.users["front-door-officer"], row=row, resolution="best-candidate", version=row.version
        )
    assert refused.value.message_dict == {"resolution": ["Choose what happened to this row."]}

    version = row.version
    row.refresh_from_db()
    assert (row.resolved_at, row.resolution, row.version) == (None, "", version)
    assert not AuditEvent.objects.filter(action="police_log.row_set_aside").exists()


def test_two_reviewers_at_once_one_sets_aside_the_other_is_told(world, kept):
    _, row = kept
    officer = world.users["front-door-officer"]
    other = factories.make_user("second_officer", role="front-door-officer", team=world.norwich_team)
    opened = row.version
    first = world.client_for(other).post(_set_aside_url(row), {"resolution": "in-error", "version": opened})
    assert first.status_code == 302
    second = world.client_for(officer).post(
        _set_aside_url(row), {"resolution": "recorded-by-hand", "version": opened, "page": "1"}
    )
    assert second.status_code == 409
    assert "Line 2: someone else dealt with it after you opened this page. Nothing has been saved." in (
        second.text
    )
    assert "Police log rows to review" in second.text
    with pytest.raises(ConflictError):
        imports.unmatched_row_set_aside(actor=officer, row=row, resolution="recorded-by-hand", version=opened)
    # No version at all is treated as stale too.
    assert world.client_for(officer).post(_set_aside_url(row), {"resolution": "in-error"}).status_code == 409
    row.refresh_from_db()
    assert (row.resolution, row.resolved_by) == (UnmatchedLogRow.Resolution.IN_ERROR, other)
    assert AuditEvent.objects.filter(action="police_log.row_set_aside").count() == 1


def test_a_row_already_dealt_with_cannot_be_set_aside_or_linked_again(world, kept):
    _, row = kept
    officer = world.users["front-door-officer"]
    client = world.client_for(officer)
    imports.unmatched_row_link(
        actor=officer, row=row, person_id=world.outside.pk, version=row.version, chosen_by_reviewer=True
    )
    row.refresh_from_db()
    # With the row's current version, so the refusal is that it was dealt with, not that it is stale.
    with pytest.raises(ValidationError, match="This row has already been dealt with"):
        imports.unmatched_row_set_aside(actor=officer, row=row, resolution="in-error", version=row.version)
    response = client.post(_set_aside_url(row), {"resolution": "in-error", "version": row.version})
    assert response.status_code == 422
    assert "Line 2: This row has already been dealt with." in response.text
    row.refresh_from_db()
    assert row.resolution == UnmatchedLogRow.Resolution.CHOSEN_BY_REVIEWER
    assert not AuditEvent.objects.filter(action="police_log.row_set_aside").exists()


def test_a_row_set_aside_cannot_then_be_linked(world, kept):
    _, row = kept
    officer = world.users["front-door-officer"]
    row = imports.unmatched_row_set_aside(
        actor=officer, row=row, resolution="recorded-by-hand", version=row.version
    )
    with pytest.raises(ValidationError, match="This row has already been set aside"):
        imports.unmatched_row_link(
            actor=officer, row=row, person_id=world.outside.pk, version=row.version, chosen_by_reviewer=True
        )
    assert not MissingEpisode.objects.exists()


def test_only_those_who_review_police_logs_may_set_a_row_aside(world, kept):
    _, row = kept
    lead = world.users["practitioner"]  # may record episodes for Jade, but does not review police logs
    with pytest.raises(PermissionDenied):
        imports.unmatched_row_set_aside(actor=lead, row=row, resolution="in-error", version=row.version)
    response = world.client_for(lead).post(_set_aside_url(row), {"resolution": "in-error", "version": 1})
    assert response.status_code == 403
    assert world.client_for(lead).get(_set_aside_url(row)).status_code == 405  # a form's action only
    row.refresh_from_db()
    assert row.resolved_at is None
    assert not AuditEvent.objects.filter(action="police_log.row_set_aside").exists()


def test_setting_aside_on_a_later_page_keeps_the_reviewer_on_that_page(world, tmp_path, settings):
    settings.HARBOUR_PAGE_SIZE = 1
    officer = world.users["front-door-officer"]
    path = tmp_path / "log.csv"
    path.write_text(HEADER + ROW + "NC-3001,Jade,Bishopp,,,M,home,,01/06/2026 20:00,02/06/2026 08:00,low,\n")
    _run(path, officer)
    jade = UnmatchedLogRow.objects.get(data__last_name="Bishopp")  # line 3: the second page
    client = world.client_for(officer)
    refused = client.post(_set_aside_url(jade), {"version": jade.version, "page": "2"})
    assert refused.status_code == 422
    assert "page 2 of 2" in refused.text
    assert f'href="#set-aside-{jade.pk}-resolution_0"' in refused.text
    done = client.post(_set_aside_url(jade), {"resolution": "in-error", "version": jade.version, "page": "2"})
    assert done.status_code == 302
    assert done.url == f"{reverse('missing:unmatched')}?page=2"
