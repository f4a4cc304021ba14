"""The front door's staff pages as their users see them: the referral form, the queue, the referral page with
triage and decisions, and the referrer's outcomes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.frontdoor import services
from harbour.frontdoor.models import Referral, ReferralNotification, Urgency
from harbour.people.models import Person
from tests.frontdoor.helpers import about, referral_input, submit
from tests.ui.html import parse

pytestmark = pytest.mark.django_db

NEW = reverse("frontdoor:referral_new")


def form_data(**changes: Any) -> dict[str, Any]:
    """A complete referral form about one new young person, as the browser posts it."""
    data: dict[str, Any] = {
        "form_token": uuid.uuid4().hex,
        "action": "send",
        "subjects-TOTAL_FORMS": "1",
        "subjects-INITIAL_FORMS": "0",
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "20",
        "subjects-0-person": "new",
        "subjects-0-first_name": "Kacey",
        "subjects-0-last_name": "Holt",
        "subjects-0-date_of_birth_day": "2",
        "subjects-0-date_of_birth_month": "5",
        "subjects-0-date_of_birth_year": "2011",
        "subjects-0-gender": "female",
        "subjects-0-postcode": "NR2 4AB",
        "contexts-TOTAL_FORMS": "0",
        "contexts-INITIAL_FORMS": "0",
        "contexts-MIN_NUM_FORMS": "0",
        "contexts-MAX_NUM_FORMS": "10",
        "concern_types": ["child-criminal-exploitation", "county-lines"],
        "what_happened": "Seen being driven to Great Yarmouth by an older man late at night.",
        "happened_on_day": "",
        "happened_on_month": "",
        "happened_on_year": "",
        "happened_on_estimate": "over the last few weeks",
        "location_text": "Great Yarmouth seafront",
        "location_postcode": "NR30 2EZ",
        "people_of_concern": "An older man known as 'T'.",
        "young_person_words": "  He said 'I owe them, I have to go'.  ",
        "urgency": "urgent",
        "parents_aware": "no",
        "parents_not_aware_reason": "Telling them could put her at risk from the man.",
        "consent": "not-sought",
        "lawful_basis": "public-task-safeguarding",
        "lawful_basis_note": "",
        "referrer_phone": "01603 000 000",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def page_of(response: Any) -> Any:
    return parse(response.content)


def errors_on(response: Any) -> list[str]:
    """The messages in the page's error summary."""
    page = page_of(response)
    summary = page.find_all("div", cls="govuk-error-summary")
    return [item.text for item in summary[0].find_all("li")] if summary else []


# --- the referral form ---------------------------------------------------------------------------------


def test_the_form_shows_its_sections_and_a_token(world):
    response = world.client_for("practitioner").get(NEW)
    assert response.status_code == 200
    page = page_of(response)
    token = page.find("input", name="form_token").attrs["value"]
    assert len(token) == 32
    html = response.content.decode()
    for words in (
        "Young person 1",
        "Add a place or group",
        "County lines",  # concern types from reference data
        "Immediate risk of harm",
        "Decide by the end of the same working day",  # the urgency's timescale
        "DPA 2018 Schedule 1 paragraph 18",  # the lawful basis help
        "Save as draft",
        "call 999",
    ):
        assert words in html, words
    # No inline script or style (the CSP forbids them).
    assert "style=" not in html
    assert "<script>" not in html


def test_submitting_the_form_makes_a_referral_and_shows_the_reference(world):
    client = world.client_for("practitioner")
    response = client.post(NEW, form_data())
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("frontdoor:referral_sent", args=[referral.pk])
    assert referral.referrer == world.users["practitioner"]
    assert referral.urgency.code == "urgent"
    assert sorted(referral.concern_types.values_list("code", flat=True)) == [
        "child-criminal-exploitation",
        "county-lines",
    ]
    assert referral.young_person_words == "  He said 'I owe them, I have to go'.  "  # their words, as written
    subject = referral.subjects.get()
    assert subject.created_as_new
    assert (subject.person.first_name, subject.person.last_name) == ("Kacey", "Holt")

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert referral.reference in html
    due = timezone.localtime(referral.due_by)
    assert due.strftime("%H:%M") in html
    assert f"{due.day} {due.strftime('%B %Y')}" in html


