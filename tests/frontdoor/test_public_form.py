"""The public concern form: no sign-in, writes and never reads, rate limited, protected against spam."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from harbour.accounts.mfa import user_has_mfa
from harbour.frontdoor.forms import PublicConcernForm
from harbour.frontdoor.models import Referral
from tests import factories
from tests.ui.html import parse

pytestmark = pytest.mark.django_db

FORM = reverse("concern:form")
SENT = reverse("concern:sent")
WORDS = "  i saw 2 girls get in a car outside the chippy on friday, the man   said 'get in quick'  \n"


def concern(**changes: Any) -> dict[str, Any]:
    data = {
        "relationship": "business",
        "what_happened": WORDS,
        "where": "Outside the chip shop, King Street",
        "when": "last friday about 11pm",
        "young_person_name": "",
        "young_person_age": "about 14",
        "contact_name": "",
        "contact_details": "",
        "website": "",
        # Shown a minute ago: a person's pace.
        "started": PublicConcernForm.sign_started(time.time() - 60),
    }
    data.update(changes)
    return data


@pytest.fixture
def public(reference: None) -> Client:
    return Client(REMOTE_ADDR="198.51.100.7")


def test_anyone_can_open_the_form_without_signing_in(public):
    response = public.get(FORM)
    assert response.status_code == 200
    html = response.content.decode()
    assert "call 999" in html
    assert "0800 1111" in html  # Childline
    assert "Sign out" not in html  # no staff shell
    page = parse(response.content)
    assert page.find("input", name="csrfmiddlewaretoken")
    # The honeypot is hidden by the stylesheet's class (no inline style), out of the tab order.
    hidden = page.find("div", cls="govuk-!-display-none")
    honeypot = hidden.find("input", name="website")
    assert honeypot.attrs["tabindex"] == "-1"
    assert "style=" not in html


def test_a_concern_is_stored_exactly_as_written_and_the_reference_shown_once(public):
    response = public.post(FORM, concern())
    assert response.status_code == 302
    assert response["Location"] == SENT  # no reference in the URL
    referral = Referral.objects.get()
    assert referral.source == Referral.Source.PUBLIC
    assert referral.referrer is None
    assert referral.what_happened == WORDS  # not stripped or changed
    assert referral.public_young_person_age == "about 14"
    assert referral.location_text == "Outside the chip shop, King Street"

    shown = public.get(SENT).content.decode()
    assert referral.reference in shown
    again = public.get(SENT).content.decode()
    assert referral.reference not in again  # shown once, then gone
    assert "shown once" in again


def test_sending_the_same_form_twice_stores_one_concern(public):
    data = concern()
    public.post(FORM, data)
    public.post(FORM, data)
    assert Referral.objects.count() == 1


def test_missing_answers_are_asked_for(public):
    response = public.post(FORM, concern(relationship="", what_happened=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Select who you are." in html
    assert "Tell us what you are worried about." in html
    assert Referral.objects.count() == 0


def test_the_honeypot_and_too_fast_sending_store_nothing_and_say_so_neutrally(public):
    for data in (
        concern(website="http://spam.example"),
        concern(started=PublicConcernForm.sign_started(time.time() - 1)),  # faster than a person
        concern(started="forged"),
        concern(started=""),
    ):
        response = public.post(FORM, data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "Your message was not sent" in html
        assert "honeypot" not in html.lower()
        assert "too fast" not in html.lower()
        assert "the man   said" in html  # what they wrote is kept for a person to send again
    assert Referral.objects.count() == 0


def test_sending_is_rate_limited_by_address(public, settings):
    settings.HARBOUR_PUBLIC_CONCERNS_PER_ADDRESS_PER_HOUR = 2
    assert public.post(FORM, concern()).status_code == 302
    assert public.post(FORM, concern()).status_code == 302
    limited = public.post(FORM, concern())
    assert limited.status_code == 429
    assert "Too many messages" in limited.content.decode()
    assert "999" in limited.content.decode()
    assert Referral.objects.count() == 2
    # Another address can still send.
    assert Client(REMOTE_ADDR="203.0.113.9").post(FORM, concern()).status_code == 302


def test_there_is_a_cap_for_everyone_together(public, settings):
    settings.HARBOUR_PUBLIC_CONCERNS_PER_HOUR = 2
    for address in ("203.0.113.1", "203.0.113.2"):
        assert Client(REMOTE_ADDR=address).post(FORM, concern()).status_code == 302
    assert Client(REMOTE_ADDR="203.0.113.3").post(FORM, concern()).status_code == 429


def test_csrf_is_checked(reference):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.8")
    assert client.post(FORM, concern()).status_code == 403
    assert Referral.objects.count() == 0


def test_the_public_can_read_nothing(public, world):
    public.post(FORM, concern())
    referral = Referral.objects.get()
    for url in (
        reverse("frontdoor:referral", args=[referral.pk]),
        reverse("frontdoor:queue"),
        reverse("frontdoor:sent"),
        reverse("frontdoor:drafts"),
    ):
        response = public.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    assert public.get(f"/api/v1/referrals/{referral.pk}").status_code == 401
    assert public.get("/api/v1/referrals/").status_code == 401


def test_staff_without_an_authenticator_can_still_use_the_public_form(reference):
    user = factories.make_user("new_starter", role="practitioner", team=factories.TeamFactory(), mfa=False)
    assert not user_has_mfa(user)
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.force_login(user)
    assert client.get(FORM).status_code == 200
    assert client.get(reverse("frontdoor:queue")).status_code == 302  # staff pages still need one
