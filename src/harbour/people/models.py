"""Young people, parents and carers, and the others in their lives; their names, addresses and ties."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Substr
from django.utils import timezone

from harbour.core.models import BaseModel, ReferenceData


class Gender(ReferenceData):
    pass


class Ethnicity(ReferenceData):
    """Ethnicity categories (the ONS 2021 census list by default)."""

    group = models.CharField(max_length=100, blank=True)


class RelationshipType(ReferenceData):
    """Mother, father, carer, sibling, friend... with the word used from the other side."""

    inverse_label = models.CharField(max_length=200, blank=True)
    is_parent_or_carer = models.BooleanField(default=False)


class School(BaseModel):
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=10, blank=True, help_text="Unique reference number")
    phase = models.CharField(max_length=40, blank=True)
    town = models.ForeignKey("core.Town", on_delete=models.PROTECT, null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(BaseModel):
    """Anyone Harbour holds a record about. ``kind`` says whether they are a young person we protect."""

    class Kind(models.TextChoices):
        YOUNG_PERSON = "young_person", "Young person"
        PARENT_CARER = "parent_carer", "Parent or carer"
        OTHER = "other", "Other person"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.YOUNG_PERSON, db_index=True)
    first_name = models.CharField(max_length=100)
    middle_names = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_birth_estimated = models.BooleanField(default=False)
    gender = models.ForeignKey(Gender, on_delete=models.PROTECT, null=True, blank=True)
    ethnicity = models.ForeignKey(Ethnicity, on_delete=models.PROTECT, null=True, blank=True)
    disability = models.CharField(max_length=200, blank=True, help_text="Disability or SEND, in brief.")
    first_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True, db_index=True)
    upn = models.CharField("unique pupil number", max_length=13, blank=True, db_index=True)
    school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, related_name="pupils"
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Searchable, accent- and case-folded copy of the names, maintained on save.
    search_name = models.CharField(max_length=400, blank=True, db_index=True, editable=False)
    # Set when this record was merged into another (people/merging.py): the record is kept, with its
    # history, but it leaves search, matching and caseloads, and its page points to the survivor.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="person_names"),
            models.Index(fields=["date_of_birth"], name="person_dob"),
            # The matching lookup's date-of-birth rules (people/matching.py): one index scan for
            # "born on this day, first name starting 'abc'" (the first three letters of the folded
            # names, which start with the first name) and for "born on this day, this surname".
            models.Index(F("date_of_birth"), Substr("search_name", 1, 3), name="person_dob_name_start"),
            models.Index(fields=["date_of_birth", "last_name"], name="person_dob_last_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    # The columns ``full_name`` (and ``str(person)``) reads, for lists that read only these.
    NAME_FIELDS = ("first_name", "last_name")

    @property
    def full_name(self) -> str:
        return Person.name_from(self.first_name, self.last_name)

    @staticmethod
    def name_from(first_name: str, last_name: str) -> str:
        """``full_name`` from a row read without the model (``NAME_FIELDS``, in order)."""
        return " ".join(part for part in (first_name, last_name) if part)

    @property
    def age(self) -> int | None:
        if self.date_of_birth is None:
            return None
        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def current_address(self) -> Address | None:
        return self.addresses.filter(ends_on__isnull=True).order_by("-starts_on").first()

    def save(self, *args: object, **kwargs: object) -> None:
        from harbour.people.names import fold

        self.search_name = fold(
            " ".join([self.first_name, self.middle_names, self.last_name, self.preferred_name])
        )
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class PersonAlias(BaseModel):
    class Kind(models.TextChoices):
        NICKNAME = "nickname", "Nickname or street name"
        ALIAS = "alias", "Alias"
        PREVIOUS = "previous", "Previous name"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NICKNAME)
    search_name = models.CharField(max_length=200, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name_plural = "person aliases"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        from harbour.people.names import fold

        self.search_name = fold(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Address(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    town = models.ForeignKey("core.Town", on_delete=models.PROTECT, null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(p for p in (self.line1, str(self.town or ""), self.postcode) if p)


class Relationship(BaseModel):
    """A tie between two people, such as a parent with parental responsibility or an absent father."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_to")
    relationship_type = models.ForeignKey(RelationshipType, on_delete=models.PROTECT)
    parental_responsibility = models.BooleanField(default=False)
    lives_with = models.BooleanField(default=False)
    safeguarding_partner = models.BooleanField(
        default=False, help_text="Involved as a partner in keeping the young person safe."
    )
    involvement = models.TextField(blank=True, help_text="How they are involved, and how to work with them.")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(person=models.F("other")), name="relationship_not_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.other} is {self.relationship_type.label.lower()} of {self.person}"


class NameVariant(ReferenceData):
    """A given name and the nicknames, diminutives and spellings that mean the same name.

    ``code`` is the folded canonical name (``william``); ``variants`` lists the other forms, separated
    by commas (``will, bill, billy, liam``). Used by people/matching.py in both directions.
    """

    variants = models.TextField(
        blank=True, help_text="Nicknames, diminutives and other spellings, separated by commas."
    )

    class Meta(ReferenceData.Meta):
        verbose_name = "name variant"

    def variant_list(self) -> list[str]:
        from harbour.people.names import fold

        return [folded for part in self.variants.split(",") if (folded := fold(part))]


# --- possible duplicates and merges (people/duplicates.py, people/merging.py) ------------------------


class PossibleDuplicate(BaseModel):
    """Two records that may be the same young person, found by the duplicate scan, waiting for a person
    to decide. Nothing is ever merged automatically, whatever the score.

    The pair is ordered (``person_a_id < person_b_id`` as text) so each pair is held once. A pair decided
    "not the same person" is never reopened by a later scan.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        NOT_THE_SAME = "not-the-same", "Not the same person"
        MERGED = "merged", "Merged"

    person_a = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(help_text="Match probability (0 to 1) when last scanned.")
    explanation = models.JSONField(
        default=list, blank=True, help_text="The field comparisons behind the score, at scan time."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    found_at = models.DateTimeField(default=timezone.now)
    scored_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-score", "found_at"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="possible_duplicate_pair"),
            models.CheckConstraint(
                condition=~models.Q(person_a=models.F("person_b")), name="possible_duplicate_not_self"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="possible_duplicate_queue")]

    def __str__(self) -> str:
        return f"Possible duplicate ({self.get_status_display().lower()}, {self.score:.2f})"


class PersonMerge(BaseModel):
    """One merge of a duplicate record into the record that survives, with what is needed to undo it.

    ``snapshot`` holds the survivor's field values before the merge (for the fields taken from the
    duplicate) and every row that was re-pointed (model label, primary key, field), so an unmerge
    puts back exactly those rows. Rows that could not be re-pointed stay on the duplicate and are
    listed too.
    """

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    possible_duplicate = models.ForeignKey(
        PossibleDuplicate, on_delete=models.PROTECT, null=True, blank=True, related_name="merges"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    override_reason = models.TextField(
        blank=True, help_text="Why the records are one young person although their identifiers differ."
    )
    snapshot = models.JSONField(default=dict)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Merge at {self.at:%Y-%m-%d %H:%M}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class DuplicateScan(models.Model):
    """One run of the duplicate scan, so the periodic scan can look only at records changed since."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    full = models.BooleanField(default=False)
    people_scanned = models.PositiveIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)
    pairs_updated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Duplicate scan at {self.started_at:%Y-%m-%d %H:%M}"
