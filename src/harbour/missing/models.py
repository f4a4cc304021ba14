"""Missing from home or care: episodes, return home interviews, triggers and the Philomena profile.

Times are stored in UTC and shown in Europe/London. The return home interview's clock counts clock
hours of elapsed time from the return (``due_at = returned_at + HARBOUR_RHI_HOURS``), so it is computed
in UTC and is the same length across a change of the clocks.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from harbour.core.models import BaseModel, ReferenceData, UploadedFile
from harbour.missing.trigger_rules import validate_rule


class EpisodeKind(ReferenceData):
    """Missing (whereabouts not known), or away without authorisation (known but not where expected)."""

    ssda903_code = models.CharField(max_length=2, blank=True, help_text="M or A in the SSDA903 return.")

    class Meta(ReferenceData.Meta):
        verbose_name = "episode kind"


class MissingSetting(ReferenceData):
    """Where the young person went missing from: home, care, or another setting."""

    in_care = models.BooleanField(default=False, help_text="A looked-after child's placement.")

    class Meta(ReferenceData.Meta):
        verbose_name = "missing-from setting"


class PoliceRiskGrade(ReferenceData):
    """The police risk grade of a missing report (no apparent risk, low, medium, high)."""

    rank = models.PositiveSmallIntegerField(default=0, help_text="Higher is more serious.")

    class Meta(ReferenceData.Meta):
        verbose_name = "police risk grade"


class FoundBy(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = "found by"
        verbose_name_plural = "found by"


class ReturnMethod(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = "return method"


class PushPullFactor(ReferenceData):
    class Direction(models.TextChoices):
        PUSH = "push", "Push factor (away from home or placement)"
        PULL = "pull", "Pull factor (towards somewhere or someone)"

    direction = models.CharField(max_length=4, choices=Direction.choices)

    class Meta(ReferenceData.Meta):
        verbose_name = "push or pull factor"


class DeclineReason(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = "decline reason"


class MissingTrigger(ReferenceData):
    """A rule that prompts action, for example three episodes in 30 days prompts a strategy discussion.

    ``rule`` holds ``kind`` and its parameters: ``episodes_in_window`` (count, days, action),
    ``first_episode_in_care`` (notify) or ``out_of_area`` (notify). See docs/missing.md.
    """

    rule = models.JSONField(default=dict)

    class Meta(ReferenceData.Meta):
        verbose_name = "missing trigger"

    def clean(self) -> None:
        try:
            validate_rule(self.rule)
        except ValidationError as error:
            raise ValidationError({"rule": error.messages}) from error


class MissingEpisode(BaseModel):
    """One time a young person was missing or away without authorisation.

    Indexes: only those a query uses (the young person's episodes by start, the period's episodes by
    start, an import's episodes, the import key). The foreign keys to reference data (kind, setting,
    risk grade, found town, found by, return method), to the placement agency and to who recorded it
    have no index of their own (``db_index=False``): nothing looks episodes up by them, and every index
    costs each episode written (a police log import writes a million). Reference rows and agencies are
    deactivated, not deleted, and users are not deleted, so the one thing those indexes would speed up,
    PostgreSQL's check that no episode still points at a row being deleted, is rare enough to scan for.
    ``person`` needs none either: ``missing_episode_person`` (person, started_at) serves it.
    """

    class Source(models.TextChoices):
        STAFF = "staff", "Recorded by staff"
        IMPORT = "import", "Police missing-persons log"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="missing_episodes", db_index=False
    )
    kind = models.ForeignKey(EpisodeKind, on_delete=models.PROTECT, related_name="+", db_index=False)
    setting = models.ForeignKey(MissingSetting, on_delete=models.PROTECT, related_name="+", db_index=False)
    placement_name = models.CharField(max_length=200, blank=True)
    placement_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text="The placement provider, when it is an agency known to Harbour.",
    )
    out_of_area = models.BooleanField(default=False, help_text="Placed here by another local authority.")
    placing_authority = models.CharField(max_length=200, blank=True)
    placing_authority_email = models.EmailField(blank=True)
    reported_by = models.CharField(max_length=200, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    police_reference = models.CharField(max_length=60, blank=True)
    risk_grade = models.ForeignKey(
        PoliceRiskGrade, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    found_place = models.CharField(max_length=200, blank=True)
    found_town = models.ForeignKey(
        "core.Town", on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    found_postcode = models.CharField(max_length=10, blank=True)
    found_by = models.ForeignKey(
        FoundBy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    return_method = models.ForeignKey(
        ReturnMethod, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    associated_people = models.TextField(blank=True)
    associated_places = models.TextField(blank=True)
    # Part 2 of the Philomena Protocol: what is known at the time of the report, given to police with the
    # profile (Part 1) while the young person is missing.
    last_seen_place = models.CharField(max_length=200, blank=True, help_text="Where they were last seen.")
    last_seen_with = models.TextField(blank=True, help_text="Who they were last seen with.")
    clothing = models.TextField(blank=True, help_text="What they were wearing and carrying.")
    circumstances = models.TextField(blank=True, help_text="What happened before they went.")
    taken_with_them = models.TextField(
        blank=True, help_text="Phone, money, bank cards, medication or belongings they took, or left."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    import_key = models.CharField(max_length=64, blank=True)
    log_import = models.ForeignKey(
        "PoliceLogImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episodes",
        help_text="The police log import that created this episode (none when recorded by staff).",
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="missing_episode_import_once"
            ),
        ]
        indexes = [models.Index(fields=["person", "started_at"], name="missing_episode_person")]

    def __str__(self) -> str:
        return f"Missing episode {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class RiskGradeChange(BaseModel):
    """A police risk grade given to an episode: the first grade, then each re-grade."""

    episode = models.ForeignKey(MissingEpisode, on_delete=models.CASCADE, related_name="grade_changes")
    grade = models.ForeignKey(PoliceRiskGrade, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["changed_at"]

    def __str__(self) -> str:
        return f"{self.grade} at {self.changed_at:%Y-%m-%d %H:%M}"


class ReturnInterview(BaseModel):
    """The independent return home interview offered after an episode ends."""

    OPEN_STATUSES = ("to-offer", "offered", "accepted")

    class Status(models.TextChoices):
        TO_OFFER = "to-offer", "To offer"
        OFFERED = "offered", "Offered, no answer yet"
        ACCEPTED = "accepted", "Accepted, not yet held"
        DECLINED = "declined", "Declined"
        COMPLETED = "completed", "Completed"

    episode = models.OneToOneField(MissingEpisode, on_delete=models.CASCADE, related_name="interview")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="return_interviews")
    returned_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TO_OFFER, db_index=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    # No index of its own, like the episode's reference data (see MissingEpisode).
    decline_reason = models.ForeignKey(
        DeclineReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    carers_said = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    where_been = models.TextField(blank=True)
    who_with = models.TextField(blank=True)
    how_travelled = models.TextField(blank=True)
    factors = models.ManyToManyField(PushPullFactor, blank=True, related_name="+")
    harm = models.TextField(blank=True)
    young_person_words = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    police_information = models.TextField(blank=True)
    indicator_codes = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    breach_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"Return home interview {self.pk}"

    @property
    def resolved_at(self) -> datetime | None:
        """When the interview was held, or declined with a reason: what stops the clock."""
        return self.completed_at or self.declined_at

    @property
    def is_resolved(self) -> bool:
        return self.status in {self.Status.COMPLETED, self.Status.DECLINED}


class TriggerFiring(BaseModel):
    """A trigger that fired for a young person. Unique per (trigger, person, condition): once each."""

    trigger = models.ForeignKey(MissingTrigger, on_delete=models.PROTECT, related_name="firings")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="missing_triggers")
    condition_key = models.CharField(max_length=200)
    episode = models.ForeignKey(
        MissingEpisode, on_delete=models.SET_NULL, null=True, blank=True, related_name="firings"
    )
    fired_at = models.DateTimeField()
    action = models.CharField(max_length=60, blank=True)
    emailed_to = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trigger", "person", "condition_key"], name="missing_trigger_once_per_condition"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trigger} fired {self.fired_at:%Y-%m-%d}"


class MissingNotice(BaseModel):
    """Something a member of staff is told in the app (and by email): a trigger or a 72-hour breach."""

    class Kind(models.TextChoices):
        TRIGGER = "trigger", "Trigger fired"
        BREACH = "breach", "Return home interview past 72 hours"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="missing_notices"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    firing = models.ForeignKey(
        TriggerFiring, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    interview = models.ForeignKey(
        ReturnInterview, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    summary = models.CharField(max_length=300)
    sent_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="missing_notice_inbox")]

    def __str__(self) -> str:
        return self.summary


class MissingProfile(BaseModel):
    """A Philomena Protocol profile, kept in advance for a young person at risk of going missing."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="missing_profile")
    description = models.TextField(blank=True, help_text="Height, build, hair, distinguishing features.")
    associates = models.TextField(blank=True)
    places = models.TextField(blank=True, help_text="Addresses and places frequented.")
    phones_social = models.TextField(blank=True, help_text="Phone numbers and social media accounts.")
    health = models.TextField(blank=True, help_text="Medical needs and medication.")
    money_transport = models.TextField(blank=True, help_text="Bank cards, travel passes, usual transport.")
    vulnerabilities = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Missing profile {self.pk}"