def test_sending_the_same_form_twice_makes_one_referral(world):
    client = world.client_for("practitioner")
    data = form_data()
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    assert Referral.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert Person.objects.filter(first_name="Kacey").count() == 1


def test_a_known_young_person_chosen_from_the_matches_is_linked_not_recreated(world):
    client = world.client_for("practitioner")
    data = form_data(
        **{"subjects-0-person": str(world.inside.pk), "subjects-0-first_name": "", "subjects-0-last_name": ""}
    )
    data = {key: value for key, value in data.items() if not key.startswith("subjects-0-date_of_birth")}
    response = client.post(NEW, data)
    assert response.status_code == 302
    subject = Referral.objects.get().subjects.get()
    assert subject.person == world.inside
    assert not subject.created_as_new


def test_a_place_alone_is_enough(world):
    data = form_data(
        **{
            "subjects-TOTAL_FORMS": "0",
            "contexts-TOTAL_FORMS": "1",
            "contexts-0-name": "Chapelfield Gardens",
            "contexts-0-context_type": "park-open-space",
            "contexts-0-postcode": "NR2 1NY",
            "contexts-0-latitude": "52.6258",
            "contexts-0-longitude": "1.2889",
        }
    )
    response = world.client_for("practitioner").post(NEW, data)
    assert response.status_code == 302
    context = Referral.objects.get().contexts.get()
    assert (context.name, context.context_type.code, str(context.latitude)) == (
        "Chapelfield Gardens",
        "park-open-space",
        "52.62580",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"concern_types": None}, "Select at least one kind of concern."),
        ({"what_happened": ""}, "Enter what happened."),
        ({"urgency": None}, "Select how urgent this is."),
        ({"parents_aware": None}, "Select whether the parents or carers know about this referral."),
        ({"parents_not_aware_reason": ""}, "Say why the parents or carers do not know."),
        ({"consent": None}, "Select whether they agreed to you sharing this."),
        ({"lawful_basis": None}, "Select the lawful basis for sharing without consent."),
        ({"subjects-0-first_name": ""}, "Enter the young person's first name."),
        ({"subjects-0-last_name": ""}, "Enter the young person's last name, or 'Not known'."),
        ({"subjects-0-date_of_birth_month": ""}, "Date of birth must include a month"),
        ({"subjects-0-date_of_birth_year": "2099"}, "Date of birth must be today or in the past"),
        ({"subjects-0-nhs_number": "123"}, "NHS number"),
        (
            {"happened_on_day": "31", "happened_on_month": "2", "happened_on_year": "2026"},
            "Date it happened must be a real date",
        ),
        ({"urgency": "whenever"}, "Select how urgent this is."),
        ({"concern_types": ["not-a-concern"]}, "Select the kinds of concern from the list."),
        (
            {"subjects-TOTAL_FORMS": "0"},
            "Add at least one young person, or the place or group the concern is about.",
        ),
    ],
)
def test_each_required_answer_is_asked_for_by_name(world, changes, message):
    response = world.client_for("practitioner").post(NEW, form_data(**changes))
    assert response.status_code == 422
    errors = errors_on(response)
    assert any(message in error for error in errors), errors
    assert Referral.objects.count() == 0
    # What was typed is kept.
    assert (
        "Seen being driven to Great Yarmouth" in response.content.decode()
        or changes.get("what_happened") == ""
    )
    assert response.content.decode().count("<title>Error: ") == 1


def test_a_place_needs_a_name_and_a_kind(world):
    data = form_data(
        **{"contexts-TOTAL_FORMS": "1", "contexts-0-postcode": "NR2 1NY", "contexts-0-latitude": "52.6"}
    )
    response = world.client_for("practitioner").post(NEW, data)
    assert response.status_code == 422
    errors = errors_on(response)
    assert "Enter the name of the place or group." in errors
    assert "Choose what kind of place or group it is." in errors
    assert "Enter the longitude too, or neither." in errors
    page = page_of(response)
    links = [a.attrs["href"] for a in page.find("div", cls="govuk-error-summary").find_all("a")]
    assert "#id_contexts-0-name" in links


