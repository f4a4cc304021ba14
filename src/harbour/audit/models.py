"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One read or write of personal data, or a security event. Never updated, never deleted.

    Actor and agency are copied as text so that the trail reads the same after a user leaves.
    ``person_id`` is set whenever the event concerns a person's record, so a data protection officer
    can ask "who saw this child's record?" with one indexed query.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_agency = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    person_id = models.UUIDField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["person_id", "-occurred_at"], name="audit_person_time")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} by {self.actor_username or 'system'}"
