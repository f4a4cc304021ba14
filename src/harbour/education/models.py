"""Education: school placements, attendance by term, suspensions and permanent exclusions, part-time
timetables, alternative provision, elective home education and children missing education.

Every record belongs to one young person and is read under that person's record access
(``harbour.access.policies``): whoever sees the young person in full sees their education; nobody
else does. Writes go through ``harbour.education.services``. Reference data (terms, kinds of exclusion,
DfE reason codes, children-missing-education outcomes) ships in ``reference/education.json``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from harbour.core.models import BaseModel, ReferenceData, UploadedFile


class Term(ReferenceData):
    """A school term (autumn, spring, summer): ``sort_order`` is its place in the academic year."""

    class Meta(ReferenceData.Meta):
        verbose_name = "term"


class ExclusionKind(ReferenceData):
    """Suspension (fixed period) or permanent exclusion."""

    permanent = models.BooleanField(
        default=False, help_text="A permanent exclusion: the young person leaves the school's roll."
    )

    class Meta(ReferenceData.Meta):
        verbose_name = "kind of exclusion"
        verbose_name_plural = "kinds of exclusion"


class ExclusionReason(ReferenceData):
    """The reason a school gives, as the Department for Education's census categories."""

    dfe_code = models.CharField("DfE code", max_length=4, blank=True)

    class Meta(ReferenceData.Meta):
        verbose_name = "exclusion reason"


class MissingEducationOutcome(ReferenceData):
    """How a child-missing-education case ended (found on a roll, moved away, home educated...)."""

    class Meta(ReferenceData.Meta):
        verbose_name = "children missing education outcome"


class EnquiryTimescale(ReferenceData):
    """How many days until an enquiry about a child missing education is due, unless whoever records
    the report or the enquiry sets another date. Two rows are used: ``first-enquiry`` (after the report)
    and ``next-enquiry`` (after each enquiry while the case stays open)."""

    FIRST = "first-enquiry"
    NEXT = "next-enquiry"

    days = models.PositiveSmallIntegerField(help_text="Calendar days.")

    class Meta(ReferenceData.Meta):
        verbose_name = "children missing education enquiry timescale"


class Source(models.TextChoices):
    RECORDED = "recorded", "Recorded in Harbour"
    IMPORTED = "imported", "Imported from a list"


class SchoolPlacement(BaseModel):
    """A period on a school's roll (or dual registration, or a placement in alternative provision)."""

    class Kind(models.TextChoices):
        ROLL = "roll", "On roll"
        DUAL = "dual", "Dual registration"
        AP = "ap", "Alternative provision"

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="school_placements")
    school = models.ForeignKey("people.School", on_delete=models.PROTECT, related_name="placements")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ROLL)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="education_placement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.school}"