def test_adding_and_removing_rows_keeps_what_was_typed(world):
    client = world.client_for("practitioner")
    data = form_data(action="add-subject")
    response = client.post(NEW, data)
    assert response.status_code == 200
    page = page_of(response)
    assert page.find("input", name="subjects-1-first_name")
    assert page.find("input", name="subjects-0-first_name").attrs["value"] == "Kacey"
    assert page.find("input", name="form_token").attrs["value"] == data["form_token"]
    assert errors_on(response) == []  # not judged yet

    data = form_data(
        **{
            "action": "remove-subject-0",
            "subjects-TOTAL_FORMS": "2",
            "subjects-1-first_name": "Riley",
            "subjects-1-last_name": "Holt",
        }
    )
    page = page_of(client.post(NEW, data))
    assert page.find("input", name="subjects-0-first_name").attrs["value"] == "Riley"
    assert not page.find_all("input", name="subjects-1-first_name")
    assert Referral.objects.count() == 0


def test_roles_without_referral_submit_cannot_refer(world):
    for role in ("analyst", "system-administrator", "partnership-leader"):
        assert world.client_for(role).get(NEW).status_code == 403, role


# --- the triage queue --------------------------------------------------------------------------------------


def test_the_queue_is_ordered_by_urgency_then_waiting_time_and_marks_breaches(world):
    referrer = world.users["practitioner"]
    standard_old = submit(referrer, referral_input(urgency="standard", **_park()))
    urgent = submit(referrer, referral_input(urgency="urgent", **_park()))
    standard_new = submit(referrer, referral_input(urgency="standard", **_park()))
    Referral.objects.filter(pk=standard_old.pk).update(
        submitted_at=timezone.now() - timedelta(days=10), due_by=timezone.now() - timedelta(days=8)
    )
    response = world.client_for("front-door-officer").get(reverse("frontdoor:queue"))
    assert response.status_code == 200
    rows = page_of(response).find("tbody").find_all("tr")
    references = [row.find("th").find("a").text for row in rows]
    assert references == [urgent.reference, standard_old.reference, standard_new.reference]
    assert "Overdue" in rows[1].text
    assert "Overdue" not in rows[0].text
    assert "Overdue" not in rows[2].text
    assert 'data-module="moj-sortable-table"' in response.content.decode()


def _park() -> dict[str, Any]:
    from tests.frontdoor.helpers import park

    return {"contexts": [park()]}


def test_the_queue_shows_re_referrals_and_names(world):
    referrer = world.users["practitioner"]
    submit(referrer, about(world.inside))
    second = submit(referrer, about(world.inside))
    response = world.client_for("front-door-officer").get(reverse("frontdoor:queue"))
    row = next(r for r in page_of(response).find("tbody").find_all("tr") if second.reference in r.text)
    assert "Jade Bishop" in row.text
    assert "1 referral in the last 12 months" in row.text


def test_only_the_front_door_has_the_queue(world):
    assert world.client_for("practitioner").get(reverse("frontdoor:queue")).status_code == 403
    assert world.client_for("front-door-officer").get(reverse("frontdoor:queue")).status_code == 200