class MissingProfilePhoto(BaseModel):
    """The profile's current photo: what police ask for first when a young person goes missing.

    Kept in the database, not as a file under a web server's media folder, so it is only ever served
    through Harbour's access check and audit, and is backed up and erased with the record. Stored as
    Harbour re-encoded it (JPEG, at most ``PHOTO_MAX_SIDE`` pixels a side, no camera metadata: no
    location, device or original time). Only the current photo is kept: a new one replaces it.
    """

    profile = models.OneToOneField(MissingProfile, on_delete=models.CASCADE, related_name="photo")
    image = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_on = models.DateField(help_text="When the photo was taken, so police know how recent it is.")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Missing profile photo {self.pk}"


class PoliceLogImport(BaseModel):
    """One run of ``harbour missing_import``: what the file held and what became of each row."""

    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    loaded = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    already_loaded = models.PositiveIntegerField(default=0)
    # Undone as a whole (import_undo.py): its episodes, interviews and rows for review removed; this row
    # and its audit events stay, so what was imported and undone, by whom and why, is still known.
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undo_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.filename


class UnmatchedLogRow(BaseModel):
    """A police log row that could not be linked to one young person with confidence: kept for review."""

    log_import = models.ForeignKey(PoliceLogImport, on_delete=models.CASCADE, related_name="unmatched_rows")
    line_number = models.PositiveIntegerField()
    import_key = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    best_score = models.FloatField(null=True, blank=True)
    best_person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Resolution(models.TextChoices):
        BEST_CANDIDATE = "best-candidate", "Linked to its best candidate"
        CHOSEN_BY_REVIEWER = "chosen-by-reviewer", "Linked to the young person the reviewer chose"
        # Set aside: no episode is created from the row (see ``SET_ASIDE``).
        RECORDED_BY_HAND = "recorded-by-hand", "Already recorded by hand on the young person's record"
        NOT_KNOWN = (
            "not-known",
            "Not a young person known to this partnership (for example, another authority's)",
        )
        IN_ERROR = "in-error", "A duplicate or an error in the log"

    # The outcomes a reviewer may choose to set a row aside; the others link it.
    SET_ASIDE = (Resolution.RECORDED_BY_HAND, Resolution.NOT_KNOWN, Resolution.IN_ERROR)

    # Once dealt with from review: who, when and how; and, when linked, to whom (its episode carries its
    # import key). A row set aside keeps its key too, so re-importing the file does not bring it back.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["log_import", "line_number"]
        # A constraint rather than ``unique=True``: on PostgreSQL that would add a second index for
        # LIKE on the key, which nothing runs.
        constraints = [models.UniqueConstraint(fields=["import_key"], name="missing_unmatched_import_once")]

    def __str__(self) -> str:
        return f"Line {self.line_number} of {self.log_import_id}"

    @property
    def set_aside(self) -> bool:
        """Dealt with without linking: recorded by hand already, not known here, or in error."""
        return self.resolution in self.SET_ASIDE


