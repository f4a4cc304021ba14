"""Writing the rows of a police log import: PostgreSQL's COPY, or ``bulk_create`` elsewhere.

Both writers take the same values (a dict of model attribute name to value for each row) and write
them in the caller's transaction, so the two paths give the same rows. The import checks, under its
lock and inside that transaction, that no row's ``import_key`` is already held, so a plain COPY into
the tables cannot meet a conflict; if one did (a bug), the unique constraints refuse it and the whole
import rolls back.

Ids are time-ordered UUIDs (the layout of RFC 9562's version 7: milliseconds since 1970, then random
bits), so a million new rows are appended at the right-hand end of each table's primary key index
instead of being scattered through it.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from psycopg.types.json import Jsonb

# Not secret: ids only need to be unique, which 62 random bits per millisecond make them.
_random = random.Random(os.urandom(16))  # noqa: S311


class OrderedIds:
    """Time-ordered UUIDs: 48 bits of milliseconds, a 12-bit counter within the millisecond, and 62
    random bits (version 7, RFC 9562 variant)."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._counter = 0

    def __call__(self) -> uuid.UUID:
        ms = time.time_ns() // 1_000_000
        if ms <= self._last_ms:
            ms = self._last_ms
            self._counter += 1
            if self._counter > 0xFFF:  # more than 4,096 in one millisecond: borrow the next one
                ms += 1
                self._counter = 0
        else:
            self._counter = 0
        self._last_ms = ms
        value = (ms << 80) | (0x7 << 76) | (self._counter << 64) | (0b10 << 62) | _random.getrandbits(62)
        return uuid.UUID(int=value)


class _Columns:
    """A model's concrete columns in table order, with the value written when a row does not give one."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.names: list[str] = []
        self.attnames: list[str] = []
        self.defaults: list[Any] = []
        self.json: list[int] = []  # the positions of JSON columns
        for index, field in enumerate(model._meta.concrete_fields):
            assert field.column is not None  # concrete fields have a column
            self.names.append(field.column)
            self.attnames.append(field.attname)
            default = field.get_default() if field.has_default() or not field.null else None
            self.defaults.append(default)
            if isinstance(field, models.JSONField):
                self.json.append(index)

    def sql(self) -> str:
        quote = connection.ops.quote_name
        return f"COPY {quote(self.table)} ({', '.join(quote(name) for name in self.names)}) FROM STDIN"

    def row(self, values: dict[str, Any]) -> list[Any]:
        pairs = zip(self.attnames, self.defaults, strict=True)
        out = [values.get(attname, default) for attname, default in pairs]
        for index in self.json:
            if out[index] is not None:
                out[index] = Jsonb(out[index])
        return out


class CopyWriter:
    """PostgreSQL: ``COPY ... FROM STDIN`` through Django's own connection (so in its transaction)."""

    name = "copy"

    def __init__(self) -> None:
        self._columns: dict[type[models.Model], _Columns] = {}

    def write(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        columns = self._columns.get(model)
        if columns is None:
            columns = self._columns[model] = _Columns(model)
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(columns.sql()) as copy:
            for values in rows:
                copy.write_row(columns.row(values))


class BulkCreateWriter:
    """Any other database (SQLite): ``bulk_create`` in batches, in the caller's transaction."""

    name = "bulk_create"

    def write(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> None:
        objects = [model(**values) for values in rows]
        if objects:
            model._default_manager.bulk_create(objects, batch_size=500)


def writer_for(*, copy: bool | None = None) -> CopyWriter | BulkCreateWriter:
    """COPY on PostgreSQL unless told otherwise; ``bulk_create`` everywhere else."""
    if copy is None:
        copy = connection.vendor == "postgresql"
    if copy and connection.vendor != "postgresql":
        raise ValueError("COPY needs PostgreSQL.")
    return CopyWriter() if copy else BulkCreateWriter()
