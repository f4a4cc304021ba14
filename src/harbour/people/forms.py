"""Forms for finding and recording people. They parse what was typed; the services decide what is valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.validators import MaxValueValidator
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from harbour.core.models import Town
from harbour.people.models import Ethnicity, Gender, Person, PersonAlias, School
from harbour.people.services import EDITABLE_FIELDS
from harbour.ui.forms import GovukDateField, GovukForm


def _max_length(model: type[Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _text(
    label: str, model: type[Model], name: str, *, required: bool = False, **kwargs: Any
) -> forms.CharField:
    """A text field whose length limit and messages follow the model and the GOV.UK style."""
    max_length = _max_length(model, name)
    messages = {"required": f"Enter the {label.lower()}."}
    if max_length:
        messages["max_length"] = f"{label} must be {max_length} characters or fewer."
    return forms.CharField(
        label=label, required=required, max_length=max_length, error_messages=messages, **kwargs
    )


class PersonSearchForm(GovukForm):
    text = forms.CharField(
        label="Name, nickname, NHS number or unique pupil number",
        required=False,
        max_length=200,
        error_messages={"max_length": "Search text must be 200 characters or fewer."},
    )
    date_of_birth = GovukDateField(label="Date of birth", required=False)
    # Set by the "Next page" and "Previous page" buttons of the results, not shown as a field.
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Live results as the user types (htmx): the same POST, answered with the results only.
        self.fields["text"].widget.attrs.update(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "hx-post": reverse("people:search"),
                "hx-trigger": "input changed delay:400ms, search",
                "hx-target": "#search-results",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
            }
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not (cleaned.get("text") or "").strip() and not cleaned.get("date_of_birth"):
            self.add_error("text", "Enter a name, nickname, NHS number or unique pupil number.")
        return cleaned


class PersonForm(GovukForm):
    """The personal details a person's record holds; the same fields for recording and editing."""

    kind = forms.ChoiceField(
        label="Who is this?",
        choices=Person.Kind.choices,
        initial=Person.Kind.YOUNG_PERSON,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who this is."},
    )
    first_name = _text("First name", Person, "first_name", required=True)
    middle_names = _text("Middle names", Person, "middle_names")
    last_name = _text("Last name", Person, "last_name", required=True)
    preferred_name = _text(
        "Preferred name", Person, "preferred_name", help_text="What they like to be called."
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, allow_future=False, help_text="For example, 27 3 2011"
    )
    date_of_birth_estimated = forms.BooleanField(label="The date of birth is estimated", required=False)
    gender = forms.ModelChoiceField(
        label="Gender", queryset=Gender.objects.filter(active=True), required=False, empty_label="Not known"
    )
    ethnicity = forms.ModelChoiceField(
        label="Ethnicity",
        queryset=Ethnicity.objects.filter(active=True),
        required=False,
        empty_label="Not known",
    )
    disability = _text("Disability or special educational needs", Person, "disability")
    first_language = _text("First language", Person, "first_language")
    interpreter_needed = forms.BooleanField(label="Needs an interpreter", required=False)
    # NHS numbers are often typed with spaces: allow them here, the service strips them and checks.
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits, like 943 476 5919.",
        error_messages={"max_length": "NHS number must be 10 digits, like 943 476 5919."},
    )
    upn = _text("Unique pupil number (UPN)", Person, "upn", help_text="A letter followed by 12 characters.")
    school = forms.ModelChoiceField(label="School", queryset=School.objects.all(), required=False)
    phone = _text("Phone number", Person, "phone")
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com."},
    )

    def clean_nhs_number(self) -> str:
        return self.cleaned_data["nhs_number"].replace(" ", "")

    def clean_upn(self) -> str:
        return self.cleaned_data["upn"].strip().upper()

    def person_values(self) -> dict[str, Any]:
        """The cleaned values the person services take (all of EDITABLE_FIELDS)."""
        return {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS if name in self.fields}


def comparable(value: Any) -> str:
    """One spelling of a field's value, to tell whether it changed (a model by its key, a date in ISO)."""
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def snapshot(person: Person) -> dict[str, str]:
    return {name: comparable(getattr(person, name)) for name in EDITABLE_FIELDS}


_SNAPSHOT_SALT = "harbour.people.edit-snapshot"


