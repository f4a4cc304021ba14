"""Drafts of the referral form: saved as the user types, kept through an idle timeout, resumed, sent once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from harbour.accounts.middleware import IdleTimeoutMiddleware
from harbour.frontdoor.models import Referral, ReferralDraft
from tests.frontdoor.test_views import form_data, page_of

pytestmark = pytest.mark.django_db

SAVE = reverse("frontdoor:draft_save")
HTMX = {"HTTP_HX_REQUEST": "true"}


def autosave(client: Client, data: dict[str, Any]) -> Any:
    return client.post(SAVE, data, **HTMX)


def test_typing_saves_a_draft_and_later_saves_update_it(world):
    client = world.client_for("practitioner")
    data = form_data(action=None)
    first = autosave(client, data)
    assert first.status_code == 200
    draft = ReferralDraft.objects.get()
    assert draft.owner == world.users["practitioner"]
    assert draft.form_token == data["form_token"]
    assert draft.data["subjects-0-first_name"] == ["Kacey"]
    assert "csrfmiddlewaretoken" not in draft.data
    status = page_of(first)
    assert status.find("input", name="draft_id").attrs["value"] == str(draft.pk)
    assert status.find("input", name="draft_version").attrs["value"] == str(draft.version)
    assert "Saved as a draft at" in status.find(role="status").text

    data.update(
        {"draft_id": str(draft.pk), "draft_version": str(draft.version), "what_happened": "More now."}
    )
    second = autosave(client, data)
    assert second.status_code == 200
    assert ReferralDraft.objects.count() == 1
    draft.refresh_from_db()
    assert draft.data["what_happened"] == ["More now."]


def test_a_save_from_a_stale_window_is_refused_and_explained(world):
    client = world.client_for("practitioner")
    data = form_data(action=None)
    autosave(client, data)
    draft = ReferralDraft.objects.get()
    stale = {**data, "draft_id": str(draft.pk), "draft_version": str(draft.version)}
    autosave(client, {**stale, "what_happened": "From the first tab."})
    response = autosave(client, {**stale, "what_happened": "From the second tab."})
    assert response.status_code == 409
    assert "changed in another window or tab" in response.content.decode()
    draft.refresh_from_db()
    assert draft.data["what_happened"] == ["From the first tab."]


def test_a_draft_survives_an_idle_timeout_and_is_sent_once(world):
    client = world.client_for("practitioner")
    data = form_data(action=None)
    saved = client.post(SAVE, data)  # the "Save as draft" button, without JavaScript
    assert saved.status_code == 302
    assert saved["Location"] == reverse("frontdoor:drafts")
    draft = ReferralDraft.objects.get()

    # 31 minutes without activity: the next request signs the user out.
    session = client.session
    session[IdleTimeoutMiddleware.SESSION_KEY] = time.time() - (settings.HARBOUR_IDLE_MINUTES + 1) * 60
    session.save()
    timed_out = client.get(reverse("frontdoor:drafts"))
    assert timed_out.status_code == 302
    assert timed_out["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("frontdoor:drafts")).status_code == 302  # signed out now

    client.force_login(world.users["practitioner"])  # signs in again
    drafts = client.get(reverse("frontdoor:drafts"))
    assert drafts.status_code == 200
    html = drafts.content.decode()
    assert "Kacey Holt" in html  # the owner sees whom the draft is about
    assert reverse("frontdoor:draft", args=[draft.pk]) in html

    resumed = page_of(client.get(reverse("frontdoor:draft", args=[draft.pk])))
    assert resumed.find("input", name="form_token").attrs["value"] == data["form_token"]
    assert resumed.find("input", name="subjects-0-first_name").attrs["value"] == "Kacey"
    assert resumed.find("input", name="subjects-0-date_of_birth_year").attrs["value"] == "2011"
    assert resumed.find("textarea", name="what_happened").text.startswith("Seen being driven")
    checked = [
        i.attrs["value"] for i in resumed.find_all("input", name="concern_types") if "checked" in i.attrs
    ]
    assert checked == ["child-criminal-exploitation", "county-lines"]
    assert resumed.find("input", name="draft_id").attrs["value"] == str(draft.pk)
    assert not resumed.find_all("div", cls="govuk-error-summary")  # a draft is not judged until sent

    sent = client.post(
        reverse("frontdoor:referral_new"), {**data, "action": "send", "draft_id": str(draft.pk)}
    )
    assert sent.status_code == 302
    assert Referral.objects.count() == 1
    assert not ReferralDraft.objects.exists()  # deleted when sent
    client.post(
        reverse("frontdoor:referral_new"), {**data, "action": "send"}
    )  # sent again: no second referral
    assert Referral.objects.count() == 1


def test_drafts_are_personal(world):
    autosave(world.client_for("practitioner"), form_data(action=None))
    draft = ReferralDraft.objects.get()
    other = world.client_for("team-manager")
    assert other.get(reverse("frontdoor:draft", args=[draft.pk])).status_code == 404
    assert "Kacey" not in other.get(reverse("frontdoor:drafts")).content.decode()
    assert other.post(reverse("frontdoor:draft_discard", args=[draft.pk])).status_code == 404
    assert ReferralDraft.objects.filter(pk=draft.pk).exists()


def test_a_draft_can_be_deleted(world):
    client = world.client_for("practitioner")
    autosave(client, form_data(action=None))
    draft = ReferralDraft.objects.get()
    response = client.post(reverse("frontdoor:draft_discard", args=[draft.pk]))
    assert response.status_code == 302
    assert not ReferralDraft.objects.exists()
