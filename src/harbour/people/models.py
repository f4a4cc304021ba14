"""Young people, parents and carers, and the others in their lives; their names, addresses and ties."""

from __future__ import annotations

from django.db import models
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

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="person_names"),
            models.Index(fields=["date_of_birth"], name="person_dob"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

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
