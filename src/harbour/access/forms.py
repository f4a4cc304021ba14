"""Forms for ending a colleague's access and reviewing break-glass uses.

Forms that ask about a person (break-glass, giving a grant) live in ``harbour.people.forms``: the
access app may not import the people app or the UI shell (see the import-linter contracts).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from harbour.access.models import AccessGrant


def _grant_label(grant: AccessGrant) -> str:
    from django.utils import timezone

    ends = timezone.localtime(grant.expires_at).strftime("%-d %B %Y at %H:%M")
    return f"{grant.grantee}, until {ends}, given by {grant.granted_by}: {grant.reason}"


class GrantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _grant_label(obj)


class GrantRevokeForm(forms.Form):
    """End one of the time-limited grants in force, chosen from those on one record.

    The choices are the grants in force; the view still checks that the actor may manage access to
    the grant's record before revoking it.
    """

    grant = GrantChoiceField(
        label="Whose access do you want to end?",
        queryset=AccessGrant.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select whose access to end.",
            "invalid_choice": "That access has already ended. Choose another, or go back.",
        },
    )

    def __init__(self, *args: Any, person_id: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        grants: QuerySet[AccessGrant] = AccessGrant.objects.active().select_related(
            "grantee", "granted_by", "person"
        )
        if person_id is not None:
            grants = grants.filter(person_id=person_id)
        field = self.fields["grant"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = grants.order_by("expires_at")

    @property
    def grants(self) -> QuerySet[AccessGrant]:
        field = self.fields["grant"]
        assert isinstance(field, forms.ModelChoiceField)
        return field.queryset  # type: ignore[return-value]


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(
        label="Your review",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, whether the reason was good and what you have done about it.",
    )
