"""Possible duplicates: pairs of young people's records that may be one young person, for review.

The scan asks the "already known?" matcher (people/matching.py) about each young person's own record:
the candidate search (``candidates_for``) finds the records worth comparing, the scorer (``score``)
compares them field by field, in both directions (each record has its own address history and
aliases), and the higher probability counts. Pairs at or above ``REVIEW_THRESHOLD`` are kept as
``PossibleDuplicate`` rows with the field comparisons that explain the score.

Rules:
- A pair is held once (ordered by id) whatever the number of scans.
- An open pair is re-scored by a later scan; a decided pair ("not the same person", "merged") is never
  reopened or re-scored: the decision stands, even if one of the records changes later. A reviewer who
  learns more can still merge the two from the merges page.
- Nothing is merged automatically, not even at or above ``AUTO_LINK_THRESHOLD``: a merge is always a
  reviewer's decision (twins and siblings score high and are different children).
- Merged records are never scanned or offered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from harbour.access import policies
from harbour.access import selectors as access_selectors
from harbour.audit import services as audit
from harbour.core.errors import ConflictError, locked_for_update
from harbour.core.ticks import TickJob
from harbour.people.matching import (
    REVIEW_THRESHOLD,
    MatchQuery,
    MatchResult,
    NameVariants,
    candidates_for,
    score,
)
from harbour.people.models import Address, DuplicateScan, Person, PossibleDuplicate

# Candidates compared per record: the blocking rules put the likeliest first, and a county's young
# person has far fewer than this many plausible namesakes.
CANDIDATE_LIMIT = 50
CHUNK = 500
# The first periodic scan, with no earlier scan to count from, looks back this far; a full scan is
# `harbour duplicates scan --all`.
FIRST_TICK_LOOKBACK = timedelta(days=1)

Progress = Callable[[str], None]


@dataclass
class ScanResult:
    full: bool
    people_scanned: int = 0
    pairs_found: int = 0  # new pairs
    pairs_updated: int = 0  # open pairs re-scored
    pairs_decided_skipped: int = 0  # pairs already decided: left as they are
    seconds: float = 0.0
    scores: dict[tuple[Any, Any], MatchResult] = field(default_factory=dict, repr=False)


def query_for(person: Person) -> MatchQuery:
    """The record as the matcher's question: its names, date of birth, current postcode, identifiers."""
    addresses = list(person.addresses.all())
    current = [address for address in addresses if address.ends_on is None] or addresses
    current.sort(key=lambda address: (address.starts_on is not None, address.starts_on), reverse=True)
    return MatchQuery(
        first_name=person.first_name,
        last_name=person.last_name,
        middle_names=person.middle_names,
        date_of_birth=person.date_of_birth,
        postcode=current[0].postcode if current else "",
        nhs_number=person.nhs_number,
        upn=person.upn,
        school_id=person.school_id,
        gender=person.gender.code if person.gender is not None else "",
    )


def ordered(first: Any, second: Any) -> tuple[Any, Any]:
    """The pair's order in the table: by id as text, so (a, b) and (b, a) are one pair."""
    a, b = sorted((first, second), key=str)
    return a, b


def _loaded(queryset: QuerySet[Person]) -> QuerySet[Person]:
    return queryset.select_related("gender").prefetch_related("addresses", "aliases")


def _scannable() -> QuerySet[Person]:
    return Person.objects.filter(kind=Person.Kind.YOUNG_PERSON, merged_into__isnull=True)


def _chunks(queryset: QuerySet[Person]) -> Iterator[list[Person]]:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        yield list(_loaded(Person.objects.filter(pk__in=ids[start : start + CHUNK])))


