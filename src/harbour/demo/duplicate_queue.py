"""The demo's possible-duplicates queue: the real scan over the seeded county, and a few decisions.

After seeding, `harbour seed` runs the real duplicate scan (people/duplicates.py) over the records the
generator paired (both sides of each near-duplicate and twin pair, up to 400 pairs), as `harbour tick`
does for the records changed since its last scan. Each is compared with its candidates among all young
people, so the queue holds what the matcher really finds; a scan of every record is
`harbour duplicates scan --all`
(about 10 ms a record, so tens of seconds at scale 1, which is why the seed does not wait for it).
Then the demo front-door officer decides a few, through the same services a reviewer uses (so they
are audited), so each status shows:

- two true near-duplicates (from the truth file) are merged, the original record staying;
- two pairs of twins are recorded as "not the same person". Twins score far below the review
  threshold, so the scan never offers them; the demo puts these two to the reviewer itself, with the
  scorer's real score and explanation, to show that decision and how the scorer keeps twins apart.

Nothing here merges by score: the merges follow the truth file, as a reviewer's judgement would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from harbour.accounts.models import User
from harbour.demo.people import TruthPair
from harbour.people import duplicates, merging
from harbour.people.matching import NameVariants, score
from harbour.people.models import Person, PossibleDuplicate

# Pairs whose records the seed scans: enough for a full queue at any scale, bounded so a large seed
# does not spend minutes here.
MAX_PAIRS_SCANNED = 400
MERGES = 2
TWINS_DISMISSED = 2
REVIEWER_ROLE = "front-door-officer"


@dataclass
class QueueReport:
    scanned: bool
    people_scanned: int = 0
    pairs_found: int = 0
    merged: int = 0
    dismissed: int = 0
    seconds: float = 0.0


def populate_duplicate_queue(
    *, truth: list[TruthPair], demo_users: dict[str, str], young_people: int, progress: Callable[[str], None]
) -> QueueReport:
    # Siblings are left out: they only confirm that the scan keeps them apart, at seconds' cost.
    scanned_pairs = [pair for pair in truth if pair.relation != "sibling"][:MAX_PAIRS_SCANNED]
    paired = {pair.record_id for pair in scanned_pairs} | {pair.other_record_id for pair in scanned_pairs}
    reviewer = User.objects.filter(username=demo_users.get(REVIEWER_ROLE, "")).first()
    with transaction.atomic():
        result = duplicates.duplicates_scan(people=Person.objects.filter(pk__in=paired))
        report = QueueReport(True, result.people_scanned, result.pairs_found, seconds=result.seconds)
        if reviewer is not None:
            report.merged = _merge_some(reviewer, truth)
            report.dismissed = _dismiss_twins(reviewer, truth)
    progress(
        f"  possible duplicates: {report.pairs_found:,} pairs found by scanning {report.people_scanned:,} of "
        f"{young_people:,} young people's records ({report.seconds:.1f}s); {report.merged} merged and "
        f"{report.dismissed} pairs of twins recorded as not the same person, by the demo front-door officer"
    )
    return report


def _merge_some(reviewer: Any, truth: list[TruthPair]) -> int:
    originals = {
        duplicates.ordered(pair.record_id, pair.other_record_id): pair.record_id
        for pair in truth
        if pair.relation == "duplicate"
    }
    merged = 0
    for pair in PossibleDuplicate.objects.filter(status=PossibleDuplicate.Status.OPEN).order_by(
        "person_a_id", "person_b_id"
    ):
        if merged >= MERGES:
            break
        original = originals.get((pair.person_a_id, pair.person_b_id))
        if original is None:
            continue
        survivor, other = (pair.person_a, pair.person_b)
        if survivor.pk != original:
            survivor, other = other, survivor
        conflicts = merging.identifier_conflicts(survivor, other)
        merging.person_merge(
            actor=reviewer,
            survivor=survivor,
            merged=other,
            survivor_version=survivor.version,
            merged_version=other.version,
            reason="Same young person recorded again by another agency: same family, address and school.",
            override_reason=(
                "The other record's date of birth was keyed wrongly; confirmed with the school."
                if conflicts
                else ""
            ),
            duplicate=pair,
            duplicate_version=pair.version,
        )
        merged += 1
    return merged


def _dismiss_twins(reviewer: Any, truth: list[TruthPair]) -> int:
    twins = sorted(
        (
            duplicates.ordered(pair.record_id, pair.other_record_id)
            for pair in truth
            if pair.relation == "twin"
        ),
        key=lambda ids: (str(ids[0]), str(ids[1])),
    )[:TWINS_DISMISSED]
    if not twins:
        return 0
    variants = NameVariants.from_db()
    people = {
        person.pk: person
        for person in Person.objects.filter(pk__in=[pk for pair in twins for pk in pair])
        .select_related("gender")
        .prefetch_related("addresses", "aliases")
    }
    now = timezone.now()
    dismissed = 0
    for a, b in twins:
        if a not in people or b not in people:
            continue
        result = score(duplicates.query_for(people[a]), people[b], variants)
        pair, _ = PossibleDuplicate.objects.get_or_create(
            person_a_id=a,
            person_b_id=b,
            defaults={
                "score": result.probability,
                "explanation": duplicates.explanation(result),
                "found_at": now,
                "scored_at": now,
            },
        )
        if pair.status != PossibleDuplicate.Status.OPEN:
            continue
        duplicates.duplicate_dismiss(
            actor=reviewer,
            pair=pair,
            version=pair.version,
            reason="Twins: different first names, the same birthday and home. Checked with their school.",
        )
        dismissed += 1
    return dismissed
