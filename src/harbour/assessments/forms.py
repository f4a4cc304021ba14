"""Forms for joint exploitation risk assessments, rendered as GOV.UK components."""

from __future__ import annotations

from typing import Any

from django import forms

from harbour.assessments.inputs import AnswerInput
from harbour.assessments.models import Answer, Indicator, RiskLevel, ScreeningToolVersion
from harbour.frontdoor.models import ConcernType
from harbour.ui.forms import GovukForm


def _long_text(label: str, *, rows: int = 4, required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class OpenForm(GovukForm):
    tool_version = forms.ModelChoiceField(
        label="Screening tool",
        queryset=ScreeningToolVersion.objects.none(),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select a screening tool.", "invalid_choice": "Select a screening tool."},
    )
    referral = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tool_version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ScreeningToolVersion.objects.filter(active=True, tool__active=True).select_related(
            "tool"
        )


class VersionForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RequestForm(GovukForm):
    contributor = forms.ChoiceField(
        label="Professional to ask",
        help_text=(
            "They see the young person's record in full until the assessment is agreed or closed, or you "
            "withdraw the request."
        ),
        error_messages={"required": "Select a professional.", "invalid_choice": "Select a professional."},
    )

    def __init__(self, *args: Any, people: list[tuple[Any, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contributor"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose a professional")] + [
            (str(user.pk), f"{user} ({agency})") for user, agency in people or []
        ]


class SectionsForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    young_person_words = _long_text(
        "The young person's own words and wishes",
        rows=6,
        help_text="What they said, in their words, and what they want to happen.",
    )
    words_missing_reason = _long_text(
        "If their words are not recorded, why not",
        rows=2,
        help_text="For example, the young person declined to take part.",
    )
    extra_familial_summary = _long_text(
        "Extra-familial risk",
        rows=5,
        help_text="Harm outside the family: places, peers, adults and online. The level reflects this harm.",
    )
    home_protective_factors = _long_text(
        "Protective factors at home",
        rows=4,
        help_text="Recorded separately. They do not lower the level of extra-familial risk.",
    )


class AgreeForm(GovukForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    agreed_level = forms.ModelChoiceField(
        label="Agreed level",
        queryset=RiskLevel.objects.none(),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select the agreed level.", "invalid_choice": "Select the agreed level."},
    )
    judgement_reason = _long_text(
        "Professional judgement",
        rows=3,
        help_text="Needed if the agreed level is above or below the computed level: say why.",
    )
    exploitation_types = forms.ModelMultipleChoiceField(
        label="Exploitation types identified",
        queryset=ConcernType.objects.filter(active=True),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    rationale = _long_text(
        "Rationale",
        rows=5,
        required=True,
        error_messages={"required": "Say why you agree this level."},
    )

    def __init__(self, *args: Any, tool_id: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agreed_level"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = RiskLevel.objects.filter(tool_id=tool_id).order_by("rank")


class CloseForm(GovukForm):
    """The lead closes an open assessment without agreeing a level, saying why."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = _long_text(
        "Why are you closing the assessment without agreeing a level?",
        rows=4,
        required=True,
        help_text="For example, the young person moved out of the area and their case was transferred.",
        error_messages={"required": "Say why the assessment is being closed without agreement."},
    )


class WithdrawRequestForm(GovukForm):
    """The lead's "Withdraw the request" button beside a contribution not started yet. It carries the
    contribution's version as shown, so a contribution saved since the page was drawn is not lost."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OfferAcceptForm(GovukForm):
    """The "Add to your contribution" button beside an offered indicator. It carries the offer's version
    as shown, so evidence changed since the page was drawn is not taken unread; prefixed per offer."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, offer_id: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"accept-{offer_id}", **kwargs)


class OfferDeclineForm(GovukForm):
    """A contributor decides not to take an offered indicator into their contribution, saying why.

    One per offer on the assessment page, each with its own prefix so the fields' ids differ. It carries
    the offer's version as shown: if the evidence offered changes meanwhile, declining is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = _long_text(
        "Why are you not taking this indicator?",
        rows=3,
        required=True,
        help_text="For example, it is already answered from better evidence.",
        error_messages={"required": "Say why you are not taking this indicator."},
    )

    def __init__(self, *args: Any, offer_id: Any, indicator_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"decline-{offer_id}", **kwargs)
        if indicator_label:
            self.name_indicator(indicator_label)

    def name_indicator(self, indicator_label: str) -> None:
        """Put the indicator in the label, so each decline box on the page says which it is about."""
        self.fields["reason"].label = f"Why are you not taking \u201c{indicator_label}\u201d?"


class ContributionForm(GovukForm):
    """One question group per indicator: the answer, its timeframe, evidence and source."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    summary = _long_text("Summary of your agency's view", rows=4)

    def __init__(self, *args: Any, indicators: list[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            code = indicator.code
            self.fields[f"value-{code}"] = forms.ChoiceField(
                label="Answer",
                help_text=indicator.help_text,
                choices=[("", "Not answered"), *Answer.Value.choices],
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"timeframe-{code}"] = forms.ChoiceField(
                label="When",
                choices=Answer.Timeframe.choices,
                widget=forms.RadioSelect,
                initial=Answer.Timeframe.CURRENT,
                required=False,
            )
            self.fields[f"evidence-{code}"] = _long_text("Evidence", rows=2)
            self.fields[f"source-{code}"] = forms.CharField(label="Source", required=False, max_length=300)

    def groups(self) -> list[dict[str, Any]]:
        """The indicators by category, each with its four bound fields, for the template."""
        grouped: dict[str, dict[str, Any]] = {}
        for indicator in self.indicators:
            category = indicator.category
            group = grouped.setdefault(category.code, {"category": category, "rows": []})
            code = indicator.code
            group["rows"].append(
                {
                    "indicator": indicator,
                    "value": self[f"value-{code}"],
                    "timeframe": self[f"timeframe-{code}"],
                    "evidence": self[f"evidence-{code}"],
                    "source": self[f"source-{code}"],
                }
            )
        return list(grouped.values())

    def answers(self) -> list[AnswerInput]:
        data = self.cleaned_data
        found = []
        for indicator in self.indicators:
            code = indicator.code
            value = data.get(f"value-{code}") or ""
            if not value:
                continue
            found.append(
                AnswerInput(
                    indicator=code,
                    value=value,
                    timeframe=data.get(f"timeframe-{code}") or Answer.Timeframe.CURRENT,
                    evidence=data.get(f"evidence-{code}") or "",
                    source=data.get(f"source-{code}") or "",
                )
            )
        return found

    def field_for(self, service_key: str, position: dict[int, str]) -> str | None:
        """Map a service error key like ``answers.3.evidence`` back to this form's field name."""
        parts = service_key.split(".")
        if len(parts) == 3 and parts[0] == "answers" and parts[1].isdigit():
            code = position.get(int(parts[1]))
            kind = {"indicator": "value"}.get(parts[2], parts[2])
            name = f"{kind}-{code}"
            return name if name in self.fields else None
        return service_key if service_key in self.fields else None