class PoliceLogUpload(UploadedFile):
    """A police missing-persons log uploaded on the import page, kept until its uploader's import of it
    has run (at most ``core.uploads.KEPT_HOURS``). The background task validates, matches and loads it
    with ``imports.police_log_import`` and writes where it has got to here, for the upload's page. Only
    whoever uploaded it can see it (see ``UploadedFile``)."""

    class Status(models.TextChoices):
        READY = "ready", "Uploaded: ready to import"
        QUEUED = "queued", "Waiting to be imported"
        VALIDATING = "validating", "Checking every row"
        MATCHING = "matching", "Matching to known young people"
        LOADING = "loading", "Loading"
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Not imported: the file has problems"
        FAILED = "failed", "Not imported"
        EXPIRED = "expired", "Expired before it was imported"

    # Statuses in which the task has the upload, or will: its page asks again for the status.
    WAITING = frozenset({Status.QUEUED, Status.VALIDATING, Status.MATCHING, Status.LOADING})

    status = models.CharField(max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0, help_text="Rows checked so far (all of them once checked).")
    problems = models.PositiveIntegerField(default=0, help_text="Problems found so far.")
    # The first problems found, by line ([line, message]), as the command prints them; shown to the uploader.
    problem_list = models.JSONField(default=list, blank=True)
    to_match = models.PositiveIntegerField(default=0, help_text="Distinct young people the file names.")
    matched = models.PositiveIntegerField(default=0, help_text="Of those, matched so far.")
    progress_at = models.DateTimeField(null=True, blank=True)
    log_import = models.ForeignKey(
        PoliceLogImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="missing_upload_by")]

    def __str__(self) -> str:
        return f"Police log uploaded as {self.file_name}"

    @property
    def waiting(self) -> bool:
        return self.status in self.WAITING
