"""The lead withdraws a request to contribute that the professional asked has not started: from the
assessment page, version-checked, audited; the access the request gave ends, and they may be asked again.
A request with anything written in it stays, and only the lead withdraws."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from harbour.access import policies as access
from harbour.assessments import selectors, services
from harbour.assessments.models import Assessment, Contribution
from harbour.audit.models import AuditEvent
from tests.assessments import helpers

pytestmark = pytest.mark.django_db

DECLINE_REASON = "Police have told us this episode was recorded against the wrong young person."


def _detail(assessment: Assessment) -> str:
    return reverse("assessments:detail", args=[assessment.pk])


def _withdraw_url(contribution: Contribution) -> str:
    return reverse("assessments:request_withdraw", args=[contribution.assessment_id, contribution.pk])


def _withdraw(client: Any, contribution: Contribution, version: int | None = None, **kwargs: Any) -> Any:
    data = {"version": contribution.version if version is None else version}
    return client.post(_withdraw_url(contribution), data, **kwargs)


def _hidden_version(html: str, action: str) -> str:
    form = html[html.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found, form
    return found.group(1)


def _writes(officer: Any, contribution: Contribution, offer: Any) -> dict[str, Any]:
    """The contributor's three writes to their request, as their page (drawn earlier) sends them."""
    return {
        "save": lambda: services.contribution_save(
            actor=officer,
            contribution_id=contribution.pk,
            version=1,
            answers=[helpers.yes("missing-repeat")],
        ),
        "accept": lambda: services.offer_accept(
            actor=officer, contribution_id=contribution.pk, offer_id=offer.pk, version=1
        ),
        "decline": lambda: services.offer_decline(
            actor=officer,
            contribution_id=contribution.pk,
            offer_id=offer.pk,
            reason=DECLINE_REASON,
            version=1,
        ),
    }


@pytest.fixture
def asked(world):
    """The practitioner's assessment of Jade, with a police officer asked to contribute."""
    assessment = helpers.open_for(world)
    officer = helpers.police_officer(world)
    contribution = helpers.ask(world, assessment, officer)
    return assessment, officer, contribution


def test_the_lead_withdraws_a_request_not_started_and_the_access_it_gave_ends(world, asked):
    assessment, officer, contribution = asked
    officer_client = world.client_for(officer)
    assert officer_client.get(_detail(assessment)).status_code == 200  # asked: sees it while open
    assert [a.pk for a, _what, _whose in selectors.waiting_for(actor=officer)] == [assessment.pk]

    lead = world.client_for("practitioner")
    page = lead.get(_detail(assessment))
    assert page.status_code == 200
    assert f'action="{_withdraw_url(contribution)}"' in page.text
    assert _hidden_version(page.text, _withdraw_url(contribution)) == str(contribution.version)
    assert page.text.count("Withdraw the request") == 1  # not beside the lead's own contribution

    withdrawn = _withdraw(lead, contribution, follow=True)
    assert withdrawn.status_code == 200
    assert withdrawn.redirect_chain == [(_detail(assessment), 302)]
    assert "Request withdrawn." in withdrawn.text
    assert not Contribution.objects.filter(pk=contribution.pk).exists()
    assert "Withdraw the request" not in withdrawn.text

    event = AuditEvent.objects.get(action="assessment.contribution_request_withdrawn")
    assert event.actor_id == world.users["practitioner"].pk
    assert event.person_id == world.inside.pk
    assert event.detail["contributor"] == str(officer.pk)
    assert event.detail["contribution"] == str(contribution.pk)
    assert event.detail["agency"] == "Norfolk Constabulary"

    # The access the request gave has ended, and the request is gone from their queue.
    assert officer_client.get(_detail(assessment)).status_code == 404
    assert not access.can_see_full(officer, world.inside)
    assert selectors.waiting_for(actor=officer) == []

    # They may be asked again.
    assessment.refresh_from_db()
    assert officer in [user for user, _agency in selectors.contributors_available(assessment=assessment)]
    again = helpers.ask(world, assessment, officer)
    assert again.pk != contribution.pk
    assert officer_client.get(_detail(assessment)).status_code == 200


def test_a_stale_withdrawal_is_refused_once_the_contribution_was_saved(world, asked):
    assessment, officer, contribution = asked
    lead = world.client_for("practitioner")
    shown = int(_hidden_version(lead.get(_detail(assessment)).text, _withdraw_url(contribution)))
    helpers.answer(officer, contribution, helpers.yes("missing-repeat"))  # meanwhile, they contribute

    refused = _withdraw(lead, contribution, version=shown)
    assert refused.status_code == 409
    assert "The request was not withdrawn" in refused.text
    assert "saved their contribution after you opened the page. Nothing has been withdrawn" in refused.text
    assert Contribution.objects.filter(pk=contribution.pk, status="submitted").exists()
    assert f'action="{_withdraw_url(contribution)}"' not in refused.text  # started: no button now
    assert not AuditEvent.objects.filter(action="assessment.contribution_request_withdrawn").exists()

    contribution.refresh_from_db()
    with pytest.raises(ValidationError) as error:  # even with the version as it is now
        services.contribution_request_withdraw(
            actor=world.users["practitioner"],
            assessment_id=assessment.pk,
            contribution_id=contribution.pk,
            version=contribution.version,
        )
    assert "has started their contribution" in error.value.message_dict["contribution_id"][0]


