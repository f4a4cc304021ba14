"""Joint exploitation risk assessments: screening tools as reference data, and the assessments.

A screening tool (Norfolk-style levels, SERAF-style points...) is a ``ScreeningTool`` with one or more
``ScreeningToolVersion`` rows. A version's ``rule`` (JSON) names the indicators it asks about and how
answers turn into a ``RiskLevel`` (see scoring.py). An assessment keeps the version it was opened
under, so a new version never re-scores an old assessment. Once an assessment uses a version, its rule
cannot change: an administrator adds a new version instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from harbour.core.models import BaseModel, ReferenceData


class IndicatorCategory(ReferenceData):
    """A group of indicators: background vulnerabilities, whereabouts and missing, education..."""

    class Kind(models.TextChoices):
        BACKGROUND = "background", "Background vulnerabilities"
        CURRENT = "current", "Current risk indicators"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CURRENT)

    class Meta(ReferenceData.Meta):
        verbose_name = "indicator category"
        verbose_name_plural = "indicator categories"


class Indicator(ReferenceData):
    """One thing a professional can say yes, no or not known to, about extra-familial harm."""

    category = models.ForeignKey(IndicatorCategory, on_delete=models.PROTECT, related_name="indicators")
    help_text = models.TextField(blank=True)
    health_restricted = models.BooleanField(
        default=False,
        help_text="Answers are seen in full only by health staff, their author and the lead professional.",
    )

    class Meta:
        ordering = ["category__sort_order", "sort_order", "label"]


class ScreeningTool(ReferenceData):
    """A screening tool the partnership uses, such as a Norfolk-style scale or a SERAF-style scale."""


class RiskLevel(ReferenceData):
    """A level on a tool's scale. ``rank`` orders levels and is comparable across tools:
    0 no identified risk, 1 low or standard, 2 medium, 3 high."""

    tool = models.ForeignKey(ScreeningTool, on_delete=models.PROTECT, related_name="levels")
    rank = models.PositiveSmallIntegerField()
    review_interval_days = models.PositiveSmallIntegerField(
        help_text="The next review is due this many days after the level is agreed."
    )

    class Meta:
        ordering = ["tool__sort_order", "rank"]
        constraints = [models.UniqueConstraint(fields=["tool", "rank"], name="risk_level_rank_once_per_tool")]


class ScreeningToolVersion(ReferenceData):
    """One version of a tool: the indicators it asks about and its scoring rule (JSON, see scoring.py)."""

    tool = models.ForeignKey(ScreeningTool, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=40)
    effective_from = models.DateField()
    rule = models.JSONField()

    class Meta:
        ordering = ["tool__sort_order", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "version"], name="tool_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.tool.label}, version {self.version}"

    def clean(self) -> None:
        from harbour.assessments import scoring

        if self._rule_changed_in_use():
            raise ValidationError(
                {"rule": "Assessments use this version, so its rule cannot change. Add a new version."}
            )
        try:
            scoring.validate_rule(
                self.rule,
                indicator_codes=set(Indicator.objects.values_list("code", flat=True)),
                level_ranks=dict(RiskLevel.objects.filter(tool_id=self.tool_id).values_list("code", "rank")),
            )
        except scoring.RuleError as error:
            raise ValidationError({"rule": str(error)}) from error

    def _rule_changed_in_use(self) -> bool:
        if self.pk is None or not self.assessments.exists():
            return False
        stored = type(self).objects.filter(pk=self.pk).values_list("rule", flat=True).first()
        return stored is not None and stored != self.rule

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An assessment is scored under the rule it was opened with: a rule in use never changes.
        if self._rule_changed_in_use():
            raise ValidationError(
                {"rule": "Assessments use this version, so its rule cannot change. Add a new version."}
            )
        super().save(*args, **kwargs)

    def indicator_codes(self) -> list[str]:
        return list(self.rule.get("indicators", {}))


class Assessment(BaseModel):
    """A joint exploitation risk assessment of one young person, led by one professional."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for contributions"
        AGREED = "agreed", "Agreed"
        CLOSED = "closed", "Closed"

    class Judgement(models.TextChoices):
        NONE = "", "Agreed the computed level"
        UP = "up", "Raised by professional judgement"
        DOWN = "down", "Lowered by professional judgement"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="risk_assessments")
    tool_version = models.ForeignKey(
        ScreeningToolVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_led"
    )
    lead_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    opened_from = models.ForeignKey(
        "frontdoor.Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="assessments"
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    opened_at = models.DateTimeField()
    # The young person's own words and wishes: their own section.
    young_person_words = models.TextField(blank=True)
    words_missing_reason = models.TextField(blank=True)
    # Protective factors at home are recorded apart from extra-familial risk and never lower the level.
    home_protective_factors = models.TextField(blank=True)
    extra_familial_summary = models.TextField(blank=True)
    computed_level = models.ForeignKey(
        RiskLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    computed_points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    agreed_level = models.ForeignKey(
        RiskLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    judgement = models.CharField(max_length=4, choices=Judgement.choices, blank=True, default="")
    judgement_reason = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    exploitation_types = models.ManyToManyField("frontdoor.ConcernType", blank=True, related_name="+")
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agreed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_review_on = models.DateField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Closed without agreeing a level (for example, the young person moved away): who and why. Empty when
    # an agreed assessment was closed because a newer one was agreed.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["person", "status"], name="assessment_person_status"),
            # A young person's agreed assessments in order: their current level is the latest one
            # (partnership figures, risk history).
            models.Index(fields=["person", "agreed_at"], name="assessment_person_agreed"),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Contribution(BaseModel):
    """One agency's part of an assessment: asked for by the lead, written by one professional."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for the contribution"
        SUBMITTED = "submitted", "Submitted"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="contributions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    summary = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "author"], name="contribution_once_per_author")
        ]

    def __str__(self) -> str:
        return f"Contribution {self.pk}"


class Answer(BaseModel):
    class Value(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_KNOWN = "not-known", "Not known"

    class Timeframe(models.TextChoices):
        CURRENT = "current", "Current"
        EARLIER = "6-12-months", "6 to 12 months ago"

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=10, choices=Value.choices)
    timeframe = models.CharField(max_length=12, choices=Timeframe.choices, default=Timeframe.CURRENT)
    evidence = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    offer = models.ForeignKey(
        "assessments.OfferedIndicator",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
    )

    class Meta:
        ordering = ["indicator__category__sort_order", "indicator__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["contribution", "indicator"], name="answer_once_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value}"


class OfferedIndicator(BaseModel):
    """Evidence another module offers to a young person's assessments (see docs/assessments.md)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="offered_indicators")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="offers")
    source_app = models.CharField(max_length=40)
    source_kind = models.CharField(max_length=60)
    source_id = models.CharField(max_length=64)
    source_url = models.CharField(max_length=500, blank=True)
    observed_on = models.DateField()
    evidence = models.TextField(blank=True)
    timeframe = models.CharField(
        max_length=12, choices=Answer.Timeframe.choices, default=Answer.Timeframe.CURRENT
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offered_by_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-observed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_app", "source_kind", "source_id", "indicator"], name="offer_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["person", "withdrawn_at"], name="offer_person_current")]

    def __str__(self) -> str:
        return f"{self.indicator_id} from {self.source_app}/{self.source_kind}"


class OfferDecline(BaseModel):
    """A contributor's decision not to take an offered indicator into their contribution, and why (for
    example, it is already answered from better evidence, or it is about an episode that was a mistake)."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="offer_declines")
    offer = models.ForeignKey(OfferedIndicator, on_delete=models.CASCADE, related_name="declines")
    reason = models.TextField()
    declined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "offer"], name="offer_declined_once_per_contribution"
            )
        ]

    def __str__(self) -> str:
        return f"Declined {self.offer_id} in {self.contribution_id}"


class ReviewReminder(BaseModel):
    """A reminder to an agreed assessment's lead that its review is due soon, or overdue; one per
    condition and review date, so ``harbour tick`` tells the lead once, not on every tick."""

    class Condition(models.TextChoices):
        DUE_SOON = "due-soon", "Review due soon"
        OVERDUE = "overdue", "Review overdue"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="review_reminders")
    condition = models.CharField(max_length=10, choices=Condition.choices)
    review_on = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "condition", "review_on"], name="review_reminder_once_per_condition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_condition_display()} ({self.review_on})"
