"""Indexes for the matching lookup's date-of-birth rules, and search names folded again for names
holding letters that the first fold() dropped (ł, ø, đ, ß and others: people/names.py)."""

from __future__ import annotations

from typing import Any

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Q

# The letters fold() now maps (people/names.py SPECIAL_LETTERS), in both cases, spelt out here so the
# migration does not change if that table grows later.
LETTERS = "łŁøØđĐðÐþÞßẞæÆœŒ\u0131ħĦŧŦ"


def _fold(text: str) -> str:
    from harbour.people.names import fold

    return fold(text)


def refold(apps: Any, schema_editor: Any) -> None:
    person_model = apps.get_model("people", "Person")
    alias_model = apps.get_model("people", "PersonAlias")
    name_fields = ("first_name", "middle_names", "last_name", "preferred_name")
    people = Q()
    aliases = Q()
    for letter in LETTERS:
        for name in name_fields:
            people |= Q(**{f"{name}__contains": letter})
        aliases |= Q(name__contains=letter)
    for person in person_model.objects.filter(people).iterator():
        folded = _fold(
            " ".join([person.first_name, person.middle_names, person.last_name, person.preferred_name])
        )
        if folded != person.search_name:
            person_model.objects.filter(pk=person.pk).update(search_name=folded)
    for alias in alias_model.objects.filter(aliases).iterator():
        folded = _fold(alias.name)
        if folded != alias.search_name:
            alias_model.objects.filter(pk=alias.pk).update(search_name=folded)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_possible_duplicates"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                models.F("date_of_birth"),
                django.db.models.functions.text.Substr("search_name", 1, 3),
                name="person_dob_name_start",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["date_of_birth", "last_name"], name="person_dob_last_name"),
        ),
        migrations.RunPython(refold, migrations.RunPython.noop, elidable=True),
    ]
