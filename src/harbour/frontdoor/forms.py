"""Front door forms: the staff referral (with its young people and places), triage decisions, the public
concern form. They parse what was typed; the services decide what is valid and say which field is wrong.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django import forms
from django.core import signing
from django.forms import formset_factory
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from harbour.frontdoor import models
from harbour.people.models import Gender, School
from harbour.ui.forms import GovukDateField, GovukForm

# --- widgets ----------------------------------------------------------------------------------------


class OptionHintsMixin:
    """Options that may carry a hint, shown under their label: ``hints`` maps an option's value to it.

    (No conditional reveals: GOV.UK Frontend marks revealing radios aria-expanded, which axe refuses on
    a radio, so follow-up questions are shown under the question with a hint saying when to answer.)
    """

    def __init__(self, *args: Any, hints: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hints: dict[str, str] = hints or {}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)  # type: ignore[misc]
        hint = self.hints.get(str(option["value"]))
        option_id = option["attrs"].get("id", "")
        if hint and option_id:
            option["hint"] = hint
            option["hint_id"] = f"{option_id}-hint"
            option["attrs"]["aria-describedby"] = option["hint_id"]
        return option


class HintedRadioSelect(OptionHintsMixin, forms.RadioSelect):
    pass


class HintedCheckboxSelectMultiple(OptionHintsMixin, forms.CheckboxSelectMultiple):
    pass


# --- helpers ----------------------------------------------------------------------------------------


def _text(label: str, *, max_length: int, required: bool = False, **kwargs: Any) -> forms.CharField:
    messages = {"max_length": f"{label} must be {max_length:,} characters or fewer."}
    messages.update(kwargs.pop("error_messages", {}))
    return forms.CharField(
        label=label, required=required, max_length=max_length, error_messages=messages, **kwargs
    )


def _long_text(label: str, *, rows: int = 5, strip: bool = True, **kwargs: Any) -> forms.CharField:
    return _text(label, max_length=10_000, widget=forms.Textarea(attrs={"rows": rows}), strip=strip, **kwargs)


def initial_from_data(form: forms.Form, data: QueryDict | MultiValueDict[str, Any]) -> dict[str, Any]:
    """What each field would show if ``data`` were posted, as initial values (so no errors are shown).

    Used to show a saved draft, or the form again after "Add another young person", without
    judging it yet: a bound form would show every missing answer as an error.
    """
    return {
        name: field.widget.value_from_datadict(data, MultiValueDict(), form.add_prefix(name))
        for name, field in form.fields.items()
    }


def data_to_querydict(data: dict[str, list[str]]) -> QueryDict:
    """A draft's stored answers ({name: [values]}) as posted form data."""
    query = QueryDict(mutable=True)
    for name, values in data.items():
        if isinstance(values, list):
            query.setlist(str(name), [str(value) for value in values])
        elif isinstance(values, str):
            query[str(name)] = values
    return query


def querydict_to_data(query: QueryDict) -> dict[str, list[str]]:
    """Posted form data as a draft stores it: every field's values, without the CSRF token and the
    draft's own bookkeeping (its id and version travel separately)."""
    skip = {"csrfmiddlewaretoken", "draft_id", "draft_version", "action"}
    return {name: query.getlist(name) for name in query if name not in skip}


def new_form_token() -> str:
    """The idempotency key a referral form carries from first showing to submission."""
    return uuid.uuid4().hex


# --- the staff referral -----------------------------------------------------------------------------

NEW_PERSON = "new"


