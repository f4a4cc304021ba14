"""Forms for recording a young person's education, rendered as GOV.UK components."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from harbour.education.inputs import (
    AlternativeProvisionInput,
    AttendanceInput,
    EnquiryInput,
    ExclusionInput,
    HomeEducationInput,
    MissingEducationInput,
    PartTimeTimetableInput,
    PlacementInput,
)
from harbour.education.models import (
    Exclusion,
    ExclusionKind,
    ExclusionReason,
    ImportBatch,
    MissingEducationOutcome,
    SchoolPlacement,
    Term,
    UnmatchedImportRow,
)
from harbour.people.models import School
from harbour.ui.forms import GovukDateField, GovukForm


def _codes(model: Any) -> list[tuple[str, str]]:
    return [(row.code, row.label) for row in model.objects.filter(active=True)]


def _school_field(label: str = "School", *, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=School.objects.order_by("name"),
        required=required,
        empty_label="Choose a school" if required else "None",
        error_messages={"required": "Choose the school.", "invalid_choice": "Choose a school from the list."},
    )


def _hours(label: str, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=4,
        decimal_places=1,
        required=required,
        error_messages={
            "required": "Enter the hours a week.",
            "invalid": "Enter the hours as a number, like 15.",
        },
    )


class ExclusionForm(GovukForm):
    school = _school_field()
    kind = forms.ChoiceField(
        label="Kind of exclusion",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose suspension or permanent exclusion."},
    )
    starts_on = GovukDateField(label="First day of the exclusion", help_text="For example, 27 3 2026")
    days = forms.DecimalField(
        label="Length of a suspension in school days",
        required=False,
        max_digits=4,
        decimal_places=1,
        help_text="Half days allowed, like 2.5. Leave blank for a permanent exclusion.",
        error_messages={"invalid": "Enter the number of school days as a number, like 2 or 2.5."},
    )
    reason = forms.ChoiceField(
        label="Reason the school gave", error_messages={"required": "Choose the reason."}
    )
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _codes(ExclusionKind)  # type: ignore[attr-defined]
        self.fields["reason"].choices = [("", "Choose a reason"), *_codes(ExclusionReason)]  # type: ignore[attr-defined]

    def to_input(self) -> ExclusionInput:
        data = self.cleaned_data
        return ExclusionInput(
            school_id=data["school"].pk,
            kind=data["kind"],
            starts_on=data["starts_on"],
            reason=data["reason"],
            days=data.get("days"),
            note=data.get("note") or "",
        )


class AttendanceForm(GovukForm):
    academic_year = forms.IntegerField(
        label="School year starts in",
        help_text="The year the school year began: 2025 for the 2025 to 2026 school year.",
        error_messages={
            "required": "Enter the year the school year began.",
            "invalid": "Enter a year, like 2025.",
        },
    )
    term = forms.ChoiceField(
        label="Term", widget=forms.RadioSelect, error_messages={"required": "Choose the term."}
    )
    sessions_possible = forms.IntegerField(
        label="Sessions possible",
        help_text="A session is a morning or an afternoon.",
        min_value=1,
        error_messages={"required": "Enter the sessions possible.", "invalid": "Enter a whole number."},
    )
    sessions_attended = forms.IntegerField(
        label="Sessions attended",
        min_value=0,
        error_messages={"required": "Enter the sessions attended.", "invalid": "Enter a whole number."},
    )
    school = _school_field("School (optional)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = _codes(Term)  # type: ignore[attr-defined]

    def to_input(self) -> AttendanceInput:
        data = self.cleaned_data
        return AttendanceInput(
            academic_year=data["academic_year"],
            term=data["term"],
            sessions_possible=data["sessions_possible"],
            sessions_attended=data["sessions_attended"],
            school_id=data["school"].pk if data.get("school") else None,
        )


class PlacementForm(GovukForm):
    school = _school_field()
    kind = forms.ChoiceField(
        label="Kind of placement",
        choices=SchoolPlacement.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of placement."},
    )
    starts_on = GovukDateField(label="Start date", help_text="For example, 4 9 2025")
    ends_on = GovukDateField(label="End date (optional)", required=False)

    def to_input(self) -> PlacementInput:
        data = self.cleaned_data
        return PlacementInput(
            school_id=data["school"].pk,
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data.get("ends_on"),
        )


class PartTimeTimetableForm(GovukForm):
    school = _school_field("School (optional)", required=False)
    starts_on = GovukDateField(label="Start date")
    hours_per_week = _hours("Hours a week in school")
    reason = forms.CharField(
        label="Why a part-time timetable",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the young person is on a part-time timetable."},
    )
    review_on = GovukDateField(label="Review date")
    ends_on = GovukDateField(label="End date (optional)", required=False)

    def to_input(self) -> PartTimeTimetableInput:
        data = self.cleaned_data
        return PartTimeTimetableInput(
            starts_on=data["starts_on"],
            hours_per_week=data["hours_per_week"],
            reason=data["reason"],
            review_on=data["review_on"],
            ends_on=data.get("ends_on"),
            school_id=data["school"].pk if data.get("school") else None,
        )


class AlternativeProvisionForm(GovukForm):
    provider = forms.CharField(
        label="Provider", max_length=200, error_messages={"required": "Enter the name of the provider."}
    )
    commissioned_by = _school_field("Commissioned by (optional)", required=False)
    starts_on = GovukDateField(label="Start date")
    ends_on = GovukDateField(label="End date (optional)", required=False)
    hours_per_week = _hours("Hours a week (optional)", required=False)
    reason = forms.CharField(
        label="Reason (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def to_input(self) -> AlternativeProvisionInput:
        data = self.cleaned_data
        return AlternativeProvisionInput(
            provider=data["provider"],
            starts_on=data["starts_on"],
            ends_on=data.get("ends_on"),
            hours_per_week=data.get("hours_per_week"),
            reason=data.get("reason") or "",
            commissioned_by_id=data["commissioned_by"].pk if data.get("commissioned_by") else None,
        )


class HomeEducationForm(GovukForm):
    starts_on = GovukDateField(label="Start date")
    ends_on = GovukDateField(label="End date (optional)", required=False)

    def to_input(self) -> HomeEducationInput:
        return HomeEducationInput(
            starts_on=self.cleaned_data["starts_on"], ends_on=self.cleaned_data.get("ends_on")
        )


class MissingEducationForm(GovukForm):
    reported_on = GovukDateField(label="Date reported", allow_future=False)
    reported_by = forms.CharField(
        label="Reported by",
        max_length=200,
        help_text="A school, an agency or a person's role.",
        error_messages={"required": "Enter who reported the young person as missing education."},
    )
    enquiries_due_on = GovukDateField(
        label="First enquiry due by (optional)",
        required=False,
        help_text="Leave blank for 5 days after the report.",
    )
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def to_input(self) -> MissingEducationInput:
        data = self.cleaned_data
        return MissingEducationInput(
            reported_on=data["reported_on"],
            reported_by=data["reported_by"],
            enquiries_due_on=data.get("enquiries_due_on"),
            note=data.get("note") or "",
        )


class VersionedForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class EnquiryForm(VersionedForm):
    made_on = GovukDateField(label="Date of the enquiry", allow_future=False)
    made_with = forms.CharField(
        label="Who was asked or what was checked",
        max_length=200,
        error_messages={"required": "Enter who was asked or what was checked."},
    )
    result = forms.CharField(
        label="What it found",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what the enquiry found."},
    )
    next_due_on = GovukDateField(
        label="Next enquiry due by (optional)",
        required=False,
        help_text="Leave blank for 10 days after this one.",
    )

    def to_input(self) -> EnquiryInput:
        data = self.cleaned_data
        return EnquiryInput(
            made_on=data["made_on"],
            made_with=data["made_with"],
            result=data["result"],
            next_due_on=data.get("next_due_on"),
        )


class CloseForm(VersionedForm):
    outcome = forms.ChoiceField(
        label="Outcome", widget=forms.RadioSelect, error_messages={"required": "Choose the outcome."}
    )
    closed_on = GovukDateField(label="Date closed", allow_future=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = _codes(MissingEducationOutcome)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["closed_on"].initial = timezone.localdate()


class ExclusionStatusForm(VersionedForm):
    status = forms.ChoiceField(
        label="Status",
        choices=Exclusion.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the status."},
    )


class PeriodEndForm(VersionedForm):
    ends_on = GovukDateField(label="End date")


class SetAsideForm(GovukForm):
    resolution = forms.ChoiceField(
        label="What happened to this row",
        choices=[
            (value, label)
            for value, label in UnmatchedImportRow.Resolution.choices
            if value
            not in (UnmatchedImportRow.Resolution.MATCHED, UnmatchedImportRow.Resolution.CHOSEN_BY_REVIEWER)
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened to this row."},
    )
    # The row's version as the page showed it: if someone dealt with it since, nothing is saved (409).
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class UploadForm(GovukForm):
    """A list of exclusions or of children missing education, to check before importing it."""

    kind = forms.ChoiceField(
        label="Which list is it?",
        choices=ImportBatch.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which list the file is."},
    )
    file = forms.FileField(
        label="The list, as a CSV file",
        error_messages={"required": "Select the CSV file to check", "empty": "The selected file is empty."},
    )

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "Save it from the spreadsheet as CSV UTF-8, smaller than "
            f"{filesizeformat(max_bytes)}. The first row names the columns."
        )
