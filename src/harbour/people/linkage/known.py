"""Harbour's young people as a table for batch linkage: one row per person and one per alias.

Each person's row carries the current postcode and address and every earlier one (the whole address
history), NHS number and UPN. Aliases, previous names and the preferred name become extra rows of the
same person (``record_id`` person-id:n), so a record written under a nickname or an earlier surname
still finds them. Pairs of two known rows are never formed (run.blocking_rules_for).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from harbour.people.models import Address, Person, PersonAlias

KNOWN_COLUMNS = (
    "record_id",
    "person_id",
    "first_name",
    "middle_names",
    "last_name",
    "date_of_birth",
    "gender",
    "postcode",
    "address",
    "postcode_history",
    "address_history",
    "school",
    "nhs_number",
    "upn",
)


def _alias_names(alias: str, kind: str, first: str, last: str) -> tuple[str, str]:
    words = alias.split()
    if len(words) > 1:
        return words[0], " ".join(words[1:])
    if kind == PersonAlias.Kind.PREVIOUS:
        return first, alias  # a single-word previous name is usually an earlier surname
    return alias, last


def known_people_rows() -> list[dict[str, Any]]:
    """Every young person in Harbour, with address history and aliases, as text columns."""
    addresses: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    # Newest first, so the first is the current address.
    for person_id, postcode, line1 in Address.objects.order_by("person_id", "-starts_on").values_list(
        "person_id", "postcode", "line1"
    ):
        addresses[person_id].append((postcode or "", line1 or ""))
    aliases: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    for person_id, name, kind in PersonAlias.objects.values_list("person_id", "name", "kind"):
        aliases[person_id].append((name, kind))
    people = Person.objects.filter(kind=Person.Kind.YOUNG_PERSON).values_list(
        "pk",
        "first_name",
        "middle_names",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "gender__code",
        "school__name",
        "nhs_number",
        "upn",
    )
    rows: list[dict[str, Any]] = []
    for pk, first, middle, last, preferred, born, gender, school, nhs, upn in people.iterator(
        chunk_size=5000
    ):
        history = addresses.get(pk, [])
        base = {
            "person_id": str(pk),
            "middle_names": middle,
            "date_of_birth": born.isoformat() if born else None,
            "gender": gender,
            "postcode": history[0][0] if history else None,
            "address": history[0][1] if history else None,
            "postcode_history": "|".join(postcode for postcode, _ in history[1:] if postcode) or None,
            "address_history": "|".join(line for _, line in history[1:] if line) or None,
            "school": school,
            "nhs_number": nhs,
            "upn": upn,
        }
        names = [(first, last)]
        if preferred and preferred != first:
            names.append((preferred, last))
        names += [_alias_names(name, kind, first, last) for name, kind in aliases.get(pk, [])]
        for index, (given, family) in enumerate(dict.fromkeys(names)):
            rows.append({**base, "record_id": f"{pk}:{index}", "first_name": given, "last_name": family})
    return rows


def known_people_table() -> Any:
    """The rows above as an Arrow table that DuckDB reads directly."""
    import pyarrow as pa

    rows = known_people_rows()
    schema = pa.schema([(name, pa.string()) for name in KNOWN_COLUMNS])
    return pa.table({name: [row.get(name) or None for row in rows] for name in KNOWN_COLUMNS}, schema=schema)