def test_home_page_queues(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    officer_home = world.client_for("front-door-officer").get(reverse("ui:home")).content.decode()
    assert "Referrals to triage" in officer_home
    assert referral.reference in officer_home
    practitioner_home = world.client_for("practitioner").get(reverse("ui:home")).content.decode()
    assert "Outcomes of your referrals" in practitioner_home
    assert "Referrals to triage" not in practitioner_home


# --- the referral page, triage and decisions ---------------------------------------------------------------


def test_officer_sees_re_referrals_starts_triage_and_decides(world, mailoutbox):
    referrer = world.users["practitioner"]
    earlier = submit(referrer, about(world.inside))
    referral = submit(referrer, about(world.inside))
    client = world.client_for("front-door-officer")
    url = reverse("frontdoor:referral", args=[referral.pk])

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Referred before" in html
    assert earlier.reference in html
    assert "Jade Bishop" in html
    assert "Start triage" in html

    started = client.post(
        reverse("frontdoor:triage_start", args=[referral.pk]), {"version": referral.version}
    )
    assert started.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TRIAGE
    assert referral.triaged_by == world.users["front-door-officer"]

    decided = client.post(
        reverse("frontdoor:decide", args=[referral.pk]),
        {
            "version": referral.version,
            "decision_type": "joint-exploitation-screening",
            "rationale": "Repeat concern; screen jointly with police today.",
            "next_steps": "Screening meeting at 2pm.",
        },
    )
    assert decided.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECIDED
    assert referral.decision.decision_type.code == "joint-exploitation-screening"
    after = client.get(url).content.decode()
    assert "Joint exploitation screening" in after
    assert "Repeat concern; screen jointly with police today." in after
    assert "Triage started" in after
    assert "Record the decision" not in after  # decided: no more triage actions


def test_no_further_action_needs_a_reason(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    response = world.client_for("front-door-officer").post(
        reverse("frontdoor:decide", args=[referral.pk]),
        {"version": referral.version, "decision_type": "no-further-action", "rationale": "Information only."},
    )
    assert response.status_code == 422
    assert "Choose why there is no further action." in errors_on(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


def test_a_decision_on_a_stale_version_is_refused_and_explained(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    opened_version = referral.version
    # A colleague takes it for triage after this officer opened the page.
    services.referral_triage_start(
        actor=world.users["front-door-officer"], referral_id=referral.pk, version=opened_version
    )
    response = world.client_for("front-door-officer").post(
        reverse("frontdoor:decide", args=[referral.pk]),
        {
            "version": opened_version,
            "decision_type": "early-help",
            "rationale": "Family asked for support.",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this referral" in html
    assert "nothing you sent has been saved" in html
    page = page_of(response)
    assert page.find("textarea", name="rationale").text == "Family asked for support."
    referral.refresh_from_db()
    assert page.find("form", id="decision").find("input", name="version").attrs["value"] == str(
        referral.version
    )
    assert referral.decision is None


def test_regrading_changes_the_urgency_and_due_time(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    response = world.client_for("front-door-officer").post(
        reverse("frontdoor:regrade", args=[referral.pk]),
        {"version": referral.version, "urgency": "immediate-risk", "reason": "Missing tonight."},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.urgency == Urgency.objects.get(code="immediate-risk")
    assert AuditEvent.objects.filter(action="referral.regraded", object_id=str(referral.pk)).exists()


def test_a_young_person_is_linked_to_a_public_concern(world):
    receipt = services.referral_submit_public(
        data=_public_input(), client_address="192.0.2.1", idempotency_key=uuid.uuid4().hex
    )
    referral = Referral.objects.get(reference=receipt.reference)
    client = world.client_for("front-door-officer")
    page = client.get(reverse("frontdoor:referral", args=[referral.pk])).content.decode()
    assert "Link a young person to this concern" in page
    response = client.post(
        reverse("frontdoor:subject_add", args=[referral.pk]),
        {"version": referral.version, "subject-person": str(world.outside.pk)},
    )
    assert response.status_code == 302
    assert list(referral.subjects.values_list("person_id", flat=True)) == [world.outside.pk]


def _public_input() -> Any:
    from harbour.frontdoor.inputs import PublicConcernInput

    return PublicConcernInput(relationship="business", what_happened="Two girls brought to the hotel by men.")


def test_triage_actions_need_the_triage_capability(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    client = world.client_for("practitioner")  # the referrer can read it but not triage it
    page = client.get(reverse("frontdoor:referral", args=[referral.pk]))
    assert page.status_code == 200
    assert "Record the decision" not in page.content.decode()
    for name in ("triage_start", "decide", "regrade", "subject_add"):
        response = client.post(
            reverse(f"frontdoor:{name}", args=[referral.pk]), {"version": referral.version}
        )
        assert response.status_code == 403, name


def test_referrals_are_404_to_those_who_may_not_see_them(world):
    referral = submit(world.users["practitioner"], referral_input(**_park()))
    assert (
        world.client_for("analyst").get(reverse("frontdoor:referral", args=[referral.pk])).status_code == 404
    )
    missing = reverse("frontdoor:referral", args=[uuid.uuid4()])
    assert world.client_for("front-door-officer").get(missing).status_code == 404


# --- the referrer hears the outcome ------------------------------------------------------------------------


def test_referrer_sees_the_outcome_and_marks_it_read(world):
    referrer = world.users["practitioner"]
    referral = submit(referrer, about(world.inside))
    services.referral_decide(
        actor=world.users["front-door-officer"],
        referral_id=referral.pk,
        version=referral.version,
        decision_type="no-further-action",
        no_further_action_reason="already-supported",
        rationale="Already open to the adolescent team.",
    )
    client = world.client_for("practitioner")
    home = client.get(reverse("ui:home")).content.decode()
    assert "Outcomes of your referrals" in home
    assert referral.reference in home

    sent = client.get(reverse("frontdoor:sent"))
    html = sent.content.decode()
    assert "No further action" in html
    assert "Already being supported" in html
    assert "New outcomes" in html
    notice = ReferralNotification.objects.get(referral=referral)
    response = client.post(reverse("frontdoor:feedback_read", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "New outcomes" not in client.get(reverse("frontdoor:sent")).content.decode()


def test_no_one_else_can_mark_a_referrers_outcome_read(world):
    referral = submit(world.users["practitioner"], about(world.inside))
    services.referral_decide(
        actor=world.users["front-door-officer"],
        referral_id=referral.pk,
        version=referral.version,
        decision_type="early-help",
        rationale="Early help offered.",
    )
    notice = ReferralNotification.objects.get(referral=referral)
    response = world.client_for("team-manager").post(reverse("frontdoor:feedback_read", args=[notice.pk]))
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_checking_for_matches_without_javascript_shows_the_people_already_known(world):
    client = world.client_for("practitioner")
    data = form_data(
        action="matches-subjects-0",
        **{
            "subjects-0-first_name": "Jade",
            "subjects-0-last_name": "Bishop",
            "subjects-0-date_of_birth_day": "2",
            "subjects-0-date_of_birth_month": "4",
            "subjects-0-date_of_birth_year": "2011",
            "subjects-0-person": "",
        },
    )
    response = client.post(NEW, data)
    assert response.status_code == 200
    page = page_of(response)
    radios = page.find_all("input", name="subjects-0-person")
    assert str(world.inside.pk) in [radio.attrs["value"] for radio in radios]
    assert "new" in [radio.attrs["value"] for radio in radios]
    assert Referral.objects.count() == 0
    assert AuditEvent.objects.filter(action="person.matches_viewed").count() == 1

    # The choice survives the form being drawn again (here, after a mistake elsewhere).
    data.update({"action": "send", "subjects-0-person": str(world.inside.pk), "what_happened": ""})
    again = page_of(client.post(NEW, data))
    chosen = [r for r in again.find_all("input", name="subjects-0-person") if "checked" in r.attrs]
    assert [r.attrs["value"] for r in chosen] == [str(world.inside.pk)]


def test_the_live_matches_are_asked_for_with_this_young_persons_fields_only(world):
    page = page_of(world.client_for("practitioner").get(NEW))
    region = page.find("div", hx_post=reverse("people:matches"))
    assert region.attrs["hx-target"] == "#subjects-0-matches"
    assert region.attrs["hx-trigger"] == (
        "keyup changed delay:400ms, change from:(#id_subjects-0-gender, #id_subjects-0-school)"
    )
    params = region.attrs["hx-params"].split(",")
    assert "subjects-0-first_name" in params
    assert "what_happened" not in params  # the rest of the referral is not sent to the people app
    assert page.find_all(id="subjects-0-matches")
