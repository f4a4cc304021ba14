"""Base models shared by every app, and the county's geography as reference data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """UUID key, timestamps, and a version number for optimistic locking."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class ReferenceData(models.Model):
    """A row an administrator can change: a code that never changes and a label that may."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "label"]

    def __str__(self) -> str:
        return self.label


class District(ReferenceData):
    """A local government district of the county (Norfolk has seven)."""

    class Meta(ReferenceData.Meta):
        verbose_name = "district"


class Town(models.Model):
    """A town or place in a district, with the postcode areas that serve it."""

    name = models.CharField(max_length=100, unique=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="towns")
    postcode_districts = models.CharField(
        max_length=200, blank=True, help_text="Outward codes separated by commas, for example NR1,NR2."
    )
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UploadedFile(BaseModel):
    """A file uploaded on an import page and kept, for whoever uploaded it only, until it is imported.

    Each importing app has its own model on this base (its statuses and outcome differ); the shared
    steps are in ``harbour.core.uploads``. The file's bytes are personal data: kept only while the upload
    waits, emptied once it is imported or fails, and by ``harbour tick`` once ``expires_at`` has passed.
    Nothing here goes in a URL, the session or a log.
    """

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # The file as uploaded; None once imported, failed, refused or expired.
    content = models.BinaryField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=300, blank=True, help_text="Why it was not imported.")

    class Meta:
        abstract = True
        ordering = ["-created_at"]
