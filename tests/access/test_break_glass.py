"""Break-glass: a reason, time-limited full access, the manager told and reviewing it."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from harbour.access.models import BreakGlass
from harbour.audit.models import AuditEvent
from harbour.people.apps import break_glass_to_review
from harbour.ui import queues

REASON = "Police called: Tyler is missing and may be with adults who exploit him."


def _open(world, client=None):
    client = client or world.client_for("practitioner")
    return client.post(
        reverse("people:break_glass", args=[world.outside.pk]), {"reason": REASON, "hours": "2"}
    )


def test_break_glass_form_explains_it_is_audited(world):
    page = world.client_for("practitioner").get(reverse("people:break_glass", args=[world.outside.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "recorded in the audit trail" in html
    assert "your manager is told" in html
    assert "IP24" not in html


def test_reason_is_required(world):
    client = world.client_for("practitioner")
    url = reverse("people:break_glass", args=[world.outside.pk])
    response = client.post(url, {"reason": "", "hours": "2"})
    assert response.status_code == 422
    assert "Say why you need this record now" in response.content.decode()
    response = client.post(url, {"reason": "urgent", "hours": "2"})  # too short to be a reason
    assert response.status_code == 422
    assert "at least 10 characters" in response.content.decode()
    response = client.post(url, {"reason": REASON, "hours": "99"})
    assert response.status_code == 422
    assert "between 1 and 4 hours" in response.content.decode()
    assert not BreakGlass.objects.exists()
    assert not AuditEvent.objects.filter(action="break_glass.opened").exists()


def test_break_glass_opens_the_record_and_tells_the_manager(world, django_capture_on_commit_callbacks):
    client = world.client_for("practitioner")
    with django_capture_on_commit_callbacks(execute=True):
        response = _open(world, client)
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[world.outside.pk])

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "IP24 2AB" in html  # now in full
    assert "2 April 2011" in html
    assert "You used break-glass access" in html  # the why panel says so
    assert "Break-glass access is on until" in html
    assert f"{world.users['team-manager']} has been told" in html

    use = BreakGlass.objects.get()
    assert use.user == world.users["practitioner"]
    assert use.flagged_to == world.users["team-manager"]
    assert AuditEvent.objects.filter(action="break_glass.opened").count() == 1
    assert [message.to for message in mail.outbox] == [[world.users["team-manager"].email]]
    assert "Tyler" not in mail.outbox[0].body  # emails name no young person

    manager = world.client_for("team-manager")
    review = manager.get(reverse("access:break_glass_review"))
    assert review.status_code == 200
    assert REASON.replace("'", "&#x27;") in review.content.decode()
    assert str(world.users["practitioner"]) in review.content.decode()
    items = break_glass_to_review(world.users["team-manager"])
    assert len(items) == 1
    assert items[0].tag == "To review"

    done = manager.post(
        reverse("access:break_glass_mark_reviewed", args=[use.pk]),
        {f"{use.pk}-note": "Spoke to them: the right call."},
    )
    assert done.status_code == 302
    use.refresh_from_db()
    assert use.reviewed_at is not None
    assert use.review_note == "Spoke to them: the right call."
    assert AuditEvent.objects.filter(action="break_glass.reviewed").count() == 1
    assert break_glass_to_review(world.users["team-manager"]) == []
    assert (
        "No break-glass uses are waiting"
        in manager.get(reverse("access:break_glass_review")).content.decode()
    )


def test_only_the_flagged_manager_can_review(world):
    _open(world)
    use = BreakGlass.objects.get()
    other = world.client_for(world.breckland_worker)
    response = other.post(reverse("access:break_glass_mark_reviewed", args=[use.pk]), {f"{use.pk}-note": "x"})
    assert response.status_code == 404
    use.refresh_from_db()
    assert use.reviewed_at is None


def test_expired_break_glass_is_name_only_again(world):
    client = world.client_for("practitioner")
    _open(world, client)
    BreakGlass.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    html = client.get(reverse("people:detail", args=[world.outside.pk])).content.decode()
    assert "IP24" not in html
    assert "2 April 2011" not in html
    assert "Known to" in html
    assert client.get(reverse("people:network", args=[world.outside.pk])).status_code == 404


def test_break_glass_when_already_in_full_just_goes_to_the_record(world):
    response = world.client_for("practitioner").get(reverse("people:break_glass", args=[world.inside.pk]))
    assert response.status_code == 302
    assert not BreakGlass.objects.exists()


def test_people_without_the_capability_cannot_break_glass(world):
    client = world.client_for("data-protection-officer")
    assert client.get(reverse("people:break_glass", args=[world.outside.pk])).status_code == 403
    assert (
        client.post(
            reverse("people:break_glass", args=[world.outside.pk]), {"reason": REASON, "hours": "1"}
        ).status_code
        == 403
    )


def test_access_url_forwards_to_the_form(world):
    response = world.client_for("practitioner").post(
        reverse("access:break_glass", args=[world.outside.pk]), {"reason": REASON, "hours": "1"}
    )
    assert response.status_code == 307
    assert response["Location"] == reverse("people:break_glass", args=[world.outside.pk])


def test_break_glass_queue_is_registered_for_managers(world):
    _open(world)
    manager_queues = {queue.code for queue in queues.queues_for(world.users["team-manager"])}
    assert "break-glass-review" in manager_queues
    assert "break-glass-review" not in {
        queue.code for queue in queues.queues_for(world.users["practitioner"])
    }
    queue = next(queue for queue in queues.registered() if queue.code == "break-glass-review")
    filled = queues.fill(queue, world.users["team-manager"])
    assert filled.count == 1
    assert not filled.failed


def test_with_no_manager_the_data_protection_officer_reviews(world):
    from harbour.accounts.models import Membership

    Membership.objects.filter(user=world.users["team-manager"]).delete()
    _open(world)
    use = BreakGlass.objects.get()
    assert use.flagged_to == world.users["data-protection-officer"]
    dpo = world.client_for("data-protection-officer")
    home = dpo.get(reverse("ui:home")).content.decode()
    assert "Break-glass uses to review" in home
    assert REASON.replace("'", "&#x27;") in dpo.get(reverse("access:break_glass_review")).content.decode()
