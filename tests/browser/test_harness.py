"""The harness itself: live-server tests flush the database past the audit table's append-only triggers,
and leave those triggers in place."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from harbour.audit import services as audit
from harbour.audit.models import AuditEvent

pytestmark = pytest.mark.browser


def test_flush_empties_the_audit_table_and_keeps_it_append_only(transactional_db):
    audit.record(None, "harness.check")
    assert AuditEvent.objects.count() == 1

    call_command("flush", interactive=False, verbosity=0)  # what TransactionTestCase does at teardown
    assert AuditEvent.objects.count() == 0

    event = audit.record(None, "harness.check")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    if connection.vendor == "postgresql":
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).action == "harness.check"
