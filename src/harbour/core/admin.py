from django.contrib import admin

from harbour.core.models import District, Town


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "active", "sort_order"]


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "postcode_districts"]
    list_filter = ["district"]
    search_fields = ["name"]
