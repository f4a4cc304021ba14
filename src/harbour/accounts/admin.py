"""Django admin for reference data, agencies, teams and users: system administrators only.

Personal data (people, audit events) is deliberately not registered here: the admin bypasses the
policy layer and the audit trail, so records of young people are only reached through Harbour's pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from harbour.accounts.capabilities import CAPABILITIES
from harbour.accounts.mfa import user_has_mfa
from harbour.accounts.models import Agency, AgencyType, ApiToken, Membership, Role, Team, User


def _system_administrator_only(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(
        user.is_active
        and user.is_authenticated
        and user.is_staff
        and user.has_capability("admin.system")
        and user_has_mfa(user)
    )


def _sign_in_through_harbour(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin has no sign-in form of its own: Django's would accept a password without MFA."""
    if request.user.is_authenticated:
        # Signed in but not a system administrator: sending them to sign in again would loop.
        raise PermissionDenied("Administration is for system administrators.")
    return redirect_to_login(
        request.GET.get("next", reverse("admin:index")), login_url=reverse("account_login")
    )


admin.site.has_permission = _system_administrator_only  # type: ignore[method-assign]
admin.site.login = _sign_in_through_harbour  # type: ignore[method-assign]
admin.site.site_header = "Harbour administration"
admin.site.site_title = "Harbour administration"
admin.site.index_title = "Reference data, agencies, teams and users"


class RoleForm(forms.ModelForm):
    capabilities = forms.MultipleChoiceField(
        choices=sorted(CAPABILITIES.items()), widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Role
        fields = ["code", "label", "description", "capabilities", "manages_team", "active", "sort_order"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleForm
    list_display = ["label", "code", "manages_team", "active"]


@admin.register(AgencyType)
class AgencyTypeAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "active", "sort_order"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ["name", "contact_phone", "contact_email"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "agency_type", "district"]
    list_filter = ["agency_type", "district"]
    search_fields = ["name"]
    inlines = [TeamInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fk_name = "user"
    fields = ["team", "role", "is_primary", "starts_on", "ends_on"]
    autocomplete_fields = ["team"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "agency"]
    list_filter = ["agency__agency_type"]
    search_fields = ["name", "agency__name"]


@admin.register(User)
class HarbourUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "display_name", "email", "is_active", "last_login"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Harbour", {"fields": ("display_name", "job_title", "phone")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["token_hash", "hint", "last_used_at"]
    fields = ["user", "name", "hint", "token_hash", "expires_at", "revoked_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made with `harbour token create`, which shows the token once
