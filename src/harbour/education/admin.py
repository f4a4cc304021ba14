"""Reference data an administrator changes: terms, kinds of exclusion, DfE reasons, outcomes of
children-missing-education cases and the enquiry timescales. Education records are personal data and
are not in the admin: they are read and written only through the app's selectors and services."""

from django.contrib import admin

from harbour.core.admin import ReferenceDataAdmin
from harbour.education.models import (
    EnquiryTimescale,
    ExclusionKind,
    ExclusionReason,
    MissingEducationOutcome,
    Term,
)

admin.site.register([Term, MissingEducationOutcome], ReferenceDataAdmin)


@admin.register(ExclusionKind)
class ExclusionKindAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "permanent", "active", "sort_order"]


@admin.register(ExclusionReason)
class ExclusionReasonAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "dfe_code", "active", "sort_order"]


@admin.register(EnquiryTimescale)
class EnquiryTimescaleAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "days", "active"]
