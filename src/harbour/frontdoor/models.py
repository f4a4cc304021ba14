"""The front door: concerns and referrals from any agency and the public, triage and decisions.

A public concern is a Referral with ``source=public`` and no referrer. Times are stored in UTC;
``due_by`` is computed from the urgency's timescale in working days (see timescales.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from harbour.core.models import BaseModel, ReferenceData


class ConcernType(ReferenceData):
    """What the concern is about: child sexual exploitation, county lines, missing..."""

    class Meta(ReferenceData.Meta):
        verbose_name = "concern type"


class Urgency(ReferenceData):
    """How quickly the front door must decide. 0 working days means by the end of the same working day."""

    working_days_to_decide = models.PositiveSmallIntegerField(default=1)

    class Meta(ReferenceData.Meta):
        verbose_name = "urgency"
        verbose_name_plural = "urgencies"

    @property
    def same_day(self) -> bool:
        return self.working_days_to_decide == 0


class DecisionType(ReferenceData):
    """What the front door decided: no further action, early help, strategy discussion..."""

    needs_reason = models.BooleanField(
        default=False, help_text="A no-further-action reason must be chosen with this decision."
    )

    class Meta(ReferenceData.Meta):
        verbose_name = "decision type"


class NoFurtherActionReason(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = "no further action reason"


class LawfulBasis(ReferenceData):
    """The basis for sharing: consent, or UK GDPR Article 6 and 9 bases (DPA 2018 Sch. 1 para 18)."""

    article_6 = models.CharField(max_length=200, blank=True)
    article_9_or_condition = models.CharField(max_length=300, blank=True)

    class Meta(ReferenceData.Meta):
        verbose_name = "lawful basis"
        verbose_name_plural = "lawful bases"


class ContextType(ReferenceData):
    """The kind of place or group a contextual referral is about."""

    class Meta(ReferenceData.Meta):
        verbose_name = "context type"


class ReferralSequence(models.Model):
    """The last reference number given in a year, so references read HR-2026-000123."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Referral(BaseModel):
    class Source(models.TextChoices):
        STAFF = "staff", "Staff referral"
        PUBLIC = "public", "Public concern"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for triage"
        IN_TRIAGE = "in-triage", "In triage"
        DECIDED = "decided", "Decided"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class ParentsAware(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_KNOWN = "not-known", "Not known"

    class Consent(models.TextChoices):
        GIVEN = "given", "Consent given"
        NOT_SOUGHT = "not-sought", "Consent not sought"
        REFUSED = "refused", "Consent refused"
        NOT_APPLICABLE = "not-applicable", "Not applicable"

    class PublicRelationship(models.TextChoices):
        YOUNG_PERSON = "young-person", "A young person"
        PARENT_CARER = "parent-carer", "A parent or carer"
        BUSINESS = "business", "A business"
        OTHER = "other-member-of-public", "Another member of the public"

    reference = models.CharField(max_length=20, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    urgency = models.ForeignKey(Urgency, on_delete=models.PROTECT, related_name="referrals")
    concern_types = models.ManyToManyField(ConcernType, blank=True, related_name="referrals")
    what_happened = models.TextField()
    happened_on = models.DateField(null=True, blank=True)
    happened_on_estimate = models.CharField(max_length=200, blank=True)
    location_text = models.CharField(max_length=500, blank=True)
    location_postcode = models.CharField(max_length=10, blank=True)
    people_of_concern = models.TextField(blank=True)
    young_person_words = models.TextField(blank=True)
    parents_aware = models.CharField(max_length=10, choices=ParentsAware.choices, blank=True)
    parents_not_aware_reason = models.TextField(blank=True)
    consent = models.CharField(max_length=16, choices=Consent.choices, blank=True)
    lawful_basis = models.ForeignKey(
        LawfulBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    lawful_basis_note = models.TextField(blank=True)
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_sent",
    )
    referrer_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referrer_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referrer_phone = models.CharField(max_length=40, blank=True)
    # Public concerns only: kept exactly as written.
    public_relationship = models.CharField(max_length=30, choices=PublicRelationship.choices, blank=True)
    public_contact_name = models.CharField(max_length=200, blank=True)
    public_contact_details = models.CharField(max_length=500, blank=True)
    public_young_person_name = models.CharField(max_length=200, blank=True)
    public_young_person_age = models.CharField(max_length=50, blank=True)
    submitted_at = models.DateTimeField(db_index=True)
    due_by = models.DateTimeField(db_index=True)
    triage_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_to_triage"
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triage_started_at = models.DateTimeField(null=True, blank=True)
    decision = models.ForeignKey(
        "frontdoor.ReferralDecision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    breach_reported_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["referrer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="referral_unique_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(referrer__isnull=True) & ~Q(idempotency_key=""),
                name="referral_unique_public_form_token",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_by"], name="referral_status_due")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.SUBMITTED, self.Status.IN_TRIAGE}


class ReferralSubject(BaseModel):
    """A young person the referral is about. Always a Person: a new child is recorded on submission."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referral_subjects")
    matched_score = models.FloatField(null=True, blank=True)
    created_as_new = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "person"], name="referral_subject_once"),
        ]

    def __str__(self) -> str:
        return f"{self.referral} about {self.person_id}"


class ReferralContext(BaseModel):
    """A place or group the concern is about (contextual safeguarding), as structured data."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="contexts")
    name = models.CharField(max_length=200)
    context_type = models.ForeignKey(ContextType, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class ReferralDecision(BaseModel):
    """One decision on a referral. A later decision supersedes it; the history is kept."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="decisions")
    decision_type = models.ForeignKey(DecisionType, on_delete=models.PROTECT, related_name="+")
    no_further_action_reason = models.ForeignKey(
        NoFurtherActionReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rationale = models.TextField()
    next_steps = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.decision_type} on {self.referral}"


class ReferralNotification(BaseModel):
    """Something a member of staff was told about a referral, in the app (and by email).

    ``feedback``: the referrer is told the outcome. ``breach``: a triage team manager is told a
    referral has passed its timescale without a decision. ``withdrawn``: the referrer is told the front
    door withdrew their referral, or the triage officer working on it that the referrer withdrew it.
    """

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", "Outcome for the referrer"
        BREACH = "breach", "Timescale breach"
        WITHDRAWN = "withdrawn", "Referral withdrawn"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_notifications"
    )
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    summary = models.CharField(max_length=300)
    sent_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["recipient", "kind", "read_at"], name="referral_notice_inbox")]

    def __str__(self) -> str:
        return self.summary


class ReferralBreach(BaseModel):
    """One report that a referral passed its timescale, kept as history.

    Re-grading the referral's urgency afterwards does not delete the report: it is marked re-graded
    (when, by whom, to which urgency), and a new report follows if the new timescale passes too.
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="breaches")
    urgency = models.ForeignKey(Urgency, on_delete=models.PROTECT, related_name="+")
    due_by = models.DateTimeField()
    reported_at = models.DateTimeField()
    managers_told = models.PositiveSmallIntegerField(default=0)
    regraded_at = models.DateTimeField(null=True, blank=True)
    regraded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    regraded_to = models.ForeignKey(
        Urgency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["reported_at"]

    def __str__(self) -> str:
        return f"Breach of {self.referral} due by {self.due_by:%Y-%m-%d %H:%M}"


class ReferralDraft(BaseModel):
    """A staff referral in progress, kept if the session times out. Personal to its owner."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_drafts"
    )
    data = models.JSONField(default=dict, blank=True)
    form_token = models.CharField(max_length=200)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Draft referral {self.pk}"
