"""Where generated rows go: the database in batches, memory (for tests), or nowhere (to recompute
the duplicate truth without writing). The generator is the same for all three, so they agree."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import ClassVar

from allauth.mfa.models import Authenticator
from django.db import connection, models
from django.utils import timezone

from harbour.access.models import Allocation
from harbour.accounts.models import Agency, Membership, Team, User
from harbour.people.models import Address, Person, PersonAlias, Relationship, School

# Rows are written in this order so that every foreign key points at a row already written.
WRITE_ORDER: tuple[type[models.Model], ...] = (
    Agency,
    Team,
    School,
    User,
    Membership,
    Authenticator,
    Person,
    Address,
    PersonAlias,
    Relationship,
    Allocation,
)


class Sink:
    """Collects rows; ``flush`` hands them on. Subclasses decide where."""

    writes_database = False

    def __init__(self) -> None:
        self.pending: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.counts: Counter[str] = Counter()

    def add(self, row: models.Model) -> None:
        self.pending[type(row)].append(row)

    def extend(self, rows: Iterable[models.Model]) -> None:
        for row in rows:
            self.pending[type(row)].append(row)

    def pending_count(self) -> int:
        return sum(len(rows) for rows in self.pending.values())

    def flush(self) -> None:
        order = [m for m in WRITE_ORDER if m in self.pending] + [
            m for m in self.pending if m not in WRITE_ORDER
        ]
        for model in order:
            rows = self.pending.pop(model)
            if rows:
                self.write(model, rows)
                self.counts[model._meta.label] += len(rows)

    def write(self, model: type[models.Model], rows: list[models.Model]) -> None:
        """Discard (the counts are kept)."""


def copyable(model: type[models.Model]) -> bool:
    """Whether COPY can write this model's rows as they are: every column but JSON (which psycopg
    would need wrapping), so in practice every table the seed fills except the authenticators."""
    return not any(isinstance(field, models.JSONField) for field in model._meta.concrete_fields)


class DatabaseSink(Sink):
    """Writes each batch in one go: on PostgreSQL by COPY, which skips Django's per-value
    preparation (the rows are built complete, keys and all), elsewhere with ``bulk_create``."""

    writes_database = True
    # Tests turn this off to check that both paths write the same rows.
    copy_on_postgresql: ClassVar[bool] = True

    def __init__(self, batch_size: int = 2000) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.use_copy = self.copy_on_postgresql and connection.vendor == "postgresql"

    def write(self, model: type[models.Model], rows: list[models.Model]) -> None:
        if self.use_copy and copyable(model):
            self.copy(model, rows)
        else:
            model._default_manager.bulk_create(rows, batch_size=self.batch_size)

    @staticmethod
    def copy(model: type[models.Model], rows: list[models.Model]) -> None:
        # An automatic key (the many-to-many tables') is left to the database's sequence, as INSERT does.
        fields = [
            field
            for field in model._meta.concrete_fields
            if not (isinstance(field, models.AutoField) and rows[0].__dict__.get(field.attname) is None)
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(field.column)) for field in fields)
        stamped = {
            field.attname
            for field in fields
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        }
        names = [field.attname for field in fields]
        now = timezone.now()
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                values = row.__dict__
                copy.write_row([now if name in stamped else values[name] for name in names])


class MemorySink(Sink):
    """Keeps every row, for tests that compare two runs."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)

    def write(self, model: type[models.Model], rows: list[models.Model]) -> None:
        self.rows[model].extend(rows)
