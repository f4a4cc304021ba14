"""`harbour reference load`: put the shipped reference data into the database.

Each installed Harbour app may ship ``reference/*.json``: ``{"app_label.Model": [rows...]}``. Rows are
matched on their natural key (``code``, or ``name`` for models without a code). Existing rows are left
alone unless ``--update`` is given, so an administrator's changes survive an upgrade.
Foreign keys and many-to-many fields are written as the related row's natural key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction

# Load order matters where reference rows point at each other.
MODEL_ORDER = ["core.District", "core.Town", "accounts.AgencyType"]


def natural_key_field(model: type[models.Model]) -> str:
    field_names = {f.name for f in model._meta.get_fields()}
    return "code" if "code" in field_names else "name"


def resolve(model: type[models.Model], key: Any) -> models.Model:
    return model._default_manager.get(**{natural_key_field(model): key})


def reference_files() -> list[Path]:
    files: list[Path] = []
    for config in apps.get_app_configs():
        if config.name.startswith("harbour."):
            files.extend(sorted((Path(config.path) / "reference").glob("*.json")))
    return files


def load_reference_data(*, update: bool = False) -> dict[str, int]:
    """Create (and with ``update``, refresh) every shipped reference row. Returns rows created per model."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for path in reference_files():
        for label, rows in json.loads(path.read_text()).items():
            tables.setdefault(label, []).extend(rows)
    ordered = [label for label in MODEL_ORDER if label in tables] + [
        label for label in tables if label not in MODEL_ORDER
    ]
    created_counts: dict[str, int] = {}
    with transaction.atomic():
        for label in ordered:
            model = apps.get_model(label)
            key_field = natural_key_field(model)
            created_counts[label] = 0
            for row in tables[label]:
                values: dict[str, Any] = {}
                many: dict[str, list[models.Model]] = {}
                for name, value in row.items():
                    field = model._meta.get_field(name)
                    if field.many_to_many:
                        assert field.related_model is not None
                        many[name] = [resolve(field.related_model, v) for v in value]
                    elif field.is_relation and value is not None:
                        values[name] = resolve(field.related_model, value)
                    else:
                        values[name] = value
                key = values.pop(key_field)
                if update:
                    obj, created = model._default_manager.update_or_create(
                        **{key_field: key}, defaults=values
                    )
                else:
                    obj, created = model._default_manager.get_or_create(**{key_field: key}, defaults=values)
                if created or update:
                    for name, related in many.items():
                        getattr(obj, name).set(related)
                created_counts[label] += int(created)
    return created_counts


class Command(BaseCommand):
    help = "Load the reference data Harbour ships (districts, roles, risk scales...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])
        parser.add_argument("--update", action="store_true", help="Overwrite rows an administrator changed.")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_reference_data(update=options["update"])
        total = sum(counts.values())
        self.stdout.write(f"Reference data loaded: {total} new rows across {len(counts)} tables.")
