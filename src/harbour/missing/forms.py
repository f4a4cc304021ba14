"""Forms for the missing pages. Times are entered in UK local time (date boxes and a 24-hour time).

A local time that happens twice when the clocks go back (01:00 to 01:59 on the last Sunday of October)
is read as the first of the two (British Summer Time); one that does not exist when the clocks go
forward is refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from harbour.accounts.models import Team, User
from harbour.missing import models
from harbour.ui.forms import GovukDateField, GovukForm

TIME_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def london() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_datetime(day: date, clock: time) -> datetime:
    """The instant of a UK wall-clock time; ambiguous times read as the first (BST), gaps refused."""
    zone = london()
    moment = datetime.combine(day, clock).replace(tzinfo=zone, fold=0)
    round_trip = moment.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise ValidationError("This time does not exist in the UK: the clocks went forward. Check the time.")
    return moment


def _parse_time(text: str) -> time | None:
    match = TIME_RE.match(text or "")
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _choice(model: Any, label: str, *, required: bool = True, message: str = "", radios: bool = True) -> Any:
    return forms.ModelChoiceField(
        label=label,
        queryset=model.objects.filter(active=True),
        to_field_name="code",
        required=required,
        empty_label=None if radios else "Not known",
        widget=forms.RadioSelect if radios else forms.Select,
        error_messages={
            "required": message or f"Select {label.lower()}.",
            "invalid_choice": message or f"Select {label.lower()}.",
        },
    )


def _text(label: str, *, rows: int = 3, help_text: str = "", max_length: int = 10_000) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class WhenForm(GovukForm):
    """Pairs of ``<name>_date`` and ``<name>_time`` fields, combined into ``cleaned_data[name]``."""

    when_fields: tuple[tuple[str, str, bool], ...] = ()  # name, words, required

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name, words, _required in self.when_fields:
            day = cleaned.get(f"{name}_date")
            text = str(self.data.get(self.add_prefix(f"{name}_time"), "")).strip()
            if day is None:
                cleaned[name] = None
                if text and f"{name}_date" not in self.errors:
                    self.add_error(f"{name}_date", f"Enter the date {words}")
                continue
            clock = _parse_time(text)
            if clock is None:
                message = (
                    f"Enter the time {words}, like 21:30" if not text else "Enter a real time, like 21:30"
                )
                self.add_error(f"{name}_time", message)
                continue
            try:
                cleaned[name] = local_datetime(day, clock)
            except ValidationError as error:
                self.add_error(f"{name}_time", error)
        for name, words, required in self.when_fields:
            unanswered = f"{name}_date" not in self.errors and f"{name}_time" not in self.errors
            if required and cleaned.get(name) is None and unanswered:
                self.add_error(f"{name}_date", f"Enter the date {words}")
        return cleaned


def _date(label: str, required: bool) -> GovukDateField:
    return GovukDateField(label=label, required=required, allow_future=False)


def _time(label: str, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text="UK time, 24-hour clock, for example 21:30",
        max_length=5,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
    )


class EpisodeForm(WhenForm):
    when_fields = (("started_at", "they went missing", True), ("reported_at", "they were reported", False))

    kind = _choice(
        models.EpisodeKind,
        "Missing or away without authorisation?",
        message="Select whether they were missing or away without authorisation.",
    )
    setting = _choice(
        models.MissingSetting,
        "Where did they go missing from?",
        message="Select where they went missing from.",
    )
    started_at_date = _date("Date they went missing", True)
    started_at_time = _time("Time they went missing", True)
    reported_by = forms.CharField(label="Who reported it (optional)", required=False, max_length=200)
    reported_at_date = _date("Date they were reported (optional)", False)
    reported_at_time = _time("Time they were reported (optional)", False)
    police_reference = forms.CharField(label="Police reference (optional)", required=False, max_length=60)
    risk_grade = _choice(models.PoliceRiskGrade, "Police risk grade (optional)", required=False, radios=False)
    placement_name = forms.CharField(label="Placement (optional)", required=False, max_length=200)
    out_of_area = forms.BooleanField(label="Placed here by another local authority", required=False)
    placing_authority = forms.CharField(label="Placing authority (optional)", required=False, max_length=200)
    placing_authority_email = forms.EmailField(
        label="Placing authority's contact email (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.gov.uk."},
    )
    associated_people = _text("People associated with this episode (optional)")
    associated_places = _text("Places associated with this episode (optional)")
    last_seen_place = forms.CharField(
        label="Where they were last seen (optional)", required=False, max_length=200
    )
    last_seen_with = _text("Who they were last seen with (optional)")
    clothing = _text("What they were wearing and carrying (optional)")
    circumstances = _text(
        "What happened before they went (optional)",
        help_text="An argument, a phone call, a change in how they were, someone collecting them.",
    )
    taken_with_them = _text(
        "What they took with them, or left behind (optional)",
        help_text="Phone, money, bank cards, travel pass, medication, clothes.",
    )


class ReturnForm(WhenForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    when_fields = (("ended_at", "they came back or were found", True),)

    ended_at_date = _date("Date they came back or were found", True)
    ended_at_time = _time("Time they came back or were found", True)
    found_place = forms.CharField(label="Where they were found (optional)", required=False, max_length=200)
    found_town = forms.CharField(label="Town (optional)", required=False, max_length=100)
    found_postcode = forms.CharField(
        label="Postcode (optional)",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    found_by = _choice(models.FoundBy, "Found by (optional)", required=False, radios=False)
    return_method = _choice(
        models.ReturnMethod, "How they came back (optional)", required=False, radios=False
    )
    interview_team = forms.ModelChoiceField(
        label="Team to offer the return home interview",
        queryset=Team.objects.none(),
        required=False,
        empty_label="Choose later",
        help_text="Usually the independent return interview service.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interview_team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Team.objects.select_related("agency").order_by("agency__name", "name")
        field.label_from_instance = _team_label  # type: ignore[method-assign,assignment]


def _team_label(team: Any) -> str:
    return f"{team.name} ({team.agency.name})"


class RegradeForm(WhenForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    grade = _choice(models.PoliceRiskGrade, "New police risk grade", message="Select the new risk grade.")
    reason = _text("Why did the risk grade change?")
    # When the police re-graded it, if not just now (the grade is often passed on after the call).
    when_fields = (("changed_at", "the police re-graded it", False),)
    changed_at_date = _date("Date the police re-graded it (leave empty for now)", False)
    changed_at_time = _time("Time", False)


class AssignForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    interviewer = forms.ModelChoiceField(
        label="Interviewer",
        queryset=User.objects.none(),
        error_messages={
            "required": "Choose who will do the interview.",
            "invalid_choice": "Choose who will do the interview.",
        },
        help_text=(
            "Someone independent of the young person's care: not their social worker, lead professional "
            "or carer."
        ),
    )

    def __init__(self, *args: Any, candidates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interviewer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates


class OfferForm(WhenForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    when_fields = (("offered_at", "the interview was offered", True),)
    offered_at_date = _date("Date", True)
    offered_at_time = _time("Time", True)
    accepted = forms.TypedChoiceField(
        label="Did they accept?",
        choices=[("no", "Not yet: offered, no answer"), ("yes", "Yes, they accepted")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="no",
        error_messages={"required": "Say whether they accepted."},
    )


class DeclineForm(WhenForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    when_fields = (("declined_at", "it was declined or could not happen", True),)
    reason = _choice(
        models.DeclineReason,
        "Why did the interview not happen?",
        message="Select why the interview did not happen.",
    )
    declined_at_date = _date("Date", True)
    declined_at_time = _time("Time", True)
    carers_said = _text(
        "What parents or carers said (optional)",
        help_text="Carers can give information when the young person declines.",
    )


class InterviewForm(WhenForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    when_fields = (("completed_at", "the interview was held", True),)
    completed_at_date = _date("Date the interview was held", True)
    completed_at_time = _time("Time the interview was held", True)
    where_been = _text("Where they were")
    who_with = _text("Who they were with (optional)")
    how_travelled = _text("How they travelled (optional)")
    factors = forms.ModelMultipleChoiceField(
        label="Push and pull factors (optional)",
        queryset=models.PushPullFactor.objects.filter(active=True),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    harm = _text("Harm they experienced or were exposed to (optional)")
    indicator_codes = forms.MultipleChoiceField(
        label="Exploitation indicators (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Each one you tick is offered to the joint exploitation risk assessment, with this interview "
            "as its source."
        ),
    )
    young_person_words = _text("The young person's own words (optional)", rows=4)
    actions = _text("Actions and referrals (optional)")
    police_information = _text("Information to pass to the police (optional)")

    def __init__(self, *args: Any, indicators: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indicator_codes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (choice.code, f"{choice.label} ({choice.category_label})") for choice in indicators or []
        ]
        if not indicators:
            del self.fields["indicator_codes"]


class ProfileForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    description = _text(
        "Description", help_text="Height, build, hair, skin, distinguishing marks, usual clothing."
    )
    associates = _text("Friends and associates")
    places = _text("Addresses and places they go to")
    phones_social = _text("Phones and social media")
    health = _text("Health and medication")
    money_transport = _text(
        "Money and transport", help_text="Bank cards, travel passes, how they usually travel."
    )
    vulnerabilities = _text("Vulnerabilities and missing history")


class ProfilePhotoForm(GovukForm):
    """A photo for the profile, and when it was taken (police need to know how recent it is)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    photo = forms.FileField(
        label="Photo",
        help_text="A recent photo that shows their face clearly: JPG, PNG or WebP, smaller than 10 MB.",
        error_messages={"required": "Select a photo", "empty": "The selected file is empty."},
    )
    taken_on = GovukDateField(
        label="When the photo was taken", help_text="For example, 27 3 2026", allow_future=False
    )


class ProfilePhotoRemoveForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReportForm(GovukForm):
    """Part 2 of the Philomena Protocol for an episode, updated while the young person is missing."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    last_seen_place = EpisodeForm.base_fields["last_seen_place"]
    last_seen_with = EpisodeForm.base_fields["last_seen_with"]
    clothing = EpisodeForm.base_fields["clothing"]
    circumstances = EpisodeForm.base_fields["circumstances"]
    taken_with_them = EpisodeForm.base_fields["taken_with_them"]


class SetAsideForm(GovukForm):
    """Set a police log row kept for review aside, saying what happened to it. One form a row on the review
    list: give each its own ``auto_id`` (``set-aside-<row id>-%s``) so the radios' ids do not collide."""

    resolution = forms.ChoiceField(
        label="What happened to this row",
        choices=[
            (value, label)
            for value, label in models.UnmatchedLogRow.Resolution.choices
            if value in models.UnmatchedLogRow.SET_ASIDE
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened to this row."},
    )
    # The row's version as the page showed it: if someone dealt with it since, nothing is saved (409).
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, row: models.UnmatchedLogRow, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"set-aside-{row.pk}-%s")
        kwargs.setdefault("initial", {"version": row.version})
        super().__init__(*args, **kwargs)
        self.row_id = row.pk
        self.fields["resolution"].label = f"What happened to line {row.line_number}"


class PoliceLogUploadForm(GovukForm):
    """A police missing-persons log to import (its rows are checked by the import's task)."""

    file = forms.FileField(
        label="The police log, as a CSV file",
        error_messages={"required": "Select the CSV file to import", "empty": "The selected file is empty."},
    )

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"Save it as CSV UTF-8, smaller than {filesizeformat(max_bytes)}. "
            "The first row names the columns."
        )


class ImportUndoForm(GovukForm):
    """Why a whole police log import is being undone (kept with the import and in its audit event)."""

    reason = forms.CharField(
        label="Why are you undoing this import?",
        help_text="For example: the wrong week's log was exported, or its columns were mapped wrongly.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say why the import is being undone.",
            "max_length": "The reason must be 500 characters or fewer.",
        },
    )