def find_pairs(
    people: QuerySet[Person], *, progress: Progress | None = None
) -> dict[tuple[Any, Any], MatchResult]:
    """Score each of these records against its candidates; the pairs at or above the review threshold."""
    variants = NameVariants.from_db()
    cache: dict[Any, Person] = {}
    found: dict[tuple[Any, Any], MatchResult] = {}
    compared: set[tuple[Any, Any]] = set()  # each pair is scored once, in both directions
    done = 0
    for chunk in _chunks(people):
        for person in chunk:
            cache[person.pk] = person
        for person in chunk:
            query = query_for(person)
            candidate_ids = [
                pk
                for pk in candidates_for(query, limit=CANDIDATE_LIMIT, variants=variants)
                .filter(merged_into__isnull=True)
                .values_list("pk", flat=True)
                if pk != person.pk
            ]
            missing = [pk for pk in candidate_ids if pk not in cache]
            if missing:
                for other in _loaded(Person.objects.filter(pk__in=missing)):
                    cache[other.pk] = other
            for pk in candidate_ids:
                other = cache[pk]
                key = ordered(person.pk, pk)
                if key in compared:
                    continue
                compared.add(key)
                forward = score(query, other, variants)
                backward = score(query_for(other), person, variants)
                best = forward if forward.log2_odds >= backward.log2_odds else backward
                if best.probability >= REVIEW_THRESHOLD:
                    found[key] = best
            done += 1
        if progress is not None:
            progress(f"    {done:,} records compared, {len(found):,} pairs so far")
    return found


def explanation(result: MatchResult) -> list[dict[str, Any]]:
    return [asdict(comparison) for comparison in result.fields]


