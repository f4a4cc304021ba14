"""Reference data an administrator changes: kinds of episode, settings, police risk grades, how young
people were found and returned, push and pull factors, reasons for declining an interview, and the
triggers. Episodes, interviews and profiles are personal data and are not in the admin."""

from django.contrib import admin

from harbour.core.admin import ReferenceDataAdmin
from harbour.missing.models import (
    DeclineReason,
    EpisodeKind,
    FoundBy,
    MissingSetting,
    MissingTrigger,
    PoliceRiskGrade,
    PushPullFactor,
    ReturnMethod,
)

admin.site.register([FoundBy, ReturnMethod, DeclineReason], ReferenceDataAdmin)


@admin.register(EpisodeKind)
class EpisodeKindAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "ssda903_code", "active", "sort_order"]


@admin.register(MissingSetting)
class MissingSettingAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "in_care", "active", "sort_order"]


@admin.register(PoliceRiskGrade)
class PoliceRiskGradeAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "rank", "active", "sort_order"]


@admin.register(PushPullFactor)
class PushPullFactorAdmin(ReferenceDataAdmin):
    list_display = ["label", "code", "direction", "active", "sort_order"]
    list_filter = ["direction", "active"]


@admin.register(MissingTrigger)
class MissingTriggerAdmin(ReferenceDataAdmin):
    """The rule is checked by the model's ``clean`` (``trigger_rules.validate_rule``) on save."""

    list_display = ["label", "code", "active", "sort_order"]
