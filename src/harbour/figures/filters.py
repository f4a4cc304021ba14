"""What the figures are about: the period, and which young people (district, age band, gender, ethnicity).

The filters describe groups, never one person, so they travel in the URL (a GET form). A young
person's district is the district of the town of their current address; their age is their age today;
their ethnicity is counted by its group (the ONS 2021 census groups in the reference data).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from harbour.core.models import District
from harbour.people.models import Address, Ethnicity, Gender, Person
from harbour.ui.forms import GovukForm

# (code, label, youngest, oldest or None)
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("under-10", "Under 10", 0, 9),
    ("10-12", "10 to 12", 10, 12),
    ("13-15", "13 to 15", 13, 15),
    ("16-17", "16 to 17", 16, 17),
    ("18-and-over", "18 and over", 18, None),
)
PERIODS: tuple[tuple[int, str], ...] = (
    (3, "Last 3 months"),
    (6, "Last 6 months"),
    (12, "Last 12 months"),
    (24, "Last 24 months"),
)
DEFAULT_MONTHS = 12
ETHNICITY_NOT_KNOWN = "not-known"


@dataclass(frozen=True)
class Period:
    """Whole calendar months ending with the current one (which runs to today)."""

    months: tuple[date, ...]  # the first day of each month, oldest first
    today: date

    @property
    def first_day(self) -> date:
        return self.months[0]

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """The end of today: times before this are in the period."""
        return local_midnight(self.today + timedelta(days=1))

    @property
    def words(self) -> str:
        return f"{self.first_day:%-d %B %Y} to {self.today:%-d %B %Y}"


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def period_of(months: int, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    firsts = []
    year, month = today.year, today.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return Period(months=tuple(reversed(firsts)), today=today)


def month_label(first_day: date) -> str:
    return f"{calendar.month_abbr[first_day.month]} {first_day.year}"


@dataclass(frozen=True)
class Filters:
    """The chosen filters. Empty strings mean "all"."""

    months: int = DEFAULT_MONTHS
    district: str = ""
    age_band: str = ""
    gender: str = ""
    ethnicity: str = ""
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def narrows_people(self) -> bool:
        return bool(self.district or self.age_band or self.gender or self.ethnicity)

    def audit_detail(self) -> dict[str, Any]:
        """The filters for the audit trail: codes of groups, nothing about any one person."""
        return {
            "months": self.months,
            **{
                name: value
                for name in ("district", "age_band", "gender", "ethnicity")
                if (value := getattr(self, name))
            },
        }

    def described(self) -> list[str]:
        """The chosen filters in words, for the page: ["District: Norwich", ...]."""
        return [
            self.labels[name]
            for name in ("district", "age_band", "gender", "ethnicity")
            if name in self.labels
        ]


def ethnicity_groups() -> list[tuple[str, str]]:
    """(code, label) of each ethnic group in the reference data, in its order, then "not known"."""
    groups: list[tuple[str, str]] = []
    for group in Ethnicity.objects.filter(active=True).exclude(group="").values_list("group", flat=True):
        code = slugify(group)
        if code and code not in {existing for existing, _ in groups}:
            groups.append((code, group))
    groups.append((ETHNICITY_NOT_KNOWN, "Not known or not given"))
    return groups


def _age_band_q(code: str, today: date) -> Q:
    for band, _label, youngest, oldest in AGE_BANDS:
        if band != code:
            continue
        # Aged at least `youngest` today: born on or before today `youngest` years ago.
        condition = Q(date_of_birth__lte=_years_before(today, youngest))
        if oldest is not None:
            # Younger than `oldest + 1`: born after today `oldest + 1` years ago.
            condition &= Q(date_of_birth__gt=_years_before(today, oldest + 1))
        return condition
    raise ValueError(f"Unknown age band {code!r}.")


class AgeBands:
    """The age band of a date of birth today: the same boundaries as the filter's query
    (``_age_band_q``), worked out once for a day."""

    def __init__(self, today: date) -> None:
        self._bands = [
            (
                band,
                _years_before(today, youngest),
                None if oldest is None else _years_before(today, oldest + 1),
            )
            for band, _label, youngest, oldest in AGE_BANDS
        ]

    def __call__(self, date_of_birth: date | None) -> str:
        """The band's code, or "" for none (not known, or younger than every band)."""
        if date_of_birth is None:
            return ""
        for band, born_by, born_after in self._bands:
            if date_of_birth <= born_by and (born_after is None or date_of_birth > born_after):
                return band
        return ""


def ethnicity_code_of(group: str | None) -> str:
    """The filter's code for an ethnic group (``not-known`` for none)."""
    return slugify(group) if group else ETHNICITY_NOT_KNOWN


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def cohort(filters: Filters, today: date | None = None) -> QuerySet[Any] | None:
    """The ids of the young people the filters choose, as a subquery; ``None`` when they choose everyone
    (every panel's records are about young people already, so no condition is needed)."""
    if not filters.narrows_people:
        return None
    today = today or timezone.localdate()
    people = Person.objects.filter(kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True)
    if filters.gender:
        people = people.filter(gender__code=filters.gender)
    if filters.ethnicity == ETHNICITY_NOT_KNOWN:
        people = people.filter(Q(ethnicity__isnull=True) | Q(ethnicity__group=""))
    elif filters.ethnicity:
        groups = [name for code, name in ethnicity_groups() if code == filters.ethnicity]
        people = people.filter(ethnicity__group__in=groups)
    if filters.age_band:
        people = people.filter(_age_band_q(filters.age_band, today))
    if filters.district:
        current_address = Address.objects.filter(
            person=OuterRef("pk"), ends_on__isnull=True, town__district__code=filters.district
        )
        people = people.filter(Exists(current_address))
    return people.values("pk")


class FiguresFilterForm(GovukForm):
    """The filters, as a GET form. Every field may be left at "All"."""

    months = forms.TypedChoiceField(
        label="Period",
        choices=PERIODS,
        coerce=int,
        required=False,
        empty_value=None,
        initial=DEFAULT_MONTHS,
    )
    district = forms.ChoiceField(label="District", required=False)
    age_band = forms.ChoiceField(label="Age", required=False)
    gender = forms.ChoiceField(label="Gender", required=False)
    ethnicity = forms.ChoiceField(label="Ethnic group", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", "All")]
        choices = {
            "district": every + list(District.objects.filter(active=True).values_list("code", "label")),
            "age_band": every + [(code, label) for code, label, _, _ in AGE_BANDS],
            "gender": every + list(Gender.objects.filter(active=True).values_list("code", "label")),
            "ethnicity": every + ethnicity_groups(),
        }
        self.choice_labels = {name: dict(options) for name, options in choices.items()}
        for name, options in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = options

    def filters(self) -> Filters:
        """The valid filters (a field with a value not on its list is left out, and shown as an error)."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        values: dict[str, Any] = {}
        labels: dict[str, str] = {}
        for name in ("district", "age_band", "gender", "ethnicity"):
            value = data.get(name) or ""
            if value:
                values[name] = value
                choice = self.choice_labels[name].get(value, value)
                labels[name] = f"{self.fields[name].label}: {choice}"
        months = data.get("months") or DEFAULT_MONTHS
        return Filters(months=months, labels=labels, **values)
