"""GOV.UK form rendering: the date input and its messages, field markup, and the error summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.template import Context, Template
from django.utils import timezone

from harbour.accounts.models import Membership
from harbour.ui.forms import (
    GovukDateField,
    GovukDateWidget,
    GovukForm,
    GovukFormRenderer,
    GovukModelForm,
    error_summary_items,
)
from tests.ui.html import parse


class DateOfBirthForm(GovukForm):
    date_of_birth = GovukDateField(label="Date of birth", allow_future=False)


class OptionalDateForm(GovukForm):
    moved_on = GovukDateField(required=False)


def dob(day: str, month: str, year: str) -> DateOfBirthForm:
    return DateOfBirthForm(
        data={"date_of_birth_day": day, "date_of_birth_month": month, "date_of_birth_year": year}
    )


def only_error(form: forms.Form, name: str) -> str:
    assert not form.is_valid()
    errors = form.errors[name]
    assert len(errors) == 1, errors
    return str(errors[0])


# --------------------------------------------------------------------------------------------------
# The date input
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("2", "4", "2011", dt.date(2011, 4, 2)),
        ("02", "04", "2011", dt.date(2011, 4, 2)),
        (" 2 ", " 4", "2011 ", dt.date(2011, 4, 2)),
        ("2", "Apr", "2011", dt.date(2011, 4, 2)),
        ("2", "april", "2011", dt.date(2011, 4, 2)),
        ("29", "2", "2012", dt.date(2012, 2, 29)),
        ("31", "12", "1999", dt.date(1999, 12, 31)),
    ],
)
def test_real_dates_give_a_date(day, month, year, expected):
    form = dob(day, month, year)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == expected


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        ("31", "2", "2010"),  # February has no 31st
        ("29", "2", "2011"),  # not a leap year
        ("31", "4", "2010"),
        ("0", "1", "2010"),
        ("1", "13", "2010"),
        ("1", "0", "2010"),
        ("1", "1", "0000"),
        ("two", "4", "2011"),
        ("2", "Foo", "2011"),
        ("2²", "4", "2011"),  # superscript two is a "digit" to str.isdigit, not to us
        ("-1", "4", "2011"),
        ("1.5", "4", "2011"),
        ("2", "4", "20x1"),
    ],
)
def test_impossible_dates_are_refused_clearly(day, month, year):
    assert only_error(dob(day, month, year), "date_of_birth") == "Date of birth must be a real date"


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("123", "4", "2011", "Date of birth must be a real date"),
        ("2", "004", "2011", "Date of birth must be a real date"),
        ("1" * 10_000, "4", "2011", "Date of birth must be a real date"),
        ("2", "4", "20110", "Year must include 4 numbers"),
        ("2", "4", "11", "Year must include 4 numbers"),
        ("2", "4", "9" * 10_000, "Year must include 4 numbers"),
        ("x" * 10_000, "y" * 10_000, "z" * 10_000, "Date of birth must be a real date"),
    ],
)
def test_over_long_input_is_refused_clearly(day, month, year, message):
    form = dob(day, month, year)
    assert only_error(form, "date_of_birth") == message
    # What was typed is shown again (cut to a sane length), not lost.
    html = str(form["date_of_birth"])
    assert len(html) < 2_000


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "4", "2011", "Date of birth must include a day"),
        ("2", "", "2011", "Date of birth must include a month"),
        ("2", "4", "", "Date of birth must include a year"),
        ("", "", "2011", "Date of birth must include a day and month"),
        ("2", "", "", "Date of birth must include a month and year"),
        ("", "4", "", "Date of birth must include a day and year"),
        ("", "", "", "Enter date of birth"),
        ("  ", " ", "", "Enter date of birth"),
    ],
)
def test_missing_parts_are_named(day, month, year, message):
    assert only_error(dob(day, month, year), "date_of_birth") == message


def test_a_missing_part_is_highlighted_and_linked_to_alone():
    form = dob("2", "", "2011")
    assert not form.is_valid()
    page = parse(str(form["date_of_birth"].as_field_group()))
    day, month, year = (page.by_id(f"id_date_of_birth_{part}") for part in ("day", "month", "year"))
    assert "govuk-input--error" in month.classes
    assert month.attrs["aria-invalid"] == "true"
    assert "govuk-input--error" not in day.classes
    assert "govuk-input--error" not in year.classes
    assert "aria-invalid" not in day.attrs
    assert [item.href for item in error_summary_items(form)] == ["#id_date_of_birth_month"]


def test_an_impossible_date_highlights_every_part():
    form = dob("31", "2", "2010")
    assert not form.is_valid()
    page = parse(str(form["date_of_birth"].as_field_group()))
    for part in ("day", "month", "year"):
        assert "govuk-input--error" in page.by_id(f"id_date_of_birth_{part}").classes
    assert [item.href for item in error_summary_items(form)] == ["#id_date_of_birth_day"]


def test_future_dates_can_be_refused():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    form = dob(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))
    assert only_error(form, "date_of_birth") == "Date of birth must be today or in the past"


def test_past_dates_can_be_refused():
    class EndsForm(GovukForm):
        ends_on = GovukDateField(label="Access ends on", allow_past=False)

    form = EndsForm(data={"ends_on_day": "1", "ends_on_month": "1", "ends_on_year": "2000"})
    assert only_error(form, "ends_on") == "Access ends on must be today or in the future"


def test_an_optional_date_may_be_left_empty_and_is_named_from_the_field():
    form = OptionalDateForm(data={"moved_on_day": "", "moved_on_month": "", "moved_on_year": ""})
    assert form.is_valid()
    assert form.cleaned_data["moved_on"] is None
    form = OptionalDateForm(data={"moved_on_day": "1", "moved_on_month": "", "moved_on_year": "2020"})
    assert only_error(form, "moved_on") == "Moved on must include a month"


def test_the_date_input_renders_as_a_govuk_date_input():
    form = DateOfBirthForm(initial={"date_of_birth": dt.date(2011, 4, 2)})
    page = parse(str(form))
    group = page.find("div", cls="govuk-form-group")
    fieldset = group.find("fieldset", cls="govuk-fieldset")
    assert fieldset.attrs["role"] == "group"
    assert fieldset.find("legend").text == "Date of birth"
    hint = fieldset.by_id("id_date_of_birth_helptext")
    assert hint.text == "For example, 27 3 2007"
    assert fieldset.attrs["aria-describedby"] == "id_date_of_birth_helptext"
    date_input = fieldset.find("div", cls="govuk-date-input")
    assert date_input.attrs["id"] == "id_date_of_birth"
    expected = {
        "day": ("2", "govuk-input--width-2"),
        "month": ("4", "govuk-input--width-2"),
        "year": ("2011", "govuk-input--width-4"),
    }
    for part, (value, width) in expected.items():
        box = date_input.by_id(f"id_date_of_birth_{part}")
        assert box.attrs["name"] == f"date_of_birth_{part}"
        assert box.attrs["value"] == value
        assert box.attrs["inputmode"] == "numeric"
        assert {"govuk-input", "govuk-date-input__input", width} <= box.classes
        label = date_input.find("label", for_=f"id_date_of_birth_{part}")
        assert label.text == part.capitalize()


def test_a_rejected_date_is_shown_again_as_typed():
    form = dob("31", "2", "2010")
    assert not form.is_valid()
    page = parse(str(form))
    assert page.by_id("id_date_of_birth_day").attrs["value"] == "31"
    assert page.by_id("id_date_of_birth_month").attrs["value"] == "2"
    fieldset = page.find("fieldset")
    assert fieldset.attrs["aria-describedby"] == "id_date_of_birth_helptext id_date_of_birth_error"
    error = page.by_id("id_date_of_birth_error")
    assert "govuk-error-message" in error.classes
    assert error.text == "Error: Date of birth must be a real date"


def test_unchanged_dates_are_not_changes():
    form = DateOfBirthForm(
        initial={"date_of_birth": dt.date(2011, 4, 2)},
        data={"date_of_birth_day": "02", "date_of_birth_month": "4", "date_of_birth_year": "2011"},
    )
    assert not form.has_changed()
    assert GovukDateWidget().decompress(dt.date(2011, 4, 2)) == ["2", "4", "2011"]


def test_model_form_dates_become_govuk_date_inputs(db):
    class MembershipDates(GovukModelForm):
        class Meta:
            model = Membership
            fields = ["starts_on", "ends_on"]

    form = MembershipDates()
    assert isinstance(form.fields["starts_on"], GovukDateField)
    assert isinstance(form.fields["ends_on"], GovukDateField)
    assert not form.fields["ends_on"].required
    form = MembershipDates(data={"starts_on_day": "31", "starts_on_month": "9", "starts_on_year": "2024"})
    assert only_error(form, "starts_on") == "Starts on must be a real date"


# --------------------------------------------------------------------------------------------------
# Field markup
# --------------------------------------------------------------------------------------------------


class EverythingForm(GovukForm):
    first_name = forms.CharField(
        label="First name",
        help_text="The name they use.",
        error_messages={"required": "Enter the first name"},
    )
    hours = forms.IntegerField(
        label="Hours", widget=forms.NumberInput(attrs={"class": "govuk-input--width-2"})
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    district = forms.ChoiceField(
        label="District", choices=[("", "Choose"), ("n", "Norwich"), ("b", "Breckland")]
    )
    kind = forms.ChoiceField(
        label="Who is this?",
        choices=[("yp", "Young person"), ("poc", "Person of concern")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who this is"},
    )
    needs = forms.MultipleChoiceField(
        label="Needs",
        choices=[("i", "Interpreter"), ("a", "Advocate")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    estimated = forms.BooleanField(label="The date is estimated", required=False)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("notes") == "clash":
            raise forms.ValidationError("These details clash with another record.")
        return cleaned


def test_a_text_field_is_a_govuk_form_group():
    page = parse(str(EverythingForm()))
    box = page.by_id("id_first_name")
    assert box.tag == "input"
    assert box.classes == {"govuk-input"}
    assert box.attrs["aria-describedby"] == "id_first_name_helptext"
    group = page.find("div", cls="govuk-form-group")
    label = group.find("label", cls="govuk-label")
    assert label.attrs["for"] == "id_first_name"
    assert label.text == "First name"  # no Django ":" suffix
    assert group.by_id("id_first_name_helptext").classes == {"govuk-hint"}
    assert not page.find_all(cls="govuk-error-message")


def test_widget_classes_are_kept_beside_govuk_ones():
    page = parse(str(EverythingForm()))
    assert page.by_id("id_hours").classes == {"govuk-input", "govuk-input--width-2"}


def test_each_widget_gets_its_govuk_component():
    page = parse(str(EverythingForm()))
    assert page.by_id("id_notes").tag == "textarea"
    assert page.by_id("id_notes").classes == {"govuk-textarea"}
    assert page.by_id("id_district").classes == {"govuk-select"}

    radios = page.find("div", cls="govuk-radios")
    assert radios.attrs["data-module"] == "govuk-radios"
    first = radios.by_id("id_kind_0")
    assert first.classes == {"govuk-radios__input"}
    assert first.attrs["type"] == "radio"
    assert radios.find("label", for_="id_kind_0").classes == {"govuk-label", "govuk-radios__label"}
    assert radios.find("label", for_="id_kind_1").text == "Person of concern"
    legend = page.find("legend", cls="govuk-fieldset__legend")
    assert legend.text == "Who is this?"

    checkboxes = page.find("div", cls="govuk-checkboxes")
    assert checkboxes.by_id("id_needs_0").classes == {"govuk-checkboxes__input"}
    assert checkboxes.find("label", for_="id_needs_1").text == "Advocate"

    single = page.by_id("id_estimated")
    assert single.classes == {"govuk-checkboxes__input"}
    assert page.find("label", for_="id_estimated").text == "The date is estimated"

    password = page.by_id("id_password")
    assert {"govuk-input", "govuk-password-input__input", "govuk-js-password-input-input"} <= password.classes
    assert page.find("div", cls="govuk-password-input").attrs["data-module"] == "govuk-password-input"

    hidden = page.by_id("id_secret")
    assert hidden.attrs["type"] == "hidden"
    assert "class" not in hidden.attrs


def test_errors_are_shown_at_the_field_with_a_hidden_prefix():
    form = EverythingForm(data={"hours": "x", "district": "n"})
    assert not form.is_valid()
    page = parse(str(form))
    box = page.by_id("id_first_name")
    assert box.classes == {"govuk-input", "govuk-input--error"}
    assert box.attrs["aria-invalid"] == "true"
    assert box.attrs["aria-describedby"] == "id_first_name_helptext id_first_name_error"
    group = next(g for g in page.find_all("div", cls="govuk-form-group") if g.find_all(id="id_first_name"))
    assert "govuk-form-group--error" in group.classes
    error = group.by_id("id_first_name_error")
    assert error.tag == "p"
    assert "govuk-error-message" in error.classes
    hidden_prefix = error.find("span", cls="govuk-visually-hidden")
    assert hidden_prefix.text == "Error:"
    assert error.text == "Error: Enter the first name"

    assert page.by_id("id_hours").classes == {"govuk-input", "govuk-input--width-2", "govuk-input--error"}
    assert "govuk-select--error" not in page.by_id("id_district").classes
    radios_group = page.by_id("id_kind_error")
    assert radios_group.text == "Error: Select who this is"


def test_the_error_summary_links_each_error_to_its_input():
    form = EverythingForm(data={"hours": "x", "notes": "clash"})
    assert not form.is_valid()
    items = [(item.message, item.href) for item in error_summary_items(form)]
    assert items == [
        ("These details clash with another record.", "#id_first_name"),
        ("Enter the first name", "#id_first_name"),
        ("Enter a whole number.", "#id_hours"),
        ("This field is required.", "#id_district"),
        ("Select who this is", "#id_kind_0"),
    ]


def test_the_error_summary_tag_renders_the_govuk_component():
    form = EverythingForm(data={"hours": "3", "district": "n", "kind": "yp"})
    assert not form.is_valid()
    html = Template("{% load govuk %}{% error_summary form %}").render(Context({"form": form}))
    page = parse(html)
    summary = page.find("div", cls="govuk-error-summary")
    assert summary.attrs["data-module"] == "govuk-error-summary"
    assert summary.find("div", role="alert")
    assert summary.find("h2", cls="govuk-error-summary__title").text == "There is a problem"
    links = summary.find("ul", cls="govuk-error-summary__list").find_all("a")
    assert [(a.attrs["href"], a.text) for a in links] == [("#id_first_name", "Enter the first name")]


def test_no_error_summary_without_errors():
    template = Template("{% load govuk %}{% error_summary form other %}")
    assert template.render(Context({"form": EverythingForm(), "other": None})).strip() == ""
    valid = EverythingForm(data={"first_name": "Jade", "hours": "2", "district": "n", "kind": "yp"})
    assert valid.is_valid(), valid.errors
    assert template.render(Context({"form": valid})).strip() == ""


def test_govuk_field_tag_styles_any_form():
    class PlainForm(forms.Form):
        code = forms.CharField(label="Code", widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}))

    form = PlainForm(data={})
    assert not form.is_valid()
    html = Template("{% load govuk %}{% govuk_field form.code %}").render(Context({"form": form}))
    page = parse(html)
    assert page.by_id("id_code").classes == {"govuk-input", "govuk-input--error"}
    assert page.by_id("id_code").attrs["autocomplete"] == "one-time-code"
    assert page.by_id("id_code_error").text == "Error: This field is required."


def test_the_renderer_styles_plain_forms_when_it_is_the_project_renderer(settings):
    settings.FORM_RENDERER = "harbour.ui.forms.GovukFormRenderer"

    class PlainForm(forms.Form):
        name = forms.CharField(label="Name")
        started = forms.DateField(label="Started")  # a plain DateField keeps its own widget

    form = PlainForm(data={"name": ""})
    assert isinstance(form.renderer, GovukFormRenderer)
    page = parse(str(form))
    assert page.by_id("id_name").classes == {"govuk-input", "govuk-input--error"}
    assert page.by_id("id_name_error").text == "Error: This field is required."
    assert page.by_id("id_started").classes == {"govuk-input", "govuk-input--error"}
    assert [item.href for item in error_summary_items(form)] == ["#id_name", "#id_started"]
