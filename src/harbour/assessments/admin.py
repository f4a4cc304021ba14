"""Reference data an administrator changes: the indicator catalogue, tools, their versions and levels.

Assessments themselves are not in the admin: they are personal data, read and written only through
the app's selectors and services.
"""

from django.contrib import admin

from harbour.assessments.models import (
    Indicator,
    IndicatorCategory,
    RiskLevel,
    ScreeningTool,
    ScreeningToolVersion,
)


@admin.register(IndicatorCategory)
class IndicatorCategoryAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "kind", "active", "sort_order"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "category", "health_restricted", "active"]
    list_filter = ["category", "health_restricted", "active"]
    search_fields = ["label", "code"]


@admin.register(ScreeningTool)
class ScreeningToolAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "active", "sort_order"]


@admin.register(RiskLevel)
class RiskLevelAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "tool", "rank", "review_interval_days", "active"]
    list_filter = ["tool"]


@admin.register(ScreeningToolVersion)
class ScreeningToolVersionAdmin(admin.ModelAdmin):
    """The rule is checked by the model's ``clean`` (the scoring engine's validator) on save."""

    list_display = ["label", "code", "tool", "version", "effective_from", "active"]
    list_filter = ["tool", "active"]