class SubjectForm(GovukForm):
    """One young person the concern is about: a match chosen from "Already known?", or details for a new
    record. Empty rows are ignored."""

    # Set by the radios of the "Already known?" matches (people/_matches.html, named `<prefix>-person`):
    # a person's id, or "new". Rendered by that fragment, not as a field of this form.
    person = forms.CharField(
        label="Young person already known", required=False, max_length=40, widget=forms.HiddenInput
    )
    first_name = _text("First name", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    last_name = _text("Last name", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, allow_future=False, help_text="For example, 27 3 2011"
    )
    gender = forms.ModelChoiceField(
        label="Gender",
        queryset=Gender.objects.filter(active=True),
        to_field_name="code",
        required=False,
        empty_label="Not given",
    )
    postcode = _text(
        "Postcode",
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
    )
    nhs_number = _text(
        "NHS number",
        max_length=14,
        help_text="10 digits, like 943 476 5919, if you know it.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )
    upn = _text(
        "Unique pupil number (UPN)",
        max_length=13,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    school = forms.ModelChoiceField(
        label="School or college", queryset=School.objects.all(), required=False, empty_label="Not known"
    )

    MATCH_FIELDS = ("first_name", "last_name", "date_of_birth", "postcode", "nhs_number", "upn", "school")

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(name) for name in ("person", *self.MATCH_FIELDS, "gender"))

    def clean_person(self) -> str:
        value = (self.cleaned_data.get("person") or "").strip()
        if value in ("", NEW_PERSON):
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise forms.ValidationError(
                "Choose one of the young people shown, or a new young person."
            ) from None

    def clean_nhs_number(self) -> str:
        return self.cleaned_data["nhs_number"].replace(" ", "")

    def clean_upn(self) -> str:
        return self.cleaned_data["upn"].strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cleaned.get("person") not in ("", NEW_PERSON, None)
        if not chosen and not self.is_blank():
            # A new record needs a name; a chosen match does not.
            if not (cleaned.get("first_name") or "").strip() and "first_name" not in self.errors:
                self.add_error("first_name", "Enter the young person's first name.")
            if not (cleaned.get("last_name") or "").strip() and "last_name" not in self.errors:
                self.add_error("last_name", "Enter the young person's last name, or 'Not known'.")
        return cleaned

    def subject_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        chosen = data.get("person") not in ("", NEW_PERSON, None)
        school = data.get("school")
        gender = data.get("gender")
        return {
            "person_id": uuid.UUID(data["person"]) if chosen else None,
            "first_name": data.get("first_name") or "",
            "last_name": data.get("last_name") or "",
            "date_of_birth": data.get("date_of_birth"),
            "gender": gender.code if gender is not None else "",
            "postcode": data.get("postcode") or "",
            "nhs_number": data.get("nhs_number") or "",
            "upn": data.get("upn") or "",
            "school": str(school.pk) if school is not None else "",
        }


class ContextForm(GovukForm):
    """A place or group the concern is about (a contextual referral)."""

    name = _text(
        "Name of the place or group",
        max_length=200,
        help_text="For example, Riverside Park skate area, or 'group of older males at the bus station'.",
    )
    context_type = forms.ModelChoiceField(
        label="What kind of place or group is it?",
        queryset=models.ContextType.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="Choose one",
    )
    description = _long_text("What is known about it", rows=3, required=False)
    address = _text("Address", max_length=300)
    postcode = _text(
        "Postcode", max_length=10, widget=forms.TextInput(attrs={"class": "govuk-input--width-10"})
    )
    latitude = forms.DecimalField(
        label="Latitude",
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        help_text="Only if there is no address, for example 52.6309.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        error_messages={"invalid": "Latitude must be a number, like 52.6309."},
    )
    longitude = forms.DecimalField(
        label="Longitude",
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        help_text="For example, 1.2974.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
        error_messages={"invalid": "Longitude must be a number, like 1.2974."},
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(name) not in (None, "") for name in self.fields)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank():
            return cleaned
        if not (cleaned.get("name") or "").strip() and "name" not in self.errors:
            self.add_error("name", "Enter the name of the place or group.")
        if cleaned.get("context_type") is None and "context_type" not in self.errors:
            self.add_error("context_type", "Choose what kind of place or group it is.")
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            missing = "longitude" if cleaned.get("longitude") is None else "latitude"
            if missing not in self.errors:
                self.add_error(missing, f"Enter the {missing} too, or neither.")
        return cleaned

    def context_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "context_type": data["context_type"].code if data.get("context_type") else "",
            "description": data.get("description") or "",
            "address": data.get("address") or "",
            "postcode": data.get("postcode") or "",
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
        }


SubjectFormSet = formset_factory(SubjectForm, extra=0, max_num=20, absolute_max=20)
ContextFormSet = formset_factory(ContextForm, extra=0, max_num=10, absolute_max=10)

PARENTS_AWARE_CHOICES = [("yes", "Yes"), ("no", "No"), ("not-known", "I do not know")]
CONSENT_CHOICES = [
    ("given", "Yes, they agreed to this referral"),
    ("not-sought", "No, I did not ask: asking could put the young person or someone else at risk"),
    ("refused", "No, they did not agree, and I am sharing without consent"),
    ("not-applicable", "Not needed for this concern"),
]


class ReferralForm(GovukForm):
    """Everything about the concern except who or what it is about (the subject and context formsets)."""

    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    concern_types = forms.ModelMultipleChoiceField(
        label="What are you worried about?",
        help_text="Select all that apply.",
        queryset=models.ConcernType.objects.none(),
        to_field_name="code",
        widget=HintedCheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one kind of concern.",
            "invalid_choice": "Select the kinds of concern from the list.",
        },
    )
    what_happened = _long_text(
        "What happened",
        rows=8,
        required=True,
        help_text="Describe what you saw, heard or were told, and by whom. Say what adults or others did.",
        error_messages={"required": "Enter what happened."},
    )
    happened_on = GovukDateField(
        label="Date it happened",
        required=False,
        allow_future=False,
        help_text="If you know it. For example, 27 3 2026",
    )
    happened_on_estimate = _text(
        "If you do not know the date, roughly when?",
        max_length=200,
        help_text="For example, 'over the last few weeks' or 'most weekends since the summer'.",
    )
    location_text = _text(
        "Where did it happen?", max_length=500, help_text="An address, a place name or an area."
    )
    location_postcode = _text(
        "Postcode of where it happened",
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    people_of_concern = _long_text(
        "People of concern",
        rows=4,
        required=False,
        help_text="Anyone who may be harming or exploiting the young person: names, nicknames, descriptions, "
        "phone numbers, vehicles.",
    )
    young_person_words = _long_text(
        "What the young person said, in their own words",
        rows=4,
        required=False,
        strip=False,
        help_text="Write down exactly what they said, if they said anything.",
    )
    urgency = forms.ModelChoiceField(
        label="How urgent is this?",
        queryset=models.Urgency.objects.none(),
        to_field_name="code",
        widget=HintedRadioSelect,
        empty_label=None,
        help_text="If a young person is in immediate danger, call 999 now.",
        error_messages={
            "required": "Select how urgent this is.",
            "invalid_choice": "Select how urgent this is.",
        },
    )
    parents_aware = forms.ChoiceField(
        label="Do the young person's parents or carers know about this referral?",
        choices=PARENTS_AWARE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the parents or carers know about this referral."},
    )
    parents_not_aware_reason = _long_text(
        "If they do not know, why not?",
        rows=3,
        required=False,
        help_text="For example, telling them could put the young person at risk.",
    )
    consent = forms.ChoiceField(
        label="Did the young person or their family agree to you sharing this?",
        choices=CONSENT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether they agreed to you sharing this."},
    )
    lawful_basis = forms.ModelChoiceField(
        label="The lawful basis for sharing this information",
        queryset=models.LawfulBasis.objects.none(),
        to_field_name="code",
        widget=HintedRadioSelect,
        empty_label=None,
        required=False,
        help_text="Under UK GDPR you need a basis in Article 6 and, because this is about a child's welfare "
        "and may include health or sexual life, a condition for special category data (Article 9 with the "
        "Data Protection Act 2018). Safeguarding a child is usually public task (Article 6(1)(e)) with the "
        "DPA 2018 Schedule 1 paragraph 18 condition: you may share without consent when asking would put "
        "the child at risk.",
        error_messages={
            "required": "Select the lawful basis for sharing this information.",
            "invalid_choice": "Select the lawful basis from the list.",
        },
    )
    lawful_basis_note = _long_text(
        "Anything to add about consent or the lawful basis", rows=2, required=False
    )
    referrer_phone = _text(
        "Your phone number",
        max_length=40,
        help_text="So the front door can call you back today.",
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-20", "autocomplete": "tel", "type": "tel"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        concern_field = self.fields["concern_types"]
        assert isinstance(concern_field, forms.ModelMultipleChoiceField)
        concern_field.queryset = models.ConcernType.objects.filter(active=True)
        concern_field.widget.hints = {c.code: c.description for c in concern_field.queryset if c.description}
        urgency_field = self.fields["urgency"]
        assert isinstance(urgency_field, forms.ModelChoiceField)
        urgency_field.queryset = models.Urgency.objects.all()
        urgency_field.widget.hints = {u.code: timescale_words(u) for u in urgency_field.queryset}
        basis_field = self.fields["lawful_basis"]
        assert isinstance(basis_field, forms.ModelChoiceField)
        basis_field.queryset = models.LawfulBasis.objects.all()
        basis_field.widget.hints = {b.code: lawful_basis_hint(b) for b in basis_field.queryset}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("parents_aware") == "no"
            and not (cleaned.get("parents_not_aware_reason") or "").strip()
        ):
            self.add_error("parents_not_aware_reason", "Say why the parents or carers do not know.")
        if (
            cleaned.get("consent")
            and cleaned.get("consent") != "given"
            and cleaned.get("lawful_basis") is None
        ) and "lawful_basis" not in self.errors:
            self.add_error("lawful_basis", "Select the lawful basis for sharing without consent.")
        return cleaned

    def referral_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        basis = data.get("lawful_basis")
        return {
            "concern_types": [concern.code for concern in data["concern_types"]],
            "urgency": data["urgency"].code,
            "what_happened": data["what_happened"],
            "happened_on": data.get("happened_on"),
            "happened_on_estimate": data.get("happened_on_estimate") or "",
            "location_text": data.get("location_text") or "",
            "location_postcode": data.get("location_postcode") or "",
            "people_of_concern": data.get("people_of_concern") or "",
            "young_person_words": data.get("young_person_words") or "",
            "parents_aware": data["parents_aware"],
            "parents_not_aware_reason": data.get("parents_not_aware_reason") or "",
            "consent": data["consent"],
            "lawful_basis": basis.code if basis is not None else "",
            "lawful_basis_note": data.get("lawful_basis_note") or "",
            "referrer_phone": data.get("referrer_phone") or "",
        }


def timescale_words(urgency: Any) -> str:
    """The decision timescale of an urgency, in words, from its reference row."""
    if urgency.description:
        return str(urgency.description)
    if urgency.same_day:
        return "Decide by the end of the same working day."
    days = urgency.working_days_to_decide
    return f"Decide within {days} working day{'' if days == 1 else 's'}."


def lawful_basis_hint(basis: Any) -> str:
    parts = [part for part in (basis.article_6, basis.article_9_or_condition, basis.description) if part]
    return ". ".join(part.rstrip(".") for part in parts) + ("." if parts else "")


# --- triage -----------------------------------------------------------------------------------------


class DecisionForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision_type = forms.ModelChoiceField(
        label="Decision",
        queryset=models.DecisionType.objects.none(),
        to_field_name="code",
        widget=HintedRadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select a decision.",
            "invalid_choice": "Select a decision from the list.",
        },
    )
    no_further_action_reason = forms.ModelChoiceField(
        label="Why no further action?",
        queryset=models.NoFurtherActionReason.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="Choose a reason",
    )
    rationale = _long_text(
        "Rationale",
        rows=6,
        required=True,
        help_text="Why you made this decision: the referrer is told the outcome.",
        error_messages={"required": "Enter the rationale for your decision."},
    )
    next_steps = _long_text("Next steps", rows=4, required=False, help_text="Who will do what, and by when.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["decision_type"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = models.DecisionType.objects.filter(active=True)
        needing = [str(decision.label).lower() for decision in field.queryset if decision.needs_reason]
        reason = self.fields["no_further_action_reason"]
        reason.help_text = f"Only for a decision of {' or '.join(needing) or 'no further action'}."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision = cleaned.get("decision_type")
        if decision is not None and decision.needs_reason and cleaned.get("no_further_action_reason") is None:
            self.add_error("no_further_action_reason", "Choose why there is no further action.")
        return cleaned


class VersionForm(GovukForm):
    """A button that acts on a referral as the user saw it (start triage)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RegradeForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    urgency = forms.ModelChoiceField(
        label="New urgency",
        queryset=models.Urgency.objects.none(),
        to_field_name="code",
        widget=HintedRadioSelect,
        empty_label=None,
        error_messages={"required": "Select the new urgency.", "invalid_choice": "Select the new urgency."},
    )
    reason = _long_text(
        "Why are you changing the urgency?",
        rows=3,
        required=True,
        error_messages={"required": "Say why you are changing the urgency."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["urgency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = models.Urgency.objects.all()
        field.widget.hints = {u.code: timescale_words(u) for u in field.queryset}


class WithdrawForm(GovukForm):
    """Withdraw an open referral (its referrer or the front door), saying why."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = _long_text(
        "Why is the referral being withdrawn?",
        rows=3,
        required=True,
        help_text="For example, it was sent twice, or sent about the wrong young person.",
        error_messages={"required": "Say why the referral is being withdrawn."},
    )


