"""Sign-in with MFA, lockout, MFA before personal data, idle timeout, and their audit events."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from harbour.audit.models import AuditEvent
from tests import factories


def _current_code(secret: str) -> str:
    if 30 - time.time() % 30 < 2:  # near the end of a period: use the next one (allauth's tolerance is 0)
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def enrolled(world):
    user = factories.UserFactory(username="signin_user")
    from harbour.accounts.models import Membership, Role

    Membership.objects.create(user=user, team=world.norwich_team, role=Role.objects.get(code="practitioner"))
    secret = factories.enrol_totp(user)
    return user, secret


def test_sign_in_needs_password_then_authenticator_code(client: Client, enrolled):
    user, secret = enrolled
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": factories.TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the home page still sends us to sign in.
    assert client.get(reverse("ui:home")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("ui:home")).status_code == 200
    assert AuditEvent.objects.filter(action="user.logged_in", actor_id=user.pk).count() == 1


def test_wrong_authenticator_code_does_not_sign_in(client: Client, enrolled):
    user, secret = enrolled
    client.post(reverse("account_login"), {"login": user.username, "password": factories.TEST_PASSWORD})
    wrong = f"{(int(_current_code(secret)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert client.get(reverse("ui:home")).status_code == 302


def test_failed_sign_in_writes_exactly_one_event(client: Client, enrolled):
    user, _ = enrolled
    client.post(reverse("account_login"), {"login": user.username, "password": "not the password"})
    events = AuditEvent.objects.filter(action="user.login_failed")
    assert events.count() == 1
    assert events.get().detail == {"username": user.username}


def test_repeated_failures_lock_the_account_out(client: Client, enrolled, settings):
    user, _ = enrolled
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("account_login"), {"login": user.username, "password": "wrong password"})
    # Even the right password is refused while locked out.
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": factories.TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "mfa_authenticate" not in response.get("Location", "")


def test_staff_without_an_authenticator_cannot_reach_personal_data(world):
    user = factories.make_user("no_mfa_yet", role="practitioner", team=world.norwich_team, mfa=False)
    factories.allocate(world.inside, worker=user)
    client = Client()
    client.force_login(user)
    for url in (reverse("ui:home"), f"/people/{world.inside.pk}/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    assert not AuditEvent.objects.filter(action="person.viewed").exists()


def test_idle_session_is_signed_out(world, settings):
    client = world.client_for("practitioner")
    assert client.get(reverse("ui:home")).status_code == 200
    session = client.session
    session["harbour_last_seen"] = time.time() - settings.HARBOUR_IDLE_MINUTES * 60 - 5
    session.save()
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert client.get(reverse("ui:home")).status_code == 302


def test_activity_is_recorded_at_most_once_a_minute_so_pages_do_not_save_the_session(world, settings):
    from django.contrib.sessions.models import Session

    client = world.client_for("practitioner")
    client.get(reverse("ui:home"))
    key = client.session.session_key
    first = client.session["harbour_last_seen"]
    saved = Session.objects.get(session_key=key).expire_date
    client.get(reverse("ui:home"))
    assert client.session["harbour_last_seen"] == first  # not written again within the minute
    assert Session.objects.get(session_key=key).expire_date == saved
    session = client.session
    session["harbour_last_seen"] = time.time() - 61
    session.save()
    client.get(reverse("ui:home"))
    assert client.session["harbour_last_seen"] > time.time() - 5  # a minute on: recorded again


def test_admin_refuses_signed_in_non_administrators_without_a_redirect_loop(world):
    response = world.client_for("practitioner").get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1  # /admin/ -> /admin/login/, which refuses


def test_admin_sign_in_goes_through_harbour_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_roles_without_casework_cannot_search_people_or_review_break_glass(world):
    for role in ("analyst", "partnership-leader", "system-administrator"):
        assert world.client_for(role).get(reverse("people:search")).status_code == 403, role
    assert world.client_for("practitioner").get(reverse("access:break_glass_review")).status_code == 403
    assert world.client_for("team-manager").get(reverse("access:break_glass_review")).status_code == 200
