"""`harbour link_import REVIEWED.csv --as USERNAME [--dataset NAME]`: bring a reviewed link file into Harbour.

The file is `harbour link`'s output after a person has checked it (changed a cluster_id or a person_id
where the linkage was wrong). Each cluster is one young person, imported in its own transaction through
the people services, so the user's permissions and the audit trail apply:

- a cluster with a person_id adds the names it was recorded under as aliases, and an NHS number or
  UPN the person lacks (``person_update``);
- a cluster without one creates the person (``person_create``) from its most complete row, with the
  other names as aliases and the address.

Each imported cluster writes a ``person.batch_imported`` audit event listing its record_ids under the
dataset name; a re-run skips record_ids already imported for that dataset, so it creates no duplicates.
A two-file output (``harbour link A --link-to B``) has a ``source_file`` column: its rows are named
``source_file:record_id`` there, since both files may use the same record_id.
"""

from __future__ import annotations

import csv
import uuid
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from harbour.accounts.models import User
from harbour.audit import services as audit
from harbour.audit.models import AuditEvent
from harbour.core import request_context
from harbour.people import services
from harbour.people.linkage import io
from harbour.people.models import Gender, Person, PersonAlias
from harbour.people.names import fold

IMPORTED_ACTION = "person.batch_imported"
REQUIRED = ("record_id", "cluster_id", "person_id", "first_name", "last_name", "date_of_birth")


def imported_record_ids(dataset: str) -> set[str]:
    """Record ids already brought in from this dataset (from the audit trail, which is append-only)."""
    found: set[str] = set()
    for detail in AuditEvent.objects.filter(action=IMPORTED_ACTION, detail__dataset=dataset).values_list(
        "detail", flat=True
    ):
        found.update(detail.get("record_ids", []))
    return found


def _problem_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return str(error) or "You are not allowed to do this."
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


def _completeness(row: dict[str, str]) -> int:
    return sum(bool(row.get(name)) for name in ("nhs_number", "upn", "date_of_birth", "postcode", "address"))