# --- the public concern form ------------------------------------------------------------------------

RELATIONSHIP_CHOICES = [
    ("young-person", "I am a young person and this is about me or a friend"),
    ("parent-carer", "I am a parent or carer"),
    ("business", "I work for a business, such as a shop, hotel, taxi firm or takeaway"),
    ("other-member-of-public", "Someone else"),
]

STARTED_SALT = "harbour.frontdoor.public-concern.started"


class PublicConcernForm(GovukForm):
    """The public's concern. Text is kept exactly as written: nothing is stripped or changed."""

    relationship = forms.ChoiceField(
        label="Who are you?",
        choices=RELATIONSHIP_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who you are."},
    )
    what_happened = _long_text(
        "What are you worried about?",
        rows=8,
        required=True,
        strip=False,
        help_text="Tell us what happened or what you have seen. Write it in your own words.",
        error_messages={"required": "Tell us what you are worried about."},
    )
    where = _long_text(
        "Where did it happen?",
        rows=2,
        required=False,
        strip=False,
        help_text="A place, street, shop or website.",
    )
    when = _text(
        "When did it happen?",
        max_length=200,
        required=False,
        strip=False,
        help_text="For example, 'last Friday night' or 'every day after school'.",
    )
    young_person_name = _text(
        "The young person's name, if you know it", max_length=200, required=False, strip=False
    )
    young_person_age = _text(
        "Their age, if you know it",
        max_length=40,
        required=False,
        strip=False,
        help_text="A guess is fine, for example 'about 14'.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    contact_name = _text("Your name (optional)", max_length=200, required=False, strip=False)
    contact_details = _text(
        "How can we contact you? (optional)",
        max_length=300,
        required=False,
        strip=False,
        help_text="A phone number or email address. Leave this blank if you do not want us to contact you.",
    )
    # Spam protection. `website` is a honeypot: hidden from people by the stylesheet, so only a robot
    # filling in every box fills it. `started` is when the form was shown, signed so it cannot be forged.
    website = forms.CharField(
        label="Leave this box empty",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    SPAM_FIELDS = ("website", "started")

    @staticmethod
    def sign_started(now: float | None = None) -> str:
        return signing.dumps(now if now is not None else time.time(), salt=STARTED_SALT)

    def seconds_taken(self, *, max_age: int) -> float | None:
        """How long the sender took to fill the form in, or None if the timestamp is missing or forged."""
        try:
            started = signing.loads(self.data.get("started") or "", salt=STARTED_SALT, max_age=max_age)
        except signing.BadSignature:
            return None
        if not isinstance(started, (int, float)):
            return None
        return time.time() - float(started)

    def concern_values(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "relationship": data["relationship"],
            "what_happened": data["what_happened"],
            "where": data.get("where") or "",
            "when": data.get("when") or "",
            "young_person_name": data.get("young_person_name") or "",
            "young_person_age": data.get("young_person_age") or "",
            "contact_name": data.get("contact_name") or "",
            "contact_details": data.get("contact_details") or "",
        }
