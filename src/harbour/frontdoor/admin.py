"""Reference data an administrator changes: concern types, urgencies and their timescales, decision
types, no-further-action reasons, lawful bases for sharing and context types. Referrals are personal
data and are not in the admin: they are read and written only through the app's selectors and
services."""

from django.contrib import admin

from harbour.core.admin import ReferenceDataAdmin
from harbour.frontdoor.models import (
    ConcernType,
    ContextType,
    DecisionType,
    LawfulBasis,
    NoFurtherActionReason,
    Urgency,
)

admin.site.register([ConcernType, NoFurtherActionReason, ContextType], ReferenceDataAdmin)


@admin.register(Urgency)
class UrgencyAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "working_days_to_decide", "active", "sort_order"]


@admin.register(DecisionType)
class DecisionTypeAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "needs_reason", "active", "sort_order"]


@admin.register(LawfulBasis)
class LawfulBasisAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "article_6", "active", "sort_order"]
