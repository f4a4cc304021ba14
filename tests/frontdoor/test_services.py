"""Submission, triage and decisions through the services: policy, validation, audit, feedback."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from harbour.audit.models import AuditEvent
from harbour.core.errors import ConflictError
from harbour.frontdoor import selectors, services
from harbour.frontdoor.inputs import ContextInput, SubjectInput
from harbour.frontdoor.models import Referral, ReferralDraft, ReferralNotification
from harbour.people.models import Person
from tests.frontdoor.helpers import about, new_child, park, referral_input, submit

pytestmark = pytest.mark.django_db


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_submit_about_known_child_records_everything(world):
    referrer = world.users["practitioner"]
    referral = submit(referrer, about(world.inside, concern_types=["county-lines", "missing"]))
    assert referral.reference.startswith(f"HR-{referral.submitted_at.year}-")
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.referrer == referrer
    assert referral.referrer_team == world.norwich_team
    assert referral.triage_team == world.norwich_team  # the team of the world's front-door officer
    assert sorted(referral.concern_types.values_list("code", flat=True)) == ["county-lines", "missing"]
    assert [s.person for s in referral.subjects.all()] == [world.inside]
    assert referral.due_by > referral.submitted_at
    events = AuditEvent.objects.filter(object_id=str(referral.pk)).order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["referral.submitted", "referral.subject_added"]
    assert AuditEvent.objects.get(action="referral.subject_added").person_id == world.inside.pk


def test_references_are_sequential_and_unique(world):
    first = submit(world.users["practitioner"])
    second = submit(world.users["practitioner"])
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


def test_new_child_is_recorded_through_people_services(world):
    referrer = world.users["practitioner"]
    referral = submit(referrer, referral_input(subjects=[new_child(date_of_birth=date(2011, 5, 2))]))
    subject = referral.subjects.get()
    assert subject.created_as_new
    person = subject.person
    assert (person.first_name, person.last_name, person.date_of_birth) == ("Kacey", "Holt", date(2011, 5, 2))
    assert person.addresses.get().postcode == "NR2 4AB"
    assert AuditEvent.objects.filter(action="person.created", person_id=person.pk).count() == 1


def test_chosen_match_keeps_the_score_worked_out_on_the_server(world):
    referrer = world.users["practitioner"]
    person = world.outside  # Tyler Murray, IP24 2AB
    typed = SubjectInput(
        person_id=person.pk, first_name="Tyler", last_name="Murray", postcode="IP24 2AB", matched_score=0.01
    )
    agrees = submit(referrer, referral_input(subjects=[typed])).subjects.get()
    assert agrees.matched_score is not None
    assert agrees.matched_score > 0.5
    differs = SubjectInput(person_id=person.pk, first_name="Zara", last_name="Okafor", postcode="NR30 1AA")
    other = submit(referrer, referral_input(subjects=[differs])).subjects.get()
    assert other.matched_score is not None
    assert other.matched_score < agrees.matched_score
    chosen_only = submit(referrer, about(person)).subjects.get()
    assert chosen_only.matched_score is None  # nothing typed: nothing to compare


def test_name_only_subject_links_without_giving_access(world):
    referrer = world.users["practitioner"]
    referral = submit(referrer, about(world.outside))
    assert referral.subjects.get().person == world.outside
    from harbour.access import policies

    policies.forget_cached_access(referrer)
    assert not policies.can_see_full(referrer, world.outside)


def test_contextual_referral_records_place_as_structured_data(world):
    context = ContextInput(
        name="Chicken shop on Prince of Wales Road",
        context_type="shop-takeaway",
        address="Prince of Wales Road, Norwich",
        postcode="nr1 1dw",
        latitude=None,
        longitude=None,
    )
    referral = submit(world.users["practitioner"], referral_input(contexts=[context]))
    stored = referral.contexts.get()
    assert (stored.context_type.code, stored.postcode) == ("shop-takeaway", "NR1 1DW")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subjects": [], "contexts": []}, "subjects"),
        ({"concern_types": []}, "concern_types"),
        ({"concern_types": ["not-a-type"]}, "concern_types"),
        ({"urgency": ""}, "urgency"),
        ({"urgency": "whenever"}, "urgency"),
        ({"what_happened": "   "}, "what_happened"),
        ({"what_happened": "x" * 10_001}, "what_happened"),
        ({"happened_on": date.today() + timedelta(days=3)}, "happened_on"),
        ({"location_postcode": "NOT A POSTCODE"}, "location_postcode"),
        ({"parents_aware": ""}, "parents_aware"),
        ({"parents_aware": "no", "parents_not_aware_reason": ""}, "parents_not_aware_reason"),
        ({"consent": ""}, "consent"),
        ({"consent": "not-sought", "lawful_basis": ""}, "lawful_basis"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"subjects": [SubjectInput(person_id=uuid.uuid4())]}, "subjects.0.person_id"),
        ({"subjects": [new_child(first_name="")]}, "subjects.0.first_name"),
        ({"subjects": [new_child(last_name=" ")]}, "subjects.0.last_name"),
        (
            {"subjects": [new_child(date_of_birth=date.today() + timedelta(days=1))]},
            "subjects.0.date_of_birth",
        ),
        ({"subjects": [new_child(nhs_number="1234567890")]}, "subjects.0.nhs_number"),
        ({"subjects": [new_child(upn="12")]}, "subjects.0.upn"),
        ({"subjects": [new_child(postcode="ZZZ")]}, "subjects.0.postcode"),
        ({"subjects": [new_child(gender="robot")]}, "subjects.0.gender"),
        ({"subjects": [new_child(school="No Such Academy")]}, "subjects.0.school"),
        ({"contexts": [ContextInput(name="", context_type="park-open-space")]}, "contexts.0.name"),
        ({"contexts": [ContextInput(name="A park", context_type="")]}, "contexts.0.context_type"),
        ({"contexts": [ContextInput(name="A park", context_type="moon")]}, "contexts.0.context_type"),
        (
            {"contexts": [park(), ContextInput(name="Park", context_type="other", postcode="X")]},
            "contexts.1.postcode",
        ),
        ({"what_happened": "null \x00 byte"}, "what_happened"),
    ],
)
def test_each_problem_names_its_field(world, changes, field):
    data = referral_input(contexts=[park()])
    from dataclasses import replace

    with pytest.raises(ValidationError) as excinfo:
        submit(world.users["practitioner"], replace(data, **changes))
    assert field in errors_of(excinfo), errors_of(excinfo)
    assert Referral.objects.count() == 0
    assert Person.objects.filter(first_name="Kacey").count() == 0


def test_consent_given_needs_no_lawful_basis(world):
    referral = submit(
        world.users["practitioner"], referral_input(contexts=[park()], consent="given", lawful_basis="")
    )
    assert referral.lawful_basis is None


def test_invalid_new_child_creates_nobody_when_another_field_fails(world):
    data = referral_input(subjects=[new_child()], what_happened="")
    with pytest.raises(ValidationError):
        submit(world.users["practitioner"], data)
    assert not Person.objects.filter(first_name="Kacey").exists()


def test_roles_without_referral_submit_cannot_refer(world):
    with pytest.raises(PermissionDenied):
        submit(world.users["analyst"])


def test_idempotency_key_required_and_replays_return_the_first(world):
    referrer = world.users["practitioner"]
    with pytest.raises(ValidationError) as excinfo:
        services.referral_submit(actor=referrer, data=referral_input(contexts=[park()]), idempotency_key=" ")
    assert "idempotency_key" in errors_of(excinfo)
    first = submit(referrer, key="form-token-1")
    again = submit(referrer, key="form-token-1")
    assert again.pk == first.pk
    assert Referral.objects.count() == 1
    other = submit(world.users["team-manager"], key="form-token-1")  # keys are per referrer
    assert other.pk != first.pk


def test_submit_deletes_the_draft_that_carried_the_form_token(world):
    referrer = world.users["practitioner"]
    draft = services.referral_draft_save(
        actor=referrer, draft_id=None, data={"form_token": "tok-9"}, version=None
    )
    submit(referrer, key=draft.form_token)
    assert not ReferralDraft.objects.filter(pk=draft.pk).exists()


def test_drafts_are_saved_versioned_and_personal(world):
    referrer = world.users["practitioner"]
    draft = services.referral_draft_save(
        actor=referrer, draft_id=None, data={"what_happened": "Notes so far"}, version=None
    )
    assert draft.form_token
    draft = services.referral_draft_save(
        actor=referrer, draft_id=draft.pk, data={"what_happened": "More notes"}, version=draft.version
    )
    assert selectors.referral_draft_get_for(actor=referrer, draft_id=draft.pk).data == {
        "what_happened": "More notes"
    }
    with pytest.raises(ConflictError):
        services.referral_draft_save(actor=referrer, draft_id=draft.pk, data={}, version=draft.version - 1)
    with pytest.raises(Http404):
        selectors.referral_draft_get_for(actor=world.users["team-manager"], draft_id=draft.pk)
    saved = AuditEvent.objects.filter(action="referral.draft_saved")
    assert saved.count() == 2
    assert all("notes" not in str(event.detail).lower() for event in saved)
    services.referral_draft_discard(actor=referrer, draft_id=draft.pk)
    assert list(selectors.referral_draft_list_for(actor=referrer)) == []
    assert AuditEvent.objects.filter(action="referral.draft_discarded").count() == 1


def test_triage_and_decision_tell_the_referrer(world, django_capture_on_commit_callbacks):
    officer = world.users["front-door-officer"]
    referrer = world.users["practitioner"]
    referral = submit(referrer, about(world.inside))
    referral = services.referral_triage_start(
        actor=officer, referral_id=referral.pk, version=referral.version
    )
    assert (referral.status, referral.triaged_by) == (Referral.Status.IN_TRIAGE, officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_decide(
            actor=officer,
            referral_id=referral.pk,
            version=referral.version,
            decision_type="joint-exploitation-screening",
            rationale="Several indicators of criminal exploitation; screen jointly with police.",
        )
    assert referral.status == Referral.Status.DECIDED
    assert referral.decision.decided_by == officer
    feedback = selectors.feedback_unread_for(actor=referrer).get()
    assert feedback.referral == referral
    assert "Joint exploitation screening" in feedback.summary
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [referrer.email]
    assert f"The referral {referral.reference} has a decision. Sign in to Harbour to read it." in email.body
    assert "Jade" not in email.body
    assert "Bishop" not in email.body
    assert "screen" not in email.body
    feedback.refresh_from_db()
    assert feedback.emailed_at is not None
    services.referral_feedback_mark_read(actor=referrer, feedback_id=feedback.pk)
    assert not selectors.feedback_unread_for(actor=referrer).exists()
    with pytest.raises(Http404):
        services.referral_feedback_mark_read(actor=officer, feedback_id=feedback.pk)
    codes = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"referral.triage_started", "referral.decided", "referral.feedback_read"} <= codes


def test_decision_validation(world):
    officer = world.users["front-door-officer"]
    referral = submit(world.users["practitioner"])
    cases = [
        ({"decision_type": "", "rationale": "x"}, "decision_type"),
        ({"decision_type": "maybe", "rationale": "x"}, "decision_type"),
        ({"decision_type": "early-help", "rationale": " "}, "rationale"),
        ({"decision_type": "no-further-action", "rationale": "x"}, "no_further_action_reason"),
        (
            {"decision_type": "early-help", "rationale": "x", "no_further_action_reason": "below-threshold"},
            "no_further_action_reason",
        ),
        (
            {"decision_type": "no-further-action", "rationale": "x", "no_further_action_reason": "bored"},
            "no_further_action_reason",
        ),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as excinfo:
            services.referral_decide(
                actor=officer, referral_id=referral.pk, version=referral.version, **kwargs
            )
        assert field in errors_of(excinfo)
    decided = services.referral_decide(
        actor=officer,
        referral_id=referral.pk,
        version=referral.version,
        decision_type="no-further-action",
        no_further_action_reason="information-only",
        rationale="Recorded for the contexts work; no young person identified.",
    )
    assert decided.decision.no_further_action_reason.code == "information-only"


def test_stale_decision_is_refused(world):
    officer = world.users["front-door-officer"]
    referral = submit(world.users["practitioner"])
    services.referral_triage_start(actor=officer, referral_id=referral.pk, version=referral.version)
    with pytest.raises(ConflictError):
        services.referral_decide(
            actor=officer,
            referral_id=referral.pk,
            version=referral.version,
            decision_type="early-help",
            rationale="x",
        )


def test_only_triage_holders_decide(world):
    referral = submit(world.users["practitioner"])
    with pytest.raises(PermissionDenied):
        services.referral_decide(
            actor=world.users["practitioner"],
            referral_id=referral.pk,
            version=referral.version,
            decision_type="early-help",
            rationale="x",
        )


def test_a_later_decision_supersedes_and_keeps_history(world):
    officer = world.users["front-door-officer"]
    referral = submit(world.users["practitioner"])
    first = services.referral_decide(
        actor=officer,
        referral_id=referral.pk,
        version=referral.version,
        decision_type="early-help",
        rationale="a",
    )
    second = services.referral_decide(
        actor=officer,
        referral_id=referral.pk,
        version=first.version,
        decision_type="referral-to-mace",
        rationale="b",
    )
    assert second.decision.decision_type.code == "referral-to-mace"
    assert second.decisions.count() == 2
    assert ReferralNotification.objects.filter(referral=referral, kind="feedback").count() == 2


def test_regrade_recomputes_due_time(world):
    officer = world.users["front-door-officer"]
    referral = submit(world.users["practitioner"])
    regraded = services.referral_regrade(
        actor=officer,
        referral_id=referral.pk,
        version=referral.version,
        urgency="urgent",
        reason="Going missing tonight",
    )
    assert regraded.urgency.code == "urgent"
    assert regraded.due_by <= referral.due_by
    event = AuditEvent.objects.get(action="referral.regraded")
    assert event.detail["from"] == "standard"
    assert event.detail["to"] == "urgent"
    with pytest.raises(ValidationError) as excinfo:
        services.referral_regrade(
            actor=officer, referral_id=referral.pk, version=regraded.version, urgency="urgent", reason=""
        )
    assert "reason" in errors_of(excinfo)


def test_subject_add_links_a_child_to_a_public_concern(world):
    from harbour.frontdoor.inputs import PublicConcernInput

    receipt = services.referral_submit_public(
        data=PublicConcernInput(
            relationship="parent-carer", what_happened="My son's friend is being given cash."
        ),
        client_address="203.0.113.9",
    )
    referral = Referral.objects.get(reference=receipt.reference)
    officer = world.users["front-door-officer"]
    services.referral_subject_add(
        actor=officer,
        referral_id=referral.pk,
        version=referral.version,
        subject=SubjectInput(person_id=world.outside.pk),
    )
    referral.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.referral_subject_add(
            actor=officer,
            referral_id=referral.pk,
            version=referral.version,
            subject=SubjectInput(person_id=world.outside.pk),
        )
    assert "subject.person_id" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.referral_subject_add(
            actor=officer, referral_id=referral.pk, version=referral.version, subject=new_child(first_name="")
        )
    assert "subject.first_name" in errors_of(excinfo)
    assert AuditEvent.objects.filter(action="referral.subject_added", person_id=world.outside.pk).count() == 1


def test_re_referrals_within_twelve_months(world):
    referrer = world.users["practitioner"]
    old = submit(referrer, about(world.inside))
    Referral.objects.filter(pk=old.pk).update(submitted_at=old.submitted_at - timedelta(days=400))
    recent = submit(referrer, about(world.inside))
    Referral.objects.filter(pk=recent.pk).update(submitted_at=recent.submitted_at - timedelta(days=30))
    unrelated = submit(referrer, about(world.team_case))
    latest = submit(referrer, about(world.inside))
    officer = world.users["front-door-officer"]
    previous = selectors.referral_previous_for(actor=officer, referral=latest)
    assert [r.pk for r in previous] == [recent.pk]
    rows = {row.referral_id: row for row in selectors.referral_queue_for(actor=officer)}
    assert rows[latest.pk].re_referrals == 1
    assert rows[unrelated.pk].re_referrals == 0