class AttendanceRecord(BaseModel):
    """Sessions possible and attended in one term (a session is a morning or an afternoon)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="attendance_records")
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year the academic year starts in: 2025 is the 2025 to 2026 school year."
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "people.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sessions_possible = models.PositiveIntegerField()
    sessions_attended = models.PositiveIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-academic_year", "-term__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "academic_year", "term"], name="education_attendance_once"
            ),
            models.CheckConstraint(
                condition=Q(sessions_attended__lte=models.F("sessions_possible")),
                name="education_attended_within_possible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year_label} {self.term}: {self.percentage}%"

    @property
    def academic_year_label(self) -> str:
        return f"{self.academic_year} to {self.academic_year + 1}"

    @property
    def percentage(self) -> Decimal:
        """Attendance to one decimal place (half up), as schools report it."""
        if not self.sessions_possible:
            return Decimal("0.0")
        exact = Decimal(self.sessions_attended) * 100 / Decimal(self.sessions_possible)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def below_90(self) -> bool:
        """Under 90% exactly: compared in whole numbers, so 90.0% is not under 90% and 89.99% is."""
        return self.sessions_attended * 100 < 90 * self.sessions_possible


class Exclusion(BaseModel):
    """A suspension or a permanent exclusion from a school."""

    class Status(models.TextChoices):
        IN_FORCE = "in-force", "In force"
        UNDER_REVIEW = "under-review", "Under review by the governors or a panel"
        UPHELD = "upheld", "Upheld on review"
        OVERTURNED = "overturned", "Overturned (reinstated)"
        WITHDRAWN = "withdrawn", "Withdrawn by the head teacher"

    # Statuses in which the exclusion stands (an overturned or withdrawn one does not count).
    STANDING = (Status.IN_FORCE, Status.UNDER_REVIEW, Status.UPHELD)

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="exclusions")
    school = models.ForeignKey("people.School", on_delete=models.PROTECT, related_name="exclusions")
    kind = models.ForeignKey(ExclusionKind, on_delete=models.PROTECT, related_name="exclusions")
    starts_on = models.DateField()
    days = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Length of a suspension in school days (halves allowed). Blank for a permanent exclusion.",
    )
    reason = models.ForeignKey(ExclusionReason, on_delete=models.PROTECT, related_name="exclusions")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.IN_FORCE)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RECORDED)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-created_at"]
        constraints = [
            # One exclusion of a kind from a school starting on a day: re-importing a list finds it.
            models.UniqueConstraint(
                fields=["person", "school", "kind", "starts_on"], name="education_exclusion_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.starts_on:%-d %B %Y}"

    @property
    def standing(self) -> bool:
        return self.status in self.STANDING


class PartTimeTimetable(BaseModel):
    """A reduced timetable agreed by the school: it should be short, with a date to review it."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="part_time_timetables")
    school = models.ForeignKey(
        "people.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1)
    reason = models.TextField()
    review_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"Part-time timetable from {self.starts_on:%-d %B %Y}"


class AlternativeProvision(BaseModel):
    """Education provided somewhere other than a mainstream school (a pupil referral unit, a provider)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="alternative_provisions"
    )
    provider = models.CharField(max_length=200)
    commissioned_by = models.ForeignKey(
        "people.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.provider} from {self.starts_on:%-d %B %Y}"


class ElectiveHomeEducation(BaseModel):
    """A period when parents chose to educate the young person at home."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="elective_home_education"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        verbose_name_plural = "elective home education"

    def __str__(self) -> str:
        return f"Home educated from {self.starts_on:%-d %B %Y}"


class MissingEducationCase(BaseModel):
    """A child reported as missing education: the enquiries made to find them, and how it ended."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="missing_education_cases"
    )
    reported_on = models.DateField()
    reported_by = models.CharField(
        max_length=200, help_text="Who reported it: a school, an agency or a person's role."
    )
    enquiries_due_on = models.DateField(help_text="When the next enquiry must be made by.")
    outcome = models.ForeignKey(
        MissingEducationOutcome, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    closed_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RECORDED)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-reported_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "reported_on"], name="education_cme_once_a_day"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(outcome__isnull=False),
                name="education_cme_closed_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Missing education from {self.reported_on:%-d %B %Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class MissingEducationEnquiry(BaseModel):
    """One enquiry made to find a child missing education (a home visit, a call to a school...)."""

    case = models.ForeignKey(MissingEducationCase, on_delete=models.CASCADE, related_name="enquiries")
    made_on = models.DateField()
    made_with = models.CharField(max_length=200, help_text="Who was asked or what was checked.")
    result = models.TextField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["made_on", "created_at"]
        verbose_name_plural = "missing education enquiries"

    def __str__(self) -> str:
        return f"Enquiry of {self.made_on:%-d %B %Y}"


class EducationIndicatorOffer(models.Model):
    """What this app has offered to the joint assessment for a young person, so it can withdraw it.

    One row per person and indicator: the record it came from, and the evidence as offered.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    indicator_code = models.SlugField(max_length=80)
    source_kind = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    observed_on = models.DateField()
    evidence = models.CharField(max_length=500)
    offered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "indicator_code"], name="education_offer_once")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} ({self.source_kind} {self.source_id})"


class ImportBatch(BaseModel):
    """One run of ``harbour education_import``: what the file held and what became of each row."""

    class Kind(models.TextChoices):
        EXCLUSIONS = "exclusions", "Suspensions and exclusions"
        CME = "cme", "Children missing education"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    already_held = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"


class UnmatchedImportRow(BaseModel):
    """A valid row that could not be matched to one known young person with certainty: kept for review.

    ``row_key`` is a hash of the row's values, so importing the same file again adds no second copy.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="unmatched_rows")
    kind = models.CharField(max_length=12, choices=ImportBatch.Kind.choices)
    line_number = models.PositiveIntegerField()
    row_key = models.CharField(max_length=64)
    values = models.JSONField()

    class Resolution(models.TextChoices):
        MATCHED = "matched", "Matched and recorded"
        RECORDED_BY_HAND = "recorded-by-hand", "Recorded by hand on the young person's record"
        NOT_KNOWN = "not-known", "Not a young person Harbour holds: passed back to the education service"
        IN_ERROR = "in-error", "A duplicate or an error in the list"
        CHOSEN_BY_REVIEWER = (
            "chosen-by-reviewer",
            "Linked to the young person the reviewer chose, and recorded",
        )

    reason = models.CharField(max_length=300)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    # Once matched: the record it became.
    person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["batch", "line_number"]
        constraints = [models.UniqueConstraint(fields=["kind", "row_key"], name="education_unmatched_once")]

    def __str__(self) -> str:
        return f"Line {self.line_number} of {self.batch}"


class EducationUpload(UploadedFile):
    """A list uploaded on the import page, kept between its check and its import (at most
    ``core.uploads.KEPT_HOURS``). Only whoever uploaded it can see it (see ``UploadedFile``)."""

    class Status(models.TextChoices):
        READY = "ready", "Checked: ready to import"
        REFUSED = "refused", "Refused: the file has problems"
        QUEUED = "queued", "Waiting to be imported"
        IMPORTING = "importing", "Importing"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Not imported"
        EXPIRED = "expired", "Expired before it was imported"

    kind = models.CharField(max_length=12, choices=ImportBatch.Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0, help_text="Rows without a problem when checked.")
    problems = models.PositiveIntegerField(default=0, help_text="Problems found when checked.")
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="education_upload_by")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} uploaded as {self.file_name}"

    @property
    def waiting(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.IMPORTING}
