"""Django forms rendered as GOV.UK Design System form components.

- ``GovukFormRenderer``: the project's ``FORM_RENDERER``. ``{{ form }}`` and ``{{ form.field }}``
  render GOV.UK form groups: label, hint, error message ("Error:" hidden prefix), and inputs,
  selects, textareas, radios and checkboxes with their GOV.UK classes.
- ``GovukForm`` / ``GovukModelForm`` (or ``GovukFormMixin``): forms that render this way whatever the
  project renderer is, and that show model date fields as GOV.UK date inputs.
- ``GovukDateField`` with ``GovukDateWidget``: day, month and year boxes giving a ``datetime.date``,
  with GOV.UK's error messages ("Date of birth must be a real date").
- ``error_summary_items(form)``: the entries of the GOV.UK error summary, each linking to the
  input to fix; the ``{% error_summary form %}`` tag in ``ui/templatetags/govuk.py`` renders them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import BaseRenderer, DjangoTemplates
from django.forms.utils import pretty_name
from django.forms.widgets import Input
from django.utils import timezone

DATE_PARTS = ("day", "month", "year")

MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

# Longest text kept from any one date box: far more than any real answer, and a bound on the work
# done with hostile input. Anything this long is refused as not a real date anyway.
MAX_PART_LENGTH = 100


def _lower_first(text: str) -> str:
    """'Date of birth' -> 'date of birth', but leave 'NHS number' alone."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _digits(text: str) -> bool:
    """Only the digits 0 to 9 (str.isdigit also accepts '²' and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def _join_parts(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


class GovukDateWidget(forms.MultiWidget):
    """Three text boxes (day, month, year) in a GOV.UK date input.

    The posted names are ``<name>_day``, ``<name>_month`` and ``<name>_year``; the inputs' ids are
    ``<id>_day`` and so on, and the first (``<id>_day``) is where labels and error links point.
    """

    template_name = "ui/forms/widgets/date.html"
    use_fieldset = True
    ERROR_PARTS_ATTR = "govuk_error_parts"  # private: set by GovukBoundField, never rendered

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in DATE_PARTS
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str | None]:
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        values = super().value_from_datadict(data, files, name)
        return [str(value or "")[:MAX_PART_LENGTH].strip() for value in values]

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_day" if id_ else ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        error_parts = set(attrs.pop(self.ERROR_PARTS_ATTR, ()) or ())
        attrs.pop("aria-invalid", None)  # set on the boxes that are wrong, below
        attrs.pop("class", None)
        context = super().get_context(name, value, attrs)
        container_id = context["widget"]["attrs"].get("id", "")
        for part, subwidget in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
            sub_attrs = subwidget["attrs"]
            width = "govuk-input--width-4" if part == "year" else "govuk-input--width-2"
            classes = ["govuk-input", "govuk-date-input__input", width]
            if part in error_parts:
                classes.append("govuk-input--error")
                sub_attrs["aria-invalid"] = "true"
            sub_attrs["class"] = " ".join(classes)
            sub_attrs["autocomplete"] = self._autocomplete(part)
            if container_id:
                sub_attrs["id"] = f"{container_id}_{part}"
            subwidget["label"] = part.capitalize()
            subwidget["part"] = part
        return context

    def _autocomplete(self, part: str) -> str:
        """bday-day and so on when the widget is for a birth date (autocomplete="bday" on it)."""
        if self.attrs.get("autocomplete") == "bday":
            return f"bday-{part}"
        return "off"


class GovukDateField(forms.Field):
    """A date entered as day, month and year, checked the way GOV.UK's date input pattern says.

    Messages name the field by its label: "Enter date of birth", "Date of birth must include a
    month", "Date of birth must be a real date", "Year must include 4 numbers". Month names
    ("Feb", "February") are accepted as well as numbers.
    """

    widget = GovukDateWidget
    default_error_messages = {
        "required": "Enter {subject}",
        "incomplete": "{Subject} must include a {missing}",
        "invalid": "{Subject} must be a real date",
        "year_length": "Year must include 4 numbers",
        "future": "{Subject} must be today or in the past",
        "past": "{Subject} must be today or in the future",
    }

    def __init__(self, *, allow_future: bool = True, allow_past: bool = True, **kwargs: Any) -> None:
        self.allow_future = allow_future
        self.allow_past = allow_past
        super().__init__(**kwargs)

    @property
    def subject(self) -> str:
        return str(self.label or "Date")

    def _error(self, code: str, parts: list[str], **extra: str) -> ValidationError:
        message = self.error_messages[code].format(
            subject=_lower_first(self.subject), Subject=self.subject, **extra
        )
        # The parts travel with the error so the boxes at fault (and only those) are highlighted,
        # and the error summary links to the first of them.
        return ValidationError(message, code=code, params={"parts": parts})

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, (list, tuple)):
            value = [None, None, None]
        texts = [str(part or "").strip() for part in list(value)[:3]]
        texts += [""] * (3 - len(texts))
        day, month, year = texts
        if not any(texts):
            return None
        missing = [part for part, text in zip(DATE_PARTS, texts, strict=True) if not text]
        if missing:
            raise self._error("incomplete", missing, missing=_join_parts(missing))
        wrong = []
        if not (_digits(day) and len(day) <= 2):
            wrong.append("day")
        if not ((_digits(month) and len(month) <= 2) or month.lower() in MONTH_NAMES):
            wrong.append("month")
        if not _digits(year):
            wrong.append("year")
        elif len(year) != 4 and not wrong:
            raise self._error("year_length", ["year"])
        elif len(year) != 4:
            wrong.append("year")
        if wrong:
            raise self._error("invalid", wrong)
        month_number = int(month) if _digits(month) else MONTH_NAMES[month.lower()]
        try:
            return dt.date(int(year), month_number, int(day))
        except ValueError:
            raise self._error("invalid", list(DATE_PARTS)) from None

    def validate(self, value: dt.date | None) -> None:
        if value is None:
            if self.required:
                raise self._error("required", list(DATE_PARTS))
            return
        today = timezone.localdate()
        if not self.allow_future and value > today:
            raise self._error("future", list(DATE_PARTS))
        if not self.allow_past and value < today:
            raise self._error("past", list(DATE_PARTS))

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        try:
            return self.to_python(data) != self.to_python(initial)
        except ValidationError:
            return True


def _widget_kind(widget: forms.Widget) -> str:
    """Which GOV.UK component a Django widget is shown as."""
    if isinstance(widget, GovukDateWidget):
        return "date"
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):  # includes SelectMultiple and NullBooleanSelect
        return "select"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.PasswordInput):
        return "password"
    if isinstance(widget, forms.MultiWidget):
        return "multi"
    if isinstance(widget, Input):
        return "input"
    return "other"


_KIND_CLASSES = {
    "input": ("govuk-input", "govuk-input--error"),
    "password": (
        "govuk-input govuk-password-input__input govuk-js-password-input-input",
        "govuk-input--error",
    ),
    "multi": ("govuk-input", "govuk-input--error"),
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "select": ("govuk-select", "govuk-select--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "radios": ("govuk-radios__input", ""),
    "checkboxes": ("govuk-checkboxes__input", ""),
    "checkbox": ("govuk-checkboxes__input", ""),
}


class GovukBoundField(BoundField):
    """A bound field that gives its widget GOV.UK classes and knows where its error should link."""

    @classmethod
    def from_bound(cls, bound: BoundField) -> GovukBoundField:
        """The same field of the same form, as a GovukBoundField (for forms rendered elsewhere)."""
        if isinstance(bound, cls):
            return bound
        return cls(bound.form, bound.field, bound.name)

    @property
    def kind(self) -> str:
        return _widget_kind(self.field.widget)

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        attrs = dict(super().build_widget_attrs(attrs, widget))
        widget = widget or self.field.widget
        if isinstance(widget, GovukDateWidget):
            attrs[GovukDateWidget.ERROR_PARTS_ATTR] = self.error_parts
            return attrs
        if type(widget).__module__.startswith("django.contrib.admin"):
            return attrs  # the admin site has its own styles
        base, error = _KIND_CLASSES.get(_widget_kind(widget), ("", ""))
        classes = [attrs.get("class") or widget.attrs.get("class", ""), base]
        if self.errors and error:
            classes.append(error)
        joined = " ".join(name for name in " ".join(classes).split() if name)
        if joined:
            attrs["class"] = joined
        placeholder = widget.attrs.get("placeholder")
        if placeholder is not None and (
            not isinstance(self.form, GovukFormMixin) or str(placeholder).strip() == str(self.label).strip()
        ):
            # GOV.UK advises against placeholders: they vanish as you type and are often too faint to
            # read. Other apps' forms (allauth's) get none; our own keep one only if it is more than
            # the label again. False leaves the attribute out.
            attrs["placeholder"] = False
        if _widget_kind(widget) == "password":
            attrs.setdefault("spellcheck", "false")
            attrs.setdefault("autocapitalize", "none")
        return attrs

    @property
    def error_parts(self) -> list[str]:
        """For a date: which of day, month and year are wrong (all of them if the error does not say)."""
        parts: list[str] = []
        for error in self.form.errors.as_data().get(self.name, []) if self.form.is_bound else []:
            params = error.params or {}
            for part in params.get("parts", DATE_PARTS):
                if part not in parts:
                    parts.append(part)
        return [part for part in DATE_PARTS if part in parts]

    @property
    def error_target_id(self) -> str:
        """The id of the input an error summary link should move focus to."""
        widget = self.field.widget
        id_ = widget.attrs.get("id") or self.auto_id
        if not id_:
            return ""
        if isinstance(widget, GovukDateWidget):
            parts = self.error_parts or ["day"]
            return f"{id_}_{parts[0]}"
        if isinstance(widget, forms.RadioSelect):  # and CheckboxSelectMultiple: the first option
            return widget.id_for_label(id_, "0")
        return widget.id_for_label(id_) or id_

    @property
    def aria_describedby(self) -> str | None:
        # Django's rule, plus the example hint every date input has even without help text.
        if self.field.widget.attrs.get("aria-describedby"):
            return None
        ids = []
        if self.auto_id and not self.is_hidden:
            if self.help_text or self.default_hint:
                ids.append(self.hint_id)
            if self.errors:
                ids.append(self.error_id)
        return " ".join(ids)

    @property
    def default_hint(self) -> str:
        """The hint a field shows when it has no help text of its own."""
        return "For example, 27 3 2007" if self.kind == "date" else ""

    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}_helptext" if self.auto_id else ""

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}_error" if self.auto_id else ""

    @property
    def error_messages(self) -> list[str]:
        return [str(message) for message in self.errors]


class GovukFormRenderer(DjangoTemplates):
    """Render every form, field and error the GOV.UK way (the project's ``FORM_RENDERER``)."""

    form_template_name = "ui/forms/div.html"
    field_template_name = "ui/forms/field.html"
    bound_field_class = GovukBoundField


# One renderer for the forms below: building a template engine per form would be wasteful.
renderer = GovukFormRenderer()


class GovukFormMixin:
    """Render with GOV.UK templates whatever the project renderer, and ask for dates GOV.UK's way.

    A plain ``forms.DateField`` with its default widget (as a ModelForm makes for a model's
    DateField) is swapped for a ``GovukDateField`` with the same label, hint, requiredness,
    initial value and validators.
    """

    default_renderer: BaseRenderer | type[BaseRenderer] | None = renderer
    bound_field_class: type[BoundField] | None = GovukBoundField
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, original in list(self.fields.items()):
            field = original
            if (
                isinstance(original, forms.DateField)
                and not isinstance(original, forms.DateTimeField)
                and type(original.widget) is forms.DateInput
            ):
                field = self.fields[name] = GovukDateField(
                    required=original.required,
                    label=original.label,
                    help_text=original.help_text,
                    initial=original.initial,
                    disabled=original.disabled,
                    validators=original.validators,
                )
            if isinstance(field, GovukDateField) and not field.label:
                field.label = pretty_name(name)


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass


@dataclass(frozen=True)
class ErrorSummaryItem:
    message: str
    href: str  # "#<input id>", or "" when there is nothing on the page to link to


def error_summary_items(*forms_: Any) -> list[ErrorSummaryItem]:
    """The GOV.UK error summary for one or more forms: each field's errors, in the order of the form.

    Errors that belong to no field (and to hidden fields) link to the form's first visible field,
    which is where the user starts to put things right.
    """
    items: list[ErrorSummaryItem] = []
    for form in forms_:
        if form is None or not getattr(form, "is_bound", False) or not form.errors:
            continue
        visible = [GovukBoundField.from_bound(bound) for bound in form.visible_fields()]
        first_href = f"#{visible[0].error_target_id}" if visible and visible[0].error_target_id else ""
        general = list(form.non_field_errors())
        for bound in form.hidden_fields():
            general.extend(f"{bound.label}: {message}" for message in bound.errors)
        items.extend(ErrorSummaryItem(str(message), first_href) for message in general)
        for bound in visible:
            href = f"#{bound.error_target_id}" if bound.error_target_id else ""
            items.extend(ErrorSummaryItem(message, href) for message in bound.error_messages)
    return items
