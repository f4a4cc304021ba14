from django.contrib import admin

from harbour.access.models import NetworkRole, SensitivityLabel


@admin.register(NetworkRole)
class NetworkRoleAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "grants_access", "active", "sort_order"]


@admin.register(SensitivityLabel)
class SensitivityLabelAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "required_capability", "active"]
    filter_horizontal = ["allowed_agency_types"]
