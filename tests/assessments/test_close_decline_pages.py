"""The assessment page's "Close without agreement" form (the lead only) and "Decline" beside each offered
indicator (for your own contribution), as practitioners use them: errors, stale versions, what the page
shows afterwards, and who gets which form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from harbour.assessments import services
from harbour.assessments.models import Answer, Assessment, OfferDecline
from harbour.audit.models import AuditEvent
from tests.assessments import helpers

pytestmark = pytest.mark.django_db

CLOSE_REASON = "The family moved to Leeds; the case has been transferred to Leeds children's services."
DECLINE_REASON = "Police have told us this episode was recorded against the wrong young person."


def _offer(world: Any, code: str = "missing-repeat", evidence: str = "Third episode in six weeks.") -> Any:
    return helpers.offer_from_missing(world, code, evidence)


def _detail(assessment: Assessment) -> str:
    return reverse("assessments:detail", args=[assessment.pk])


def _close_url(assessment: Assessment) -> str:
    return reverse("assessments:close", args=[assessment.pk])


def _decline_url(assessment: Assessment, offer: Any) -> str:
    return reverse("assessments:offer_decline", args=[assessment.pk, offer.pk])


def _accept_url(assessment: Assessment, offer: Any) -> str:
    return reverse("assessments:offer_accept", args=[assessment.pk, offer.pk])


def _hidden_version(html: str, action: str) -> str:
    """The version carried by the form posting to ``action``."""
    form = html[html.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    found = re.search(r'name="[^"]*version" value="(\d+)"', form)
    assert found, form
    return found.group(1)


# --- close without agreement ------------------------------------------------------------------------


def test_the_lead_closes_without_agreement_on_the_page(world):
    assessment = helpers.open_for(world)
    client = world.client_for("practitioner")
    page = client.get(_detail(assessment))
    assert page.status_code == 200
    assert f'action="{_close_url(assessment)}"' in page.text
    assert "Close without agreement" in page.text
    assert _hidden_version(page.text, _close_url(assessment)) == str(assessment.version)

    empty = client.post(_close_url(assessment), {"version": assessment.version, "reason": "   "})
    assert empty.status_code == 422
    assert (
        empty.text.count("Say why the assessment is being closed without agreement.") == 2
    )  # summary, field
    assert 'href="#id_reason"' in empty.text  # the error summary links to the box to fill in
    assert 'id="id_reason"' in empty.text
    assert "<title>Error: " in empty.text
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.OPEN

    closed = client.post(_close_url(assessment), {"version": assessment.version, "reason": CLOSE_REASON})
    assert closed.status_code == 302
    assert closed["Location"] == _detail(assessment)
    saved = Assessment.objects.get(pk=assessment.pk)
    assert saved.status == Assessment.Status.CLOSED
    assert saved.close_reason == CLOSE_REASON
    assert saved.closed_by == world.users["practitioner"]
    assert AuditEvent.objects.get(action="assessment.closed").reason == CLOSE_REASON

    after = client.get(_detail(assessment))
    assert "Closed without agreement" in after.text
    assert "Why it was closed" in after.text
    assert "Leeds children&#x27;s services" in after.text
    assert f'action="{_close_url(assessment)}"' not in after.text  # nothing left to close
    assert "Agree the level" not in after.text
    history = client.get(reverse("assessments:person", args=[world.inside.pk]))
    assert "Closed without agreement" in history.text


def test_a_stale_close_is_refused_and_keeps_the_reason(world):
    assessment = helpers.open_for(world)
    client = world.client_for("practitioner")
    seen = assessment.version
    helpers.record_words(world, assessment)  # the lead saves the sections in another tab
    assessment.refresh_from_db()
    assert assessment.version != seen
    stale = client.post(_close_url(assessment), {"version": seen, "reason": CLOSE_REASON})
    assert stale.status_code == 409
    assert "Someone else changed this assessment" in stale.text
    assert "Leeds children&#x27;s services" in stale.text  # what they typed is still there
    assert _hidden_version(stale.text, _close_url(assessment)) == str(assessment.version)
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.OPEN
    again = client.post(_close_url(assessment), {"version": assessment.version, "reason": CLOSE_REASON})
    assert again.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.CLOSED


def test_only_the_lead_gets_the_close_form(world):
    assessment = helpers.open_for(world)
    officer = helpers.police_officer(world)
    helpers.ask(world, assessment, officer)
    assessment.refresh_from_db()
    for who in ("team-manager", officer):  # the lead's manager reads it; the officer contributes
        client = world.client_for(who)
        page = client.get(_detail(assessment))
        assert page.status_code == 200
        assert f'action="{_close_url(assessment)}"' not in page.text
        refused = client.post(_close_url(assessment), {"version": assessment.version, "reason": CLOSE_REASON})
        assert refused.status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.OPEN


def test_an_agreed_assessment_has_no_close_form_and_refuses_a_close(world):
    assessment = helpers.open_for(world)
    helpers.record_words(world, assessment)
    agreed = helpers.agree(world, assessment, "norfolk-no-risk")
    client = world.client_for("practitioner")
    assert f'action="{_close_url(assessment)}"' not in client.get(_detail(assessment)).text
    refused = client.post(_close_url(assessment), {"version": agreed.version, "reason": CLOSE_REASON})
    assert refused.status_code == 422
    assert "can no longer change" in refused.text
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.AGREED


# --- declining an offered indicator -------------------------------------------------------------------


def test_a_contributor_declines_an_offer_with_a_reason(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    client = world.client_for("practitioner")
    url = _decline_url(assessment, offer)
    page = client.get(_detail(assessment))
    assert f'action="{url}"' in page.text
    field_id = f"id_decline-{offer.pk}-reason"
    assert f'for="{field_id}"' in page.text  # labelled, and the label names the indicator
    assert "Why are you not taking \u201cRepeated missing episodes (3 or more in 90 days)\u201d?" in page.text
    name = f"decline-{offer.pk}"

    empty = client.post(url, {f"{name}-version": offer.version, f"{name}-reason": ""})
    assert empty.status_code == 422
    assert empty.text.count("Say why you are not taking this indicator.") == 2
    assert f'href="#{field_id}"' in empty.text
    assert '<details class="govuk-details govuk-!-margin-bottom-0" open>' in empty.text
    assert not OfferDecline.objects.exists()

    declined = client.post(url, {f"{name}-version": offer.version, f"{name}-reason": DECLINE_REASON})
    assert declined.status_code == 302
    decline = OfferDecline.objects.get()
    assert decline.reason == DECLINE_REASON
    assert decline.contribution == helpers.lead_contribution(assessment)
    assert AuditEvent.objects.get(action="assessment.offer_declined").reason == DECLINE_REASON
    assessment.refresh_from_db()
    assert assessment.computed_level.code == "norfolk-no-risk"  # nothing taken, nothing scored

    after = client.get(_detail(assessment))
    assert "Declined for your contribution" in after.text
    assert "recorded against the wrong young person" in after.text
    assert f'action="{url}"' not in after.text  # decided: no second decline
    assert "Add it after all" in after.text  # taking it later replaces the decision


def test_a_taken_offer_shows_as_taken_and_cannot_be_declined(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    client = world.client_for("practitioner")
    accepted = client.post(_accept_url(assessment, offer), {f"accept-{offer.pk}-version": offer.version})
    assert accepted.status_code == 302
    page = client.get(_detail(assessment))
    assert "In your contribution" in page.text
    assert f'action="{_decline_url(assessment, offer)}"' not in page.text
    name = f"decline-{offer.pk}"
    refused = client.post(
        _decline_url(assessment, offer), {f"{name}-version": offer.version, f"{name}-reason": DECLINE_REASON}
    )
    assert refused.status_code == 422
    assert "already in your contribution" in refused.text
    assert not OfferDecline.objects.exists()


def test_declining_evidence_that_changed_meanwhile_is_refused_and_keeps_the_reason(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    seen = offer.version
    changed = _offer(world, evidence="Fourth episode: found in Great Yarmouth with older males.")
    assert changed.version != seen
    client = world.client_for("practitioner")
    name = f"decline-{offer.pk}"
    url = _decline_url(assessment, offer)
    stale = client.post(url, {f"{name}-version": seen, f"{name}-reason": DECLINE_REASON})
    assert stale.status_code == 409
    assert "The indicator offered has changed" in stale.text
    assert "found in Great Yarmouth" in stale.text  # the evidence as it is now
    assert "recorded against the wrong young person" in stale.text  # what they typed, kept
    assert _hidden_version(stale.text, url) == str(changed.version)
    assert not OfferDecline.objects.exists()
    again = client.post(url, {f"{name}-version": changed.version, f"{name}-reason": DECLINE_REASON})
    assert again.status_code == 302
    assert OfferDecline.objects.count() == 1


def test_declining_an_offer_withdrawn_meanwhile_says_so(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    services.indicator_offer_withdraw(
        actor=None, source_app="missing", source_kind="return-interview", source_id="42",
        indicator_code="missing-repeat",
    )  # fmt: skip
    client = world.client_for("practitioner")
    name = f"decline-{offer.pk}"
    response = client.post(
        _decline_url(assessment, offer),
        {f"{name}-version": offer.version, f"{name}-reason": DECLINE_REASON},
        follow=True,
    )
    assert response.status_code == 200
    assert "no longer offered" in response.text
    assert not OfferDecline.objects.exists()
    # An id that was never offered about this young person is simply not found.
    unknown = client.post(
        reverse("assessments:offer_decline", args=[assessment.pk, assessment.pk]),
        {f"decline-{assessment.pk}-version": 1, f"decline-{assessment.pk}-reason": DECLINE_REASON},
    )
    assert unknown.status_code == 404


def test_each_contributor_declines_for_their_own_contribution_only(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    restricted = _offer(world, code="wellbeing-self-harm", evidence="Disclosed at the return interview.")
    officer = helpers.police_officer(world)
    helpers.ask(world, assessment, officer)
    officer_client = world.client_for(officer)
    page = officer_client.get(_detail(assessment))
    assert f'action="{_decline_url(assessment, offer)}"' in page.text
    # A health-restricted offer: the officer sees that it exists, with nothing to act on.
    assert "A health-restricted item" in page.text
    assert f'action="{_decline_url(assessment, restricted)}"' not in page.text
    name = f"decline-{restricted.pk}"
    hidden = officer_client.post(
        _decline_url(assessment, restricted),
        {f"{name}-version": restricted.version, f"{name}-reason": DECLINE_REASON},
    )
    assert hidden.status_code == 404
    name = f"decline-{offer.pk}"
    declined = officer_client.post(
        _decline_url(assessment, offer), {f"{name}-version": offer.version, f"{name}-reason": DECLINE_REASON}
    )
    assert declined.status_code == 302
    assert OfferDecline.objects.get().contribution.author == officer
    # Still undecided for the lead, who gets their own decline form.
    lead_page = world.client_for("practitioner").get(_detail(assessment))
    assert f'action="{_decline_url(assessment, offer)}"' in lead_page.text
    # The lead's manager reads the assessment but has no contribution: no forms, and 404 on a post.
    manager = world.client_for("team-manager")
    assert f'action="{_decline_url(assessment, offer)}"' not in manager.get(_detail(assessment)).text
    assert manager.post(_decline_url(assessment, offer), {}).status_code == 404


def test_no_decline_once_the_assessment_is_closed(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    client = world.client_for("practitioner")
    client.post(_close_url(assessment), {"version": assessment.version, "reason": CLOSE_REASON})
    page = client.get(_detail(assessment))
    assert f'action="{_decline_url(assessment, offer)}"' not in page.text
    name = f"decline-{offer.pk}"
    refused = client.post(
        _decline_url(assessment, offer), {f"{name}-version": offer.version, f"{name}-reason": DECLINE_REASON}
    )
    assert refused.status_code == 403
    assert not OfferDecline.objects.exists()


def test_agree_and_sections_say_why_nothing_happened_when_agreed_meanwhile(world):
    assessment = helpers.open_for(world)
    helpers.record_words(world, assessment)
    agreed = helpers.agree(world, assessment, "norfolk-no-risk")
    client = world.client_for("practitioner")
    again = client.post(
        reverse("assessments:agree", args=[assessment.pk]),
        {
            "version": agreed.version,
            "agreed_level": agreed.agreed_level.code,
            "rationale": "Seen again today.",
        },
    )
    assert again.status_code == 422
    assert "can no longer change" in again.text
    sections = client.post(
        reverse("assessments:sections", args=[assessment.pk]),
        {"version": agreed.version, "young_person_words": "I want to stay at school."},
    )
    assert sections.status_code == 422
    assert "can no longer change" in sections.text
    assert Assessment.objects.get(pk=assessment.pk).young_person_words != "I want to stay at school."


# --- taking an offered indicator ----------------------------------------------------------------------


def test_taking_evidence_that_changed_meanwhile_is_refused_and_shows_it_as_it_is_now(world):
    """The page was drawn before the return home interview was corrected: "Add to your contribution"
    carries the offer's version, so the evidence the contributor never read is not taken."""
    assessment = helpers.open_for(world)
    offer = _offer(world)
    client = world.client_for("practitioner")
    url = _accept_url(assessment, offer)
    page = client.get(_detail(assessment))
    assert _hidden_version(page.text, url) == str(offer.version)
    seen = offer.version
    changed = _offer(world, evidence="Fourth episode: found in Great Yarmouth with older males.")
    assert changed.version != seen
    stale = client.post(url, {f"accept-{offer.pk}-version": seen})
    assert stale.status_code == 409
    assert "The indicator offered has changed" in stale.text
    assert "Nothing has been added to your contribution" in stale.text
    assert "found in Great Yarmouth" in stale.text  # the evidence as it is now
    assert "<title>Error: " in stale.text
    assert _hidden_version(stale.text, url) == str(changed.version)
    assert not Answer.objects.filter(offer=offer).exists()
    assert not AuditEvent.objects.filter(action="assessment.offer_accepted").exists()
    again = client.post(url, {f"accept-{offer.pk}-version": changed.version})
    assert again.status_code == 302
    assert Answer.objects.get(offer=offer).evidence.startswith("Fourth episode")


def test_taking_an_offer_without_its_version_or_after_it_was_withdrawn_says_so(world):
    assessment = helpers.open_for(world)
    offer = _offer(world)
    client = world.client_for("practitioner")
    url = _accept_url(assessment, offer)
    unversioned = client.post(url, {}, follow=True)
    assert unversioned.status_code == 200
    assert "read the offer again" in unversioned.text
    services.indicator_offer_withdraw(
        actor=None, source_app="missing", source_kind="return-interview", source_id="42",
        indicator_code="missing-repeat",
    )  # fmt: skip
    withdrawn = client.post(url, {f"accept-{offer.pk}-version": offer.version}, follow=True)
    assert withdrawn.status_code == 200
    assert "no longer offered" in withdrawn.text
    assert not Answer.objects.filter(offer=offer).exists()
