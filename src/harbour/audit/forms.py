"""The audit trail filter. Plain Django forms: the audit app may not import the UI shell."""

from __future__ import annotations

from typing import Any

from django import forms

from harbour.audit import selectors
from harbour.audit.selectors import AuditFilters

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y-%m-%d"]


def _action_choices() -> list[tuple[str, str]]:
    entities = sorted({code.split(".")[0] for code in selectors.ACTION_LABELS})
    groups = [(f"{entity}.", f"Any {entity.replace('_', ' ')} event") for entity in entities]
    codes = sorted(selectors.ACTION_LABELS.items(), key=lambda item: item[1])
    return [("", "Any action"), *codes, *groups]


class AuditFilterForm(forms.Form):
    person = forms.UUIDField(
        label="Record id",
        required=False,
        help_text="Use the audit trail link on a person's page to fill this in.",
        error_messages={"invalid": "Enter a record id, like 0b6b8c52-1c55-4a86-9b1e-3f1d0e9a2c47."},
    )
    user = forms.CharField(label="Username", required=False, max_length=150)
    action = forms.ChoiceField(label="What was done", required=False, choices=_action_choices)
    date_from = forms.DateField(
        label="From",
        required=False,
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2026",
        error_messages={"invalid": "The from date must be a real date, like 27/3/2026."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2026",
        error_messages={"invalid": "The to date must be a real date, like 27/3/2026."},
    )

    def clean_user(self) -> Any:
        username = (self.cleaned_data.get("user") or "").strip()
        if not username:
            return None
        user_id = selectors.user_id_for_username(username)
        if user_id is None:
            raise forms.ValidationError("No one has that username.")
        return user_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The to date must be the same as or after the from date.")
        return cleaned

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            person_id=data.get("person"),
            actor_id=data.get("user"),
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    @staticmethod
    def initial_for(filters: AuditFilters) -> dict[str, Any]:
        return {
            "person": filters.person_id,
            "user": selectors.username_for(filters.actor_id),
            "action": filters.action,
            "date_from": filters.date_from.strftime("%-d/%-m/%Y") if filters.date_from else "",
            "date_to": filters.date_to.strftime("%-d/%-m/%Y") if filters.date_to else "",
        }
