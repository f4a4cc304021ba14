"""Only the reference data of the people app is administered here; people themselves are not."""

from django.contrib import admin

from harbour.people.models import Ethnicity, Gender, NameVariant, RelationshipType, School


@admin.register(Gender, Ethnicity)
class SimpleReferenceAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "active", "sort_order"]


@admin.register(RelationshipType)
class RelationshipTypeAdmin(admin.ModelAdmin):
    list_display = ["label", "inverse_label", "is_parent_or_carer", "active"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "phase", "town"]
    search_fields = ["name", "urn"]


@admin.register(NameVariant)
class NameVariantAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "variants", "active"]
    search_fields = ["code", "label", "variants"]