class PersonEditForm(PersonForm):
    """Editing carries the version the user opened, and what the record said then.

    ``opened`` lets a refused stale save tell the fields a colleague changed from the ones this user
    changed, so a deliberate second save sends only this user's changes and overwrites nothing else.
    It is signed so it cannot be forged, and holds nothing that is not already on the page.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def sign(values: dict[str, str]) -> str:
        return signing.dumps(values, salt=_SNAPSHOT_SALT, compress=True)

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(person, name) for name in EDITABLE_FIELDS}
        initial["version"] = person.version
        initial["opened"] = cls.sign(snapshot(person))
        return initial

    def opened_values(self) -> dict[str, str] | None:
        try:
            values = signing.loads(self.cleaned_data.get("opened") or "", salt=_SNAPSHOT_SALT)
        except signing.BadSignature:
            return None
        return values if isinstance(values, dict) else None

    def changed_values(self) -> dict[str, Any]:
        """What this user changed since opening the form (everything, if that cannot be told)."""
        values = self.person_values()
        opened = self.opened_values()
        if opened is None:
            return values
        return {name: value for name, value in values.items() if comparable(value) != opened.get(name, "")}


class PersonCreateForm(PersonForm):
    """A new person: their details, where they live now and any nicknames."""

    line1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    line2 = forms.CharField(label="Address line 2", required=False, max_length=200)
    town = forms.ModelChoiceField(label="Town", queryset=Town.objects.all(), required=False)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    nicknames = forms.CharField(
        label="Nicknames or street names",
        required=False,
        max_length=1000,
        help_text="Separate them with commas.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_address = any((cleaned.get(name) or "") for name in ("line2", "postcode")) or cleaned.get("town")
        if has_address and not (cleaned.get("line1") or "").strip():
            self.add_error("line1", "Enter the first line of the address, or leave the address blank.")
        return cleaned

    def alias_names(self) -> list[str]:
        return [
            name.strip() for name in (self.cleaned_data.get("nicknames") or "").split(",") if name.strip()
        ]


class AddressForm(GovukForm):
    line1 = forms.CharField(
        label="Address line 1",
        max_length=200,
        error_messages={"required": "Enter the first line of the address."},
    )
    line2 = forms.CharField(label="Address line 2", required=False, max_length=200)
    town = forms.ModelChoiceField(label="Town", queryset=Town.objects.all(), required=False)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    moved_on = GovukDateField(
        label="Date they moved in",
        required=False,
        allow_future=False,
        help_text="Leave blank if they moved today. For example, 27 3 2026",
    )


class AliasForm(GovukForm):
    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={"required": "Enter the name.", "max_length": "Name must be 200 characters or fewer."},
    )
    kind = forms.ChoiceField(
        label="What kind of name is it?",
        choices=PersonAlias.Kind.choices,
        initial=PersonAlias.Kind.NICKNAME,
        widget=forms.RadioSelect,
    )


class BreakGlassForm(GovukForm):
    reason = forms.CharField(
        label="Why do you need this record now?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Your reason is recorded and shown to your manager.",
        error_messages={"required": "Say why you need this record now."},
    )
    hours = forms.IntegerField(
        label="For how many hours?",
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, max_hours: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["hours"]
        assert isinstance(field, forms.IntegerField)
        field.max_value = max_hours
        field.validators.append(MaxValueValidator(max_hours))
        field.help_text = f"Between 1 and {max_hours}. Access ends by itself after this."
        field.initial = max_hours
        field.error_messages.update(
            {
                "required": "Enter the number of hours.",
                "invalid": "Enter the number of hours as a whole number, like 2.",
                "min_value": f"Break-glass access lasts between 1 and {max_hours} hours.",
                "max_value": f"Break-glass access lasts between 1 and {max_hours} hours.",
            }
        )


class GrantGiveForm(GovukForm):
    grantee = forms.CharField(
        label="Colleague's username",
        max_length=150,
        error_messages={"required": "Enter the username of the colleague to give access to."},
    )
    reason = forms.CharField(
        label="Why do they need access?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="For example, to take part in the MACE panel on 4 March.",
        error_messages={"required": "Say why this colleague needs access."},
    )
    expires_on = GovukDateField(
        label="Access ends on",
        required=True,
        allow_past=False,
        help_text="Access ends at the end of this day, at most 90 days from now. For example, 27 3 2026",
    )

    def clean_grantee(self) -> Any:
        username = self.cleaned_data["grantee"].strip()
        user = get_user_model()._default_manager.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError("No one has that username. Check it with your colleague.")
        return user

    def expires_at(self) -> dt.datetime:
        """The end of the chosen day, in Harbour's time zone."""
        day: dt.date = self.cleaned_data["expires_on"]
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
