"""Reference data is something an administrator changes, not a constant: every reference table is in
the Django admin, and a row's code, which data and configuration refer to, is fixed once it exists."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin

from harbour.core.models import ReferenceData

pytestmark = pytest.mark.django_db


def test_every_reference_table_is_in_the_admin():
    tables = [m for m in apps.get_models() if issubclass(m, ReferenceData)]
    assert len(tables) > 25
    missing = sorted(m._meta.label for m in tables if not admin.site.is_registered(m))
    assert missing == []


@pytest.fixture
def admin_client(world):
    administrator = world.users["system-administrator"]
    administrator.is_staff = True
    administrator.is_superuser = True
    administrator.save()
    return world.client_for(administrator)


def test_an_administrator_changes_a_label_but_not_the_code(admin_client):
    from harbour.frontdoor.models import Urgency

    urgency = Urgency.objects.get(code="urgent")
    url = f"/admin/frontdoor/urgency/{urgency.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    response = admin_client.post(
        url,
        {
            "code": "changed",
            "label": "Urgent: same working day",
            "description": urgency.description,
            "active": "on",
            "sort_order": str(urgency.sort_order),
            "working_days_to_decide": "0",
        },
    )
    assert response.status_code == 302
    urgency.refresh_from_db()
    assert urgency.label == "Urgent: same working day"
    assert urgency.code == "urgent"
