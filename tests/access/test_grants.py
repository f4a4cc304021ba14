"""Time-limited grants: given by someone entitled, seen in the network tab, ended early if need be."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from harbour.access.models import AccessGrant
from harbour.audit.models import AuditEvent

REASON = "To prepare for the MACE panel on Thursday."


def _grant_data(grantee="breckland_worker", days=7, reason=REASON):
    day = timezone.localdate() + dt.timedelta(days=days)
    return {
        "grantee": grantee,
        "reason": reason,
        "expires_on_day": str(day.day),
        "expires_on_month": str(day.month),
        "expires_on_year": str(day.year),
    }


def test_manager_gives_and_revokes_time_limited_access(world):
    manager = world.client_for("team-manager")
    colleague = world.client_for(world.breckland_worker)
    record = reverse("people:detail", args=[world.inside.pk])
    assert "NR3 1JE" not in colleague.get(record).content.decode()

    assert manager.get(reverse("people:grant_give", args=[world.inside.pk])).status_code == 200
    response = manager.post(reverse("people:grant_give", args=[world.inside.pk]), _grant_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("people:network", args=[world.inside.pk])

    grant = AccessGrant.objects.get()
    assert grant.grantee == world.breckland_worker
    assert timezone.localtime(grant.expires_at).date() == timezone.localdate() + dt.timedelta(days=8)
    assert AuditEvent.objects.filter(action="grant.given", person_id=world.inside.pk).count() == 1

    page = colleague.get(record).content.decode()
    assert "NR3 1JE" in page
    assert REASON in page  # the why panel gives the grant's reason

    network = manager.get(reverse("people:network", args=[world.inside.pk])).content.decode()
    assert "Time-limited access given to colleagues" in network
    assert str(world.breckland_worker) in network

    revoked = manager.post(
        reverse("access:grant_revoke"),
        {"grant": str(grant.pk), "next": reverse("people:network", args=[world.inside.pk])},
    )
    assert revoked.status_code == 302
    assert revoked["Location"] == reverse("people:network", args=[world.inside.pk])
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert AuditEvent.objects.filter(action="grant.revoked").count() == 1
    assert "NR3 1JE" not in colleague.get(record).content.decode()


def test_grant_needs_a_known_colleague_a_reason_and_a_future_end(world):
    manager = world.client_for("team-manager")
    url = reverse("people:grant_give", args=[world.inside.pk])
    response = manager.post(url, _grant_data(grantee="nobody_here"))
    assert response.status_code == 422
    assert "No one has that username" in response.content.decode()
    response = manager.post(url, _grant_data(reason="panel"))
    assert response.status_code == 422
    assert "at least 10 characters" in response.content.decode()
    response = manager.post(url, _grant_data(days=-1))
    assert response.status_code == 422
    assert "govuk-error-summary" in response.content.decode()
    response = manager.post(url, _grant_data(days=120))
    assert response.status_code == 422
    assert "at most 90 days" in response.content.decode()
    assert not AccessGrant.objects.exists()


def test_only_those_entitled_can_give_or_revoke(world):
    practitioner = world.client_for("practitioner")  # sees the record, but may not give access
    assert practitioner.get(reverse("people:grant_give", args=[world.inside.pk])).status_code == 403
    assert (
        practitioner.post(reverse("people:grant_give", args=[world.inside.pk]), _grant_data()).status_code
        == 403
    )
    # Outside the manager's network: the record is not theirs to open to others.
    manager = world.client_for("team-manager")
    assert manager.get(reverse("people:grant_give", args=[world.outside.pk])).status_code == 404

    world.client_for("team-manager").post(reverse("people:grant_give", args=[world.inside.pk]), _grant_data())
    grant = AccessGrant.objects.get()
    response = world.client_for(world.breckland_worker).post(
        reverse("access:grant_revoke"), {"grant": str(grant.pk)}
    )
    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_revoke_refuses_unsafe_next_and_unknown_grants(world):
    manager = world.client_for("team-manager")
    response = manager.post(
        reverse("access:grant_revoke"), {"grant": "not-a-grant", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:home")
