"""The audit trail pages: who viewed or changed which record, when and why; who may see that; export."""

from __future__ import annotations

import csv
import io
import uuid

from django.urls import reverse

from harbour.audit import selectors
from harbour.audit.models import AuditEvent


def _view_both(world):
    """Practitioner opens Jade's record; the Breckland worker opens Tyler's."""
    world.client_for("practitioner").get(reverse("people:detail", args=[world.inside.pk]))
    world.client_for(world.breckland_worker).get(reverse("people:detail", args=[world.outside.pk]))


def test_dpo_sees_any_persons_history(world):
    _view_both(world)
    dpo = world.client_for("data-protection-officer")
    for person, viewer in ((world.inside, "practitioner"), (world.outside, "breckland_worker")):
        page = dpo.get(reverse("audit:person", args=[person.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Who viewed or changed this record, when, and why" in html
        assert viewer in html
        assert "Viewed the record" in html
    viewed = AuditEvent.objects.filter(action="audit.viewed", actor_username="data_protection_officer")
    assert viewed.count() == 2  # once per page view
    assert {str(event.person_id) for event in viewed} == {str(world.inside.pk), str(world.outside.pk)}


def test_team_manager_sees_only_their_networks_history(world):
    _view_both(world)
    manager = world.client_for("team-manager")
    assert manager.get(reverse("audit:person", args=[world.inside.pk])).status_code == 200
    assert manager.get(reverse("audit:person", args=[world.outside.pk])).status_code == 404
    page = manager.get(reverse("audit:search"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Jade Bishop" in html
    assert "Tyler Murray" not in html
    assert "breckland_worker" not in html
    # Asking for the other person by id finds nothing rather than leaking it.
    html = manager.get(reverse("audit:search"), {"person": str(world.outside.pk)}).content.decode()
    assert "No events match" in html


def test_practitioner_cannot_see_the_audit_trail(world):
    practitioner = world.client_for("practitioner")
    assert practitioner.get(reverse("audit:search")).status_code == 403
    assert practitioner.get(reverse("audit:person", args=[world.inside.pk])).status_code in (403, 404)
    assert practitioner.post(reverse("audit:export")).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


def test_dpo_search_filters_and_labels(world):
    _view_both(world)
    dpo = world.client_for("data-protection-officer")
    page = dpo.get(
        reverse("audit:search"), {"action": "person.viewed", "actor": str(world.breckland_worker.pk)}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tyler Murray" in html
    assert "Jade Bishop" not in html
    assert "Viewed the record" in html
    assert "Name only" not in html or "Full record" in html
    assert "Breckland Youth Service" in html


def test_filter_form_redirects_to_a_url_without_names(world):
    dpo = world.client_for("data-protection-officer")
    response = dpo.post(
        reverse("audit:search"),
        {"user": "breckland_worker", "action": "person.viewed", "date_from": "1/1/2020", "person": ""},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert "breckland_worker" not in location
    assert f"actor={world.breckland_worker.pk}" in location
    assert "from=2020-01-01" in location
    page = dpo.get(location)
    assert page.status_code == 200
    assert 'value="breckland_worker"' in page.content.decode()  # the form shows who it is


def test_filter_form_errors_are_422(world):
    dpo = world.client_for("data-protection-officer")
    response = dpo.post(reverse("audit:search"), {"user": "nobody", "date_from": "31/2/2025"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "No one has that username" in html
    assert "govuk-error-summary" in html
    assert dpo.get(reverse("audit:search"), {"person": "not-a-uuid"}).status_code == 400


def test_csv_export_is_audited_and_contains_the_events(world):
    _view_both(world)
    dpo = world.client_for("data-protection-officer")
    assert dpo.get(reverse("audit:export"), {"person": str(world.inside.pk)}).status_code == 405
    response = dpo.post(reverse("audit:export"), {"person": str(world.inside.pk)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows
    assert {row["person_id"] for row in rows} == {str(world.inside.pk)}
    assert "person.viewed" in {row["action"] for row in rows}
    assert any(row["actor_username"] == "practitioner" for row in rows)
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.detail["rows"] == len(rows)
    assert exported.detail["filters"] == {"person": str(world.inside.pk)}
    assert exported.actor_username == "data_protection_officer"


def test_export_form_carries_the_filter_as_ids(world):
    _view_both(world)
    dpo = world.client_for("data-protection-officer")
    html = dpo.get(reverse("audit:person", args=[world.inside.pk])).content.decode()
    assert f'action="{reverse("audit:export")}"' in html
    assert f'name="person" value="{world.inside.pk}"' in html
    manager = world.client_for("team-manager")
    manager_html = manager.get(reverse("audit:person", args=[world.inside.pk])).content.decode()
    assert reverse("audit:export") not in manager_html
    assert manager.post(reverse("audit:export")).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_csv_cells_cannot_run_as_formulas(world):
    from harbour.audit import services as audit

    audit.record(world.users["practitioner"], "person.viewed", world.inside, reason='=HYPERLINK("x")')
    response = world.client_for("data-protection-officer").post(reverse("audit:export"))
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body


def test_person_changes_are_writes_only(world):
    world.client_for("practitioner").get(reverse("people:detail", args=[world.inside.pk]))
    world.client_for("practitioner").post(
        reverse("people:alias_add", args=[world.inside.pk]), {"name": "JB", "kind": "nickname"}
    )
    actions = [
        event.action
        for event in selectors.person_changes_for(
            actor=world.users["practitioner"], person_id=world.inside.pk
        )
    ]
    assert actions == ["person.alias_added"]


def test_person_changes_are_only_for_those_who_see_in_full(world):
    import pytest
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.person_changes_for(actor=world.users["practitioner"], person_id=world.outside.pk)
    with pytest.raises(Http404):
        selectors.person_changes_for(actor=world.users["practitioner"], person_id=uuid.uuid4())


def test_action_labels_fall_back_to_words():
    assert selectors.action_label("person.address_added") == "Added an address (moved)"
    # A code with no label yet (a module added without one) still reads as words.
    assert selectors.action_label("future_thing.was_done") == "Future thing: was done"
