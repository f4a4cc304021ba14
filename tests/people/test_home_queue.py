"""The "Your young people" work queue on the home page."""

from __future__ import annotations

from django.urls import reverse


def test_practitioner_sees_their_young_people_on_the_home_page(world):
    html = world.client_for("practitioner").get(reverse("ui:home")).content.decode()
    assert "Your young people" in html
    assert "Jade Bishop" in html
    assert reverse("people:detail", args=[world.inside.pk]) in html
    assert f"Age {world.inside.age}" in html
    assert "You are the lead professional" in html
    assert "Tyler Murray" not in html


def test_manager_sees_who_leads_for_their_teams_young_people(world):
    html = world.client_for("team-manager").get(reverse("ui:home")).content.decode()
    assert "Jade Bishop" in html
    assert f"Lead professional: {world.users['practitioner']}" in html
    assert "Break-glass uses to review" in html
    assert "No break-glass uses are waiting for your review." in html


def test_empty_queue_says_so(world):
    html = world.client_for("police-intelligence-officer").get(reverse("ui:home")).content.decode()
    assert "No young people are allocated to you." in html


def test_roles_without_casework_do_not_get_the_queue(world):
    html = world.client_for("data-protection-officer").get(reverse("ui:home")).content.decode()
    assert "Your young people" not in html