def test_a_request_with_an_offer_declined_stays(world, asked):
    assessment, officer, contribution = asked
    offer = helpers.offer_from_missing(world)
    services.offer_decline(
        actor=officer, contribution_id=contribution.pk, offer_id=offer.pk, reason=DECLINE_REASON, version=1
    )
    contribution.refresh_from_db()
    assert contribution.status == Contribution.Status.REQUESTED  # nothing submitted, but a decision made
    lead = world.client_for("practitioner")
    assert "Withdraw the request" not in lead.get(_detail(assessment)).text
    refused = _withdraw(lead, contribution, follow=True)
    assert "has started their contribution, so the request stays." in refused.text
    assert Contribution.objects.filter(pk=contribution.pk).exists()


def test_only_the_lead_withdraws(world, asked):
    assessment, officer, contribution = asked
    # The team manager and the officer asked both read the assessment: 403. Someone who does not: 404.
    assert _withdraw(world.client_for("team-manager"), contribution).status_code == 403
    assert _withdraw(world.client_for(officer), contribution).status_code == 403
    assert _withdraw(world.client_for(world.breckland_worker), contribution).status_code == 404
    assert "Withdraw the request" not in world.client_for("team-manager").get(_detail(assessment)).text
    with pytest.raises(PermissionDenied):
        services.contribution_request_withdraw(
            actor=world.users["team-manager"],
            assessment_id=assessment.pk,
            contribution_id=contribution.pk,
            version=contribution.version,
        )
    assert Contribution.objects.filter(pk=contribution.pk).exists()


def test_not_the_leads_own_contribution_nor_another_assessments_request(world, asked):
    assessment, _officer, _contribution = asked
    own = helpers.lead_contribution(assessment)
    with pytest.raises(ValidationError) as error:
        services.contribution_request_withdraw(
            actor=world.users["practitioner"],
            assessment_id=assessment.pk,
            contribution_id=own.pk,
            version=own.version,
        )
    assert "contribution_id" in error.value.message_dict
    with pytest.raises(Http404):  # the id of a contribution to some other assessment
        services.contribution_request_withdraw(
            actor=world.users["practitioner"],
            assessment_id=assessment.pk,
            contribution_id=assessment.pk,
            version=1,
        )


def test_withdrawing_twice_or_after_closing_says_why_nothing_happened(world, asked):
    assessment, _officer, contribution = asked
    lead = world.client_for("practitioner")
    assert _withdraw(lead, contribution).status_code == 302
    twice = _withdraw(lead, contribution, follow=True)
    assert "That request is no longer on this assessment, so there was nothing to withdraw." in twice.text

    other = helpers.ask(world, assessment, helpers.health_worker(world))
    assessment.refresh_from_db()
    services.assessment_close(
        actor=world.users["practitioner"],
        assessment_id=assessment.pk,
        version=assessment.version,
        reason="The family moved to Leeds.",
    )
    page = lead.get(_detail(assessment))
    assert "Withdraw the request" not in page.text
    closed = _withdraw(lead, other, follow=True)
    assert "This assessment has been agreed or closed and can no longer change." in closed.text
    assert Contribution.objects.filter(pk=other.pk).exists()

    no_version = lead.post(_withdraw_url(other), {}, follow=True)
    assert "Nothing has been withdrawn" in no_version.text


def test_a_withdrawn_professional_cannot_write_to_the_request(world, asked):
    """A contributor's page drawn before the withdrawal: saving, taking or declining an offer answers
    404, as for any record they no longer see, and writes nothing."""
    assessment, officer, contribution = asked
    offer = helpers.offer_from_missing(world)
    services.contribution_request_withdraw(
        actor=world.users["practitioner"],
        assessment_id=assessment.pk,
        contribution_id=contribution.pk,
        version=contribution.version,
    )
    for write in _writes(officer, contribution, offer).values():
        with pytest.raises(Http404):
            write()
    client = world.client_for(officer)
    assert client.get(reverse("assessments:contribution", args=[assessment.pk])).status_code == 404
    assert not Contribution.objects.filter(assessment=assessment, author=officer).exists()


@pytest.mark.parametrize("write", ["save", "accept", "decline"])
def test_a_withdrawal_between_a_contributors_read_and_write_refuses_the_write_cleanly(
    world, asked, monkeypatch, write
):
    """The request withdrawn after the contributor's service checked it but before it locked it (the
    lead's withdrawal committed in between): the write answers 404 under its lock, never a server error,
    and writes nothing."""
    assessment, officer, contribution = asked
    offer = helpers.offer_from_missing(world)
    checked = services.policies.can_contribute

    def check_then_withdraw(actor: Any, request: Contribution) -> bool:
        allowed = checked(actor, request)
        services.contribution_request_withdraw(
            actor=world.users["practitioner"],
            assessment_id=assessment.pk,
            contribution_id=request.pk,
            version=request.version,
        )
        return allowed

    monkeypatch.setattr(services.policies, "can_contribute", check_then_withdraw)
    with pytest.raises(Http404):
        _writes(officer, contribution, offer)[write]()
    assert not Contribution.objects.filter(pk=contribution.pk).exists()
    assert not AuditEvent.objects.filter(
        action__in=["assessment.contribution_saved", "assessment.offer_accepted", "assessment.offer_declined"]
    ).exists()
