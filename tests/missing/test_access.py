"""Episodes and interviews follow the young person's record access: name-only outside the network."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from harbour.access import policies as access
from harbour.audit.models import AuditEvent
from harbour.missing import selectors, services
from tests.missing.helpers import record, record_return

pytestmark = pytest.mark.django_db


def _episode(world):
    practitioner = world.users["practitioner"]
    episode = record(practitioner, world.inside, timezone.now() - timedelta(days=1), police_reference="NC-77")
    interview = record_return(practitioner, episode, timezone.now() - timedelta(hours=2))
    return episode, interview


def test_outsider_sees_the_name_only(world):
    episode, interview = _episode(world)
    client = world.client_for(world.breckland_worker)
    page = client.get(reverse("missing:person", args=[world.inside.pk]))
    assert page.status_code == 200
    assert "Jade Bishop" in page.text
    assert "NC-77" not in page.text
    assert "Record a missing episode" not in page.text
    assert "shows you only their name" in page.text
    assert client.get(reverse("missing:episode", args=[episode.pk])).status_code == 404
    assert client.get(reverse("missing:interview", args=[interview.pk])).status_code == 404
    assert client.get(reverse("missing:profile_pdf", args=[world.inside.pk])).status_code == 404
    assert client.post(reverse("missing:episode_new", args=[world.inside.pk]), {}).status_code == 404


def test_network_member_sees_the_history_and_reads_are_audited(world):
    episode, interview = _episode(world)
    client = world.client_for("practitioner")
    page = client.get(reverse("missing:person", args=[world.inside.pk]))
    assert "NC-77" not in page.text  # the list shows dates, not references
    assert reverse("missing:episode", args=[episode.pk]) in page.text
    assert AuditEvent.objects.filter(action="person.viewed", person_id=world.inside.pk).exists()
    assert "NC-77" in client.get(reverse("missing:episode", args=[episode.pk])).text
    assert AuditEvent.objects.filter(action="missing_episode.viewed", object_id=str(episode.pk)).count() == 1
    client.get(reverse("missing:interview", args=[interview.pk]))
    assert (
        AuditEvent.objects.filter(action="return_interview.viewed", object_id=str(interview.pk)).count() == 1
    )


def test_viewer_without_edit_cannot_record(world):
    # The team manager sees Jade in full (manages her worker) and may edit; the analyst may not search.
    client = world.client_for("analyst")
    assert client.get(reverse("missing:person", args=[world.inside.pk])).status_code == 404


def test_the_interviewer_sees_the_record_while_the_interview_is_open(world, settings):
    _, interview = _episode(world)
    worker = world.breckland_worker
    assert not access.can_see_full(worker, world.inside)
    services.interview_assign(
        actor=world.users["practitioner"],
        interview=interview,
        version=interview.version,
        interviewer_id=worker.pk,
    )
    access.forget_cached_access(worker)
    assert access.can_see_full(worker, world.inside)
    reasons = [reason.text for reason in access.explain(worker, world.inside)]
    assert "You are doing a return home interview with this young person." in reasons
    # and not after the access window once it is resolved
    interview.refresh_from_db()
    services.interview_decline(
        actor=worker,
        interview=interview,
        version=interview.version,
        declined_at=timezone.now() - timedelta(minutes=1),
        reason="young-person-declined",
    )
    settings.HARBOUR_RHI_ACCESS_DAYS = 0
    access.forget_cached_access(worker)
    assert not access.can_see_full(worker, world.inside)


def test_queues_show_interviews_due_to_the_interviewer(world):
    _, interview = _episode(world)
    worker = world.breckland_worker
    services.interview_assign(
        actor=world.users["practitioner"],
        interview=interview,
        version=interview.version,
        interviewer_id=worker.pk,
    )
    rows = selectors.interviews_assigned_to(actor=worker)
    assert [row.interview_id for row in rows] == [interview.pk]
    assert selectors.interviews_assigned_to(actor=world.users["practitioner"]) == []
    home = world.client_for(worker).get(reverse("ui:home"))
    assert "Return home interviews to do" in home.text
    assert "Jade Bishop" in home.text


def test_trigger_notices_reach_the_lead_professional_home_page(world):
    practitioner = world.users["practitioner"]
    for days in (1, 5, 9):
        record(practitioner, world.inside, timezone.now() - timedelta(days=days))
    home = world.client_for("practitioner").get(reverse("ui:home"))
    assert "consider a strategy discussion" in home.text


def test_the_interview_team_manager_sees_the_team_queue_and_may_assign(world):
    from tests import factories

    manager = factories.make_user("breckland_manager", role="team-manager", team=world.breckland_team)
    _, interview = _episode(world)
    assert interview.team == world.breckland_team
    rows = selectors.interviews_for_managed_teams(actor=manager)
    assert [row.interview_id for row in rows] == [interview.pk]
    home = world.client_for(manager).get(reverse("ui:home"))
    assert "Your team's return home interviews" in html.unescape(home.text)
    response = world.client_for(manager).post(
        reverse("missing:interview_assign", args=[interview.pk]),
        {"version": interview.version, "interviewer": world.breckland_worker.pk},
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.interviewer == world.breckland_worker
