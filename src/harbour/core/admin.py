from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from harbour.core.models import District, Town


class ReferenceDataAdmin(admin.ModelAdmin):
    """The admin for a reference data table. A row in use is retired (``active`` off), not deleted:
    records keep pointing at it, so deleting is refused by the database (``on_delete=PROTECT``)."""

    list_display = ["label", "code", "active", "sort_order"]
    list_filter = ["active"]
    search_fields = ["label", "code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code is what data, imports and configuration refer to: fixed once the row exists.
        return ("code",) if obj is not None else ()


@admin.register(District)
class DistrictAdmin(ReferenceDataAdmin):
    pass


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "postcode_districts"]
    list_filter = ["district"]
    search_fields = ["name"]