class Command(BaseCommand):
    help = "Import a reviewed `harbour link` output file into Harbour through the people services."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reviewed", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="The user the import acts as.")
        parser.add_argument(
            "--dataset",
            default="",
            help="A stable name for the agency dataset; re-runs skip its record_ids already imported "
            "(default: the file name without its extension).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        context = request_context.set_current(request_context.RequestContext(channel="cli"))
        try:
            self._import(options["reviewed"], options["username"], options["dataset"])
        finally:
            request_context.reset(context)

    def _read(self, path: Path) -> tuple[dict[str, list[dict[str, str]]], list[io.RowProblem], int]:
        try:
            handle = path.open(newline="", encoding="utf-8-sig")
        except OSError:
            raise CommandError(f"{path}: cannot be read.") from None
        clusters: dict[str, list[dict[str, str]]] = defaultdict(list)
        problems: list[io.RowProblem] = []
        rows = 0
        with handle:
            reader = csv.DictReader(handle)
            header = [name.strip().lower() for name in reader.fieldnames or []]
            missing = [name for name in REQUIRED if name not in header]
            if missing:
                raise CommandError(f"{path}: required columns missing: {', '.join(missing)}.")
            reader.fieldnames = header
            # `harbour link A --link-to B` writes which file each row came from: a record_id may be used
            # in both files, so a row is named by its file and its record_id together.
            two_files = "source_file" in header
            seen: set[str] = set()
            for raw in reader:
                line = reader.line_num
                rows += 1
                row = {name: (value or "").strip() for name, value in raw.items() if isinstance(name, str)}
                for name in (*io.OPTIONAL_COLUMNS, "gender", "postcode"):
                    row.setdefault(name, "")
                found = io.row_problems(row)
                if not row["cluster_id"]:
                    found.append(("cluster_id", "Missing cluster_id."))
                if row["person_id"]:
                    try:
                        uuid.UUID(row["person_id"])
                    except ValueError:
                        found.append(("person_id", "Not a Harbour person id."))
                if two_files and not row.get("source_file"):
                    found.append(("source_file", "Missing source_file (the file the row came from)."))
                row["_key"] = f"{row['source_file']}:{row['record_id']}" if two_files else row["record_id"]
                if row["_key"] in seen:
                    found.append(
                        (
                            "record_id",
                            "Duplicate record_id in this file." if two_files else "Duplicate record_id.",
                        )
                    )
                seen.add(row["_key"])
                if found:
                    problems += [io.RowProblem(line, row["record_id"], name, why) for name, why in found]
                    continue
                row["_line"] = str(line)
                clusters[row["cluster_id"]].append(row)
        return clusters, problems, rows

    def _import(self, path: Path, username: str, dataset: str) -> None:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user is called {username!r}.")
        dataset = dataset or path.stem
        clusters, problems, rows = self._read(path)
        already = imported_record_ids(dataset)
        created = linked = skipped = 0
        for cluster_id, members in clusters.items():
            fresh = [row for row in members if row["_key"] not in already]
            if not fresh:
                skipped += 1
                continue
            lines = ", ".join(row["_line"] for row in members)
            try:
                with transaction.atomic():
                    is_new = self._import_cluster(actor, dataset, fresh)
            except (ValidationError, PermissionDenied) as error:
                problems.append(io.RowProblem(int(members[0]["_line"]), cluster_id, "", _problem_text(error)))
                self.stderr.write(f"lines {lines} (cluster {cluster_id}): {_problem_text(error)}")
                continue
            created += is_new
            linked += not is_new
        for problem in sorted(problems, key=lambda p: p.line):
            if problem.field:
                self.stderr.write(
                    f"line {problem.line} ({problem.record_id}): {problem.field}: {problem.reason}"
                )
        self.stdout.write(
            f"Read {rows:,} rows in {len(clusters):,} clusters (dataset {dataset!r}): {created:,} people "
            f"created, {linked:,} linked to people already known, {skipped:,} clusters already imported, "
            f"{len({problem.line for problem in problems}):,} rows or clusters with problems."
        )

    def _import_cluster(self, actor: Any, dataset: str, rows: list[dict[str, str]]) -> bool:
        """Import one cluster; returns True when it created a person. Raises to roll the cluster back."""
        person_ids = {row["person_id"] for row in rows if row["person_id"]}
        if len(person_ids) > 1:
            raise ValidationError({"person_id": "Rows of one cluster name different people."})
        record_ids = sorted(row["_key"] for row in rows)
        if person_ids:
            person = Person.objects.filter(pk=person_ids.pop()).first()
            if person is None:
                raise ValidationError({"person_id": "No person in Harbour has this id."})
            self._add_to(actor, person, rows)
            created = False
        else:
            person = self._create(actor, rows)
            created = True
        audit.record(actor, IMPORTED_ACTION, person, detail={"dataset": dataset, "record_ids": record_ids})
        return created

    def _add_to(self, actor: Any, person: Person, rows: list[dict[str, str]]) -> None:
        known = {fold(person.first_name), fold(person.preferred_name)} | {
            alias.search_name for alias in person.aliases.all()
        }
        for row in rows:
            first, last = row["first_name"], row["last_name"]
            if fold(last) and fold(last) != fold(person.last_name):
                name = f"{first} {last}".strip()
                if fold(name) not in known:
                    services.alias_add(actor=actor, person=person, name=name, kind=PersonAlias.Kind.ALIAS)
                    known.add(fold(name))
            elif fold(first) and fold(first) not in known:
                services.alias_add(actor=actor, person=person, name=first)
                known.add(fold(first))
        changes = {}
        for name in ("nhs_number", "upn"):
            values = {row[name] for row in rows if row[name]}
            if not getattr(person, name) and len(values) == 1:
                changes[name] = values.pop()
        if changes:
            person.refresh_from_db()
            services.person_update(actor=actor, person=person, version=person.version, changes=changes)
        elif not services.policies.can(actor, "person.edit", person):
            # Nothing to change, but linking a record still needs the right to edit the person.
            raise PermissionDenied("You cannot change this young person's record.")

    def _create(self, actor: Any, rows: list[dict[str, str]]) -> Person:
        best = max(rows, key=_completeness)
        names = Counter((row["first_name"], row["last_name"]) for row in rows if row["first_name"])
        first, last = names.most_common(1)[0][0] if names else (best["first_name"], best["last_name"])
        values: dict[str, Any] = {}
        for name in ("middle_names", "nhs_number", "upn", "phone"):
            if best.get(name):
                values[name] = best[name]
        if best["date_of_birth"]:
            values["date_of_birth"] = date.fromisoformat(best["date_of_birth"])
        gender = {"m": "male", "f": "female"}.get(best["gender"][:1].lower(), best["gender"].lower())
        if gender and (found := Gender.objects.filter(code=gender).first()):
            values["gender"] = found
        address = None
        if best["postcode"] or best["address"]:
            address = services.AddressInput(line1=best["address"], postcode=best["postcode"])
        aliases = sorted(
            {
                f"{row['first_name']} {row['last_name']}".strip()
                for row in rows
                if fold(f"{row['first_name']} {row['last_name']}") != fold(f"{first} {last}")
            }
        )
        data = services.PersonInput(
            first_name=first, last_name=last, values=values, address=address, aliases=aliases
        )
        return services.person_create(actor=actor, data=data)