def _save_pairs(found: dict[tuple[Any, Any], MatchResult], result: ScanResult, now: datetime) -> None:
    if not found:
        return
    ids = {pk for pair in found for pk in pair}
    existing = {
        (row.person_a_id, row.person_b_id): row
        for row in PossibleDuplicate.objects.filter(person_a_id__in=ids, person_b_id__in=ids)
    }
    new: list[PossibleDuplicate] = []
    for (a, b), match in sorted(found.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        row = existing.get((a, b))
        if row is None:
            new.append(
                PossibleDuplicate(
                    person_a_id=a,
                    person_b_id=b,
                    score=match.probability,
                    explanation=explanation(match),
                    found_at=now,
                    scored_at=now,
                )
            )
        elif row.status == PossibleDuplicate.Status.OPEN:
            # A new score does not change the decision a reviewer may be making, so no version bump.
            PossibleDuplicate.objects.filter(pk=row.pk, status=PossibleDuplicate.Status.OPEN).update(
                score=match.probability, explanation=explanation(match), scored_at=now
            )
            result.pairs_updated += 1
        else:
            result.pairs_decided_skipped += 1
    # ignore_conflicts: an overlapping scan may have added the same pair a moment ago.
    PossibleDuplicate.objects.bulk_create(new, ignore_conflicts=True)
    result.pairs_found += len(new)


def duplicates_scan(
    *, people: QuerySet[Person] | None = None, progress: Progress | None = None, now: datetime | None = None
) -> ScanResult:
    """Scan young people's records (all of them, or those given) for possible duplicates.

    Run by `harbour duplicates scan`, by `harbour tick` (records changed since the last scan) and at the
    end of `harbour seed`. Writes one ``duplicate.scanned`` audit event with the counts (no names).
    """
    started = time.perf_counter()
    now = now or timezone.now()
    full = people is None
    selected = (
        _scannable()
        if people is None
        else people.filter(kind=Person.Kind.YOUNG_PERSON).filter(merged_into__isnull=True)
    )
    result = ScanResult(full=full)
    with transaction.atomic():
        found = find_pairs(selected, progress=progress)
        result.people_scanned = selected.count()
        _save_pairs(found, result, now)
        result.seconds = time.perf_counter() - started
        DuplicateScan.objects.create(
            started_at=now,
            finished_at=timezone.now(),
            full=full,
            people_scanned=result.people_scanned,
            pairs_found=result.pairs_found,
            pairs_updated=result.pairs_updated,
        )
        audit.record(
            None,
            "duplicate.scanned",
            detail={
                "full": full,
                "people_scanned": result.people_scanned,
                "pairs_found": result.pairs_found,
                "pairs_updated": result.pairs_updated,
                "pairs_already_decided": result.pairs_decided_skipped,
            },
        )
    result.scores = found
    return result


def changed_since(since: datetime) -> QuerySet[Person]:
    """Records whose details, addresses or other names changed since ``since``."""
    return Person.objects.filter(
        Q(updated_at__gte=since)
        | Q(pk__in=Address.objects.filter(updated_at__gte=since).values("person_id"))
        | Q(aliases__updated_at__gte=since)
    ).distinct()


def scan_changed(now: datetime) -> int:
    """The periodic job: scan the records changed since the last scan began. Returns pairs found."""
    last = DuplicateScan.objects.order_by("-started_at").values_list("started_at", flat=True).first()
    since = last if last is not None else now - FIRST_TICK_LOOKBACK
    people = changed_since(since)
    if not people.exists():
        return 0
    return duplicates_scan(people=Person.objects.filter(pk__in=people.values("pk")), now=now).pairs_found


SCAN_TICK = TickJob(
    "people.duplicates_scan",
    "Look for possible duplicates among the young people's records changed since the last scan",
    scan_changed,
)


# --- the review queue: reads (policy and audit) and decisions ------------------------------------------


def _require_reviewer(actor: Any) -> None:
    if not policies.can(actor, "person.merge"):
        raise Http404


def duplicate_list_for(
    *, actor: Any, status: str = PossibleDuplicate.Status.OPEN
) -> QuerySet[PossibleDuplicate]:
    """Pairs with this status, highest score first. Open pairs whose records have since been merged
    (with a third record) are left out: they are no longer two records."""
    _require_reviewer(actor)
    pairs = PossibleDuplicate.objects.filter(status=status).select_related("person_a", "person_b")
    if status == PossibleDuplicate.Status.OPEN:
        pairs = pairs.filter(person_a__merged_into__isnull=True, person_b__merged_into__isnull=True)
    return pairs.order_by("-score", "found_at", "pk")


def duplicate_list_audit(*, actor: Any, status: str, page_number: int, shown: int) -> None:
    audit.record(
        actor, "duplicate.queue_viewed", detail={"status": status, "page": page_number, "shown": shown}
    )


@dataclass(frozen=True)
class RecordSide:
    """One record of a pair, with the identity details a reviewer needs, and no casework."""

    person: Person
    aliases: list[Any]
    addresses: list[Any]
    known_to: list[Any]


def _side(person: Person) -> RecordSide:
    return RecordSide(
        person=person,
        aliases=list(person.aliases.all()),
        addresses=list(person.addresses.select_related("town").order_by("-starts_on")),
        known_to=access_selectors.known_to_agencies(person_id=person.pk),
    )


@dataclass(frozen=True)
class PairView:
    pair: PossibleDuplicate
    a: RecordSide
    b: RecordSide


def duplicate_get_for(*, actor: Any, pair_id: Any, purpose: str = "compare") -> PairView:
    """A pair side by side, for a reviewer. Audited as a read of both records (``duplicate.viewed``)."""
    _require_reviewer(actor)
    pair = (
        PossibleDuplicate.objects.select_related(
            "person_a__gender", "person_a__school", "person_b__gender", "person_b__school", "decided_by"
        )
        .filter(pk=pair_id)
        .first()
    )
    if pair is None:
        raise Http404
    for person in (pair.person_a, pair.person_b):
        audit.record(actor, "duplicate.viewed", pair, person_id=person.pk, detail={"purpose": purpose})
    return PairView(pair, _side(pair.person_a), _side(pair.person_b))


def duplicate_dismiss(*, actor: Any, pair: PossibleDuplicate, version: int, reason: str) -> PossibleDuplicate:
    """Record that the two records are different young people. A later scan never reopens the pair."""
    policies.require(actor, "person.merge")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say how you know these are different young people."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "Must be 2,000 characters or fewer."})
    with transaction.atomic():
        current: PossibleDuplicate = locked_for_update(pair, expected_version=version)
        if current.status != PossibleDuplicate.Status.OPEN:
            raise ConflictError(
                f"Someone has already decided this pair ({current.get_status_display().lower()}).",
                current_version=current.version,
            )
        current.status = PossibleDuplicate.Status.NOT_THE_SAME
        current.decided_by, current.decided_at, current.decision_reason = actor, timezone.now(), reason
        current.save()
        detail = {"person_a": str(current.person_a_id), "person_b": str(current.person_b_id)}
        for person_id in (current.person_a_id, current.person_b_id):
            audit.record(
                actor, "duplicate.dismissed", current, person_id=person_id, reason=reason, detail=detail
            )
    return current
