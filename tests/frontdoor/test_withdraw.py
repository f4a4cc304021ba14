"""Withdrawing a referral: its referrer or the front door, with a reason; it leaves the queue, is audited,
and the other side is told. Through the service, the referral page and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from harbour.audit.models import AuditEvent
from harbour.core.errors import ConflictError
from harbour.frontdoor import queues, selectors, services
from harbour.frontdoor.models import Referral, ReferralNotification
from tests.api.conftest import assert_error, bearer_headers
from tests.frontdoor.helpers import about, submit
from tests.ui.html import parse

pytestmark = pytest.mark.django_db

REASON = "Sent twice by mistake: the same concern is HR-2026-000001."


def withdraw(actor: Any, referral: Referral, reason: str = REASON, version: int | None = None) -> Referral:
    return services.referral_withdraw(
        actor=actor,
        referral_id=referral.pk,
        version=referral.version if version is None else version,
        reason=reason,
    )


def queued(officer: Any) -> list[Any]:
    return [row.referral_id for row in selectors.referral_queue_for(actor=officer)]


def test_referrer_withdraws_and_the_triage_officer_is_told(world, django_capture_on_commit_callbacks):
    officer = world.users["front-door-officer"]
    referrer = world.users["practitioner"]
    referral = submit(referrer, about(world.inside))
    referral = services.referral_triage_start(
        actor=officer, referral_id=referral.pk, version=referral.version
    )
    assert referral.pk in queued(officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = withdraw(referrer, referral)
    assert withdrawn.status == Referral.Status.WITHDRAWN
    assert withdrawn.withdrawn_by == referrer
    assert withdrawn.withdrawal_reason == REASON
    assert withdrawn.withdrawn_at is not None
    assert referral.pk not in queued(officer)
    notice = ReferralNotification.objects.get(kind=ReferralNotification.Kind.WITHDRAWN)
    assert notice.recipient == officer
    assert "withdrawn by the referrer" in notice.summary
    assert list(selectors.feedback_unread_for(actor=officer)) == [notice]
    assert [email.to for email in mail.outbox] == [[officer.email]]
    assert referral.reference in mail.outbox[0].body
    assert REASON not in mail.outbox[0].body  # the reason stays in Harbour
    assert "Jade" not in mail.outbox[0].body
    event = AuditEvent.objects.get(action="referral.withdrawn")
    assert event.actor_id == referrer.pk
    assert event.reason == REASON
    assert event.detail["by"] == "referrer"
    assert event.detail["previous_status"] == "in-triage"
    assert event.detail["told"] == "triage-officer"


def test_front_door_withdraws_and_the_referrer_is_told(world, django_capture_on_commit_callbacks):
    officer = world.users["front-door-officer"]
    referrer = world.users["practitioner"]
    referral = submit(referrer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(officer, referral, reason="The same concern was referred by the school this morning.")
    notice = selectors.feedback_unread_for(actor=referrer).get()
    assert notice.kind == ReferralNotification.Kind.WITHDRAWN
    assert "withdrawn by the front door" in notice.summary
    assert [email.to for email in mail.outbox] == [[referrer.email]]
    assert AuditEvent.objects.get(action="referral.withdrawn").detail["by"] == "front-door"
    # On the referrer's home page it reads as a withdrawal, not a decision.
    [item] = queues.referral_outcomes(referrer)
    assert item.meta[1].startswith("Withdrawn ")


def test_referrer_withdrawing_an_untaken_referral_tells_nobody(world):
    referral = submit(world.users["practitioner"])
    withdraw(world.users["practitioner"], referral)
    assert not ReferralNotification.objects.exists()
    assert AuditEvent.objects.get(action="referral.withdrawn").detail["told"] == ""


def test_a_reason_is_required_and_a_stale_version_refused(world):
    referrer = world.users["practitioner"]
    referral = submit(referrer)
    with pytest.raises(ValidationError) as excinfo:
        withdraw(referrer, referral, reason="   ")
    assert "reason" in excinfo.value.message_dict
    with pytest.raises(ConflictError):
        withdraw(referrer, referral, version=referral.version + 1)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED
    assert not AuditEvent.objects.filter(action="referral.withdrawn").exists()


def test_only_the_referrer_or_the_front_door_may_withdraw(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    manager = world.users["team-manager"]  # reads it (the triage team's manager) but did not send it
    assert selectors.referral_get_for(actor=manager, referral_id=referral.pk)
    with pytest.raises(PermissionDenied):
        withdraw(manager, referral)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


def test_decided_or_withdrawn_referrals_cannot_be_withdrawn_or_decided(world):
    officer = world.users["front-door-officer"]
    referrer = world.users["practitioner"]
    decided = submit(referrer)
    decided = services.referral_decide(
        actor=officer,
        referral_id=decided.pk,
        version=decided.version,
        decision_type="early-help",
        rationale="The family asked for support.",
    )
    with pytest.raises(ValidationError) as excinfo:
        withdraw(referrer, decided)
    assert "status" in excinfo.value.message_dict
    withdrawn = withdraw(referrer, submit(referrer))
    with pytest.raises(ValidationError) as excinfo:
        withdraw(officer, withdrawn)
    assert "already withdrawn" in excinfo.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.referral_decide(
            actor=officer,
            referral_id=withdrawn.pk,
            version=withdrawn.version,
            decision_type="early-help",
            rationale="Too late.",
        )
    assert "status" in excinfo.value.message_dict


# --- the referral page ---------------------------------------------------------------------------


def test_referrer_withdraws_from_the_referral_page(world):
    referrer = world.users["practitioner"]
    referral = submit(referrer, about(world.inside))
    client = world.client_for("practitioner")
    page = client.get(reverse("frontdoor:referral", args=[referral.pk]))
    assert parse(page.content.decode()).find_all("form", id="withdraw")
    url = reverse("frontdoor:withdraw", args=[referral.pk])
    empty = client.post(url, {"version": referral.version, "reason": ""})
    assert empty.status_code == 422
    assert "Say why the referral is being withdrawn." in empty.content.decode()
    done = client.post(url, {"version": referral.version, "reason": REASON})
    assert done.status_code == 302
    shown = client.get(reverse("frontdoor:referral", args=[referral.pk])).content.decode()
    assert "Withdrawn" in shown
    assert REASON in shown
    assert not parse(shown).find_all("form", id="withdraw")  # nothing left to withdraw
    assert "Withdrawn" in client.get(reverse("frontdoor:sent")).content.decode()


def test_the_page_offers_withdrawal_only_to_the_referrer_and_the_front_door(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    url = reverse("frontdoor:referral", args=[referral.pk])
    for role, offered in (("practitioner", True), ("front-door-officer", True), ("team-manager", False)):
        html = world.client_for(role).get(url).content.decode()
        assert bool(parse(html).find_all("form", id="withdraw")) is offered, role
    refused = world.client_for("team-manager").post(
        reverse("frontdoor:withdraw", args=[referral.pk]), {"version": referral.version, "reason": REASON}
    )
    assert refused.status_code == 403
    outsider = world.client_for(world.breckland_worker).post(
        reverse("frontdoor:withdraw", args=[referral.pk]), {"version": referral.version, "reason": REASON}
    )
    assert outsider.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


def test_a_stale_withdrawal_on_the_page_is_refused_and_explained(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    opened = referral.version
    services.referral_triage_start(
        actor=world.users["front-door-officer"], referral_id=referral.pk, version=opened
    )
    response = world.client_for("practitioner").post(
        reverse("frontdoor:withdraw", args=[referral.pk]), {"version": opened, "reason": REASON}
    )
    assert response.status_code == 409
    assert "Someone else changed this referral" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TRIAGE


# --- the API -------------------------------------------------------------------------------------------


def _post(user: Any, referral: Referral, body: Any) -> Any:
    return Client().post(
        f"/api/v1/referrals/{referral.pk}/withdraw",
        data=json.dumps(body),
        content_type="application/json",
        **bearer_headers(user),
    )


def test_api_withdraws_with_a_reason_and_version(world):
    referrer = world.users["practitioner"]
    referral = submit(referrer, about(world.inside))
    assert_error(_post(referrer, referral, {"version": referral.version}), 422, "validation_error", "reason")
    assert_error(
        _post(referrer, referral, {"version": referral.version, "reason": " "}), 422, "validation_error"
    )
    assert_error(
        _post(referrer, referral, {"version": referral.version + 3, "reason": REASON}), 409, "conflict"
    )
    assert_error(
        _post(world.users["team-manager"], referral, {"version": referral.version, "reason": REASON}),
        403,
        "permission_denied",
    )
    assert_error(
        _post(world.breckland_worker, referral, {"version": referral.version, "reason": REASON}),
        404,
        "not_found",
    )
    response = _post(referrer, referral, {"version": referral.version, "reason": REASON})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["withdrawal"]["reason"] == REASON
    assert body["withdrawal"]["withdrawn_by"] == str(referrer)
    assert body["breaches"] == []  # front door only
    again = _post(referrer, referral, {"version": body["version"], "reason": REASON})
    assert_error(again, 422, "validation_error", "status")
    listed = Client().get("/api/v1/referrals/", **bearer_headers(world.users["front-door-officer"]))
    assert str(referral.pk) not in {item["id"] for item in listed.json()["items"]}
