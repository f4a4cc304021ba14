"""Writing the rows of a police log import: PostgreSQL's COPY, or ``bulk_create`` elsewhere.

Both writers take the same values (a tuple per row in the order of a list of model attribute names,
and the values every row shares) and write them in the caller's transaction, so the two paths give the
same rows. The import checks, under its
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
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

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


class _Table:
    """How rows of one model go to COPY: the columns each row gives, then the columns fixed for the whole
    import, then every other column at its default. The column types are told to psycopg once, so it
    picks each value's dumper once per column instead of once per value."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], fixed: dict[str, Any]) -> None:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        rest = [name for name in fields if name not in columns and name not in fixed]
        order = [*columns, *fixed, *rest]
        self.tail = tuple(fixed.values()) + tuple(_default(fields[name]) for name in rest)
        quote = connection.ops.quote_name
        names = ", ".join(quote(str(fields[name].column)) for name in order)
        self.sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN (FORMAT BINARY)"
        self.types = [_copy_type(fields[name]) for name in order]


def _default(field: models.Field[Any, Any]) -> Any:
    return field.get_default() if field.has_default() or not field.null else None


def _copy_type(field: models.Field[Any, Any]) -> str:
    """The PostgreSQL type psycopg dumps a column's values as (``varchar(60)`` is ``varchar``)."""
    db_type = field.db_type(connection)
    assert db_type is not None  # concrete fields have a column type
    return db_type.split("(", 1)[0]


class CopyWriter:
    """PostgreSQL: ``COPY ... FROM STDIN`` through Django's own connection (so in its transaction)."""

    name = "copy"

    def __init__(self) -> None:
        self._tables: dict[tuple[type[models.Model], tuple[str, ...]], _Table] = {}

    def write(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        fixed: dict[str, Any] | None = None,
    ) -> None:
        """Write ``rows`` (tuples of values in ``columns`` order, model attribute names); ``fixed`` holds
        the values every row shares (the same in every call for one model and columns)."""
        if not rows:
            return
        fixed = fixed or {}
        table = self._tables.get((model, tuple(columns)))
        if table is None:
            table = self._tables[(model, tuple(columns))] = _Table(model, columns, fixed)
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        tail = table.tail
        with raw.cursor() as cursor, cursor.copy(table.sql) as copy:
            copy.set_types(table.types)
            for row in rows:
                copy.write_row(row + tail)


class BulkCreateWriter:
    """Any other database (SQLite): ``bulk_create`` in batches, in the caller's transaction."""

    name = "bulk_create"

    def write(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        fixed: dict[str, Any] | None = None,
    ) -> None:
        """The same rows as ``CopyWriter.write``, as model instances."""
        fixed = fixed or {}
        objects = [model(**fixed, **dict(zip(columns, row, strict=True))) for row in rows]
        if objects:
            model._default_manager.bulk_create(objects, batch_size=500)


def writer_for(*, copy: bool | None = None) -> CopyWriter | BulkCreateWriter:
    """COPY on PostgreSQL unless told otherwise; ``bulk_create`` everywhere else."""
    if copy is None:
        copy = connection.vendor == "postgresql"
    if copy and connection.vendor != "postgresql":
        raise ValueError("COPY needs PostgreSQL.")
    return CopyWriter() if copy else BulkCreateWriter()
