"""Reads at the front door, filtered by what the actor may see. Missing and forbidden both give 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, overload
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from harbour.access import policies as access
from harbour.accounts.models import User
from harbour.audit import services as audit
from harbour.frontdoor import policies, timescales
from harbour.frontdoor.inputs import QueueRow, SubjectSummary
from harbour.frontdoor.models import (
    Referral,
    ReferralContext,
    ReferralDraft,
    ReferralNotification,
    ReferralSubject,
)
from harbour.people.models import Person

RE_REFERRAL_MONTHS = 12
# The columns of a referral a queue row reads (referral_queue_for).
QUEUE_ROW_FIELDS = ("reference", "source", "status", "submitted_at", "due_by", "version")


def twelve_months_before(moment: datetime) -> datetime:
    """The same instant a year earlier (29 February falls back to 28 February)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def _age(born: date | None) -> int | None:
    if born is None:
        return None
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def subject_summaries(*, actor: Any, subjects: list[ReferralSubject]) -> list[SubjectSummary]:
    """The referral's young people at this actor's level: name-only hides the date of birth and age."""
    person_ids = [subject.person_id for subject in subjects]
    full = access.visible_among(actor, person_ids)
    summaries = []
    for subject in subjects:
        person = subject.person
        is_full = person.pk in full
        summaries.append(
            SubjectSummary(
                person_id=person.pk,
                name=person.full_name,
                full=is_full,
                age=_age(person.date_of_birth) if is_full else None,
                date_of_birth=person.date_of_birth if is_full else None,
            )
        )
    return summaries


def _with_details(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    return queryset.select_related(
        "urgency",
        "referrer",
        "withdrawn_by",
        "referrer_agency",
        "referrer_team",
        "triaged_by",
        "lawful_basis",
        "decision__decision_type",
        "decision__no_further_action_reason",
        "decision__decided_by",
    ).prefetch_related(
        "concern_types",
        Prefetch(
            "subjects", queryset=ReferralSubject.objects.select_related("person").order_by("created_at")
        ),
        "contexts__context_type",
    )


def _re_referral_counts_of(submitted: dict[Any, datetime], people: dict[Any, list[Any]]) -> dict[Any, int]:
    """Per referral (given its time of submission and its young people's ids): how many other
    referrals about any of its young people came in the 12 months before."""
    person_ids = {person_id for ids in people.values() for person_id in ids}
    if not person_ids:
        return {}
    earliest = min(twelve_months_before(moment) for moment in submitted.values())
    by_person: dict[Any, list[tuple[Any, datetime]]] = {}
    for person_id, referral_id, submitted_at in ReferralSubject.objects.filter(
        person_id__in=person_ids, referral__submitted_at__gte=earliest
    ).values_list("person_id", "referral_id", "referral__submitted_at"):
        by_person.setdefault(person_id, []).append((referral_id, submitted_at))
    counts: dict[Any, int] = {}
    for referral_id, moment in submitted.items():
        since = twelve_months_before(moment)
        others = {
            other_id
            for person_id in people[referral_id]
            for other_id, submitted_at in by_person.get(person_id, [])
            if other_id != referral_id and since <= submitted_at < moment
        }
        counts[referral_id] = len(others)
    return counts


def referral_queue_for(
    *, actor: Any, now: datetime | None = None, limit: int | None = None, offset: int = 0
) -> list[QueueRow]:
    """The front-door queue: open referrals, most urgent first, then longest waiting. Triage only.
    ``offset`` and ``limit``: only those rows (the home page shows a few, the queue page one page;
    ``referral_queue_count`` counts them all). Only the rows returned are read and built."""
    if not policies.can_triage(actor):
        return []
    now = now or timezone.now()
    # The page's ids first, then their details: ordering the open referrals joined to every table the
    # details need made PostgreSQL hash whole tables (every user, every decision) for 25 rows.
    ordered = Referral.objects.filter(status__in=policies.OPEN_STATUSES).order_by(
        "urgency__sort_order", "submitted_at", "pk"
    )
    page = ordered[offset:] if limit is None else ordered[offset : offset + limit]
    ids = list(page.values_list("pk", flat=True))
    # The rows' details as plain rows (one query each for the referrals, their concern types, young
    # people and places), not model instances: a referral's own text and every column of the people,
    # users and reference rows it joins were read and built into objects for 25 lines of a queue.
    user_names = [f"{user}__{name}" for user in ("referrer", "triaged_by") for name in User.NAME_FIELDS]
    details = {
        row[0]: row
        for row in Referral.objects.filter(pk__in=ids).values_list(
            "pk", *QUEUE_ROW_FIELDS, "urgency__code", "urgency__label", "referrer_agency__name", *user_names
        )
    }
    concern_types: dict[Any, list[str]] = {}
    for referral_id, label in (
        Referral.concern_types.through.objects.filter(referral_id__in=ids)
        .order_by("concerntype__sort_order", "concerntype__label")
        .values_list("referral_id", "concerntype__label")
    ):
        concern_types.setdefault(referral_id, []).append(label)
    subjects: dict[Any, list[tuple[Any, str, date | None]]] = {}
    for referral_id, person_id, first_name, last_name, born in (
        ReferralSubject.objects.filter(referral_id__in=ids)
        .order_by("created_at")
        .values_list(
            "referral_id", "person_id", "person__first_name", "person__last_name", "person__date_of_birth"
        )
    ):
        subjects.setdefault(referral_id, []).append(
            (person_id, Person.name_from(first_name, last_name), born)
        )
    contexts: dict[Any, list[str]] = {}
    for referral_id, name in (
        ReferralContext.objects.filter(referral_id__in=ids)
        .order_by("created_at")
        .values_list("referral_id", "name")
    ):
        contexts.setdefault(referral_id, []).append(name)
    full = access.visible_among(actor, {person_id for rows in subjects.values() for person_id, _, _ in rows})
    submitted = {pk: details[pk][4] for pk in ids}
    counts = _re_referral_counts_of(submitted, {pk: [row[0] for row in subjects.get(pk, [])] for pk in ids})
    audit.record(actor, "referral.queue_viewed", detail={"referrals": len(ids)})
    rows = []
    for pk in ids:
        (_, reference, source, status, submitted_at, due_by, version, urgency_code, urgency_label, agency) = (
            details[pk][:10]
        )
        referrer_names, triager_names = details[pk][10:14], details[pk][14:18]
        rows.append(
            QueueRow(
                referral_id=pk,
                reference=reference,
                source=source,
                status=status,
                status_label=Referral.Status(status).label,
                urgency_code=urgency_code,
                urgency_label=urgency_label,
                concern_types=concern_types.get(pk, []),
                submitted_at=submitted_at,
                due_by=due_by,
                overdue=due_by <= now,
                working_hours_waited=timescales.working_hours_between(submitted_at, now),
                subjects=[
                    SubjectSummary(
                        person_id=person_id,
                        name=name,
                        full=person_id in full,
                        age=_age(born) if person_id in full else None,
                        date_of_birth=born if person_id in full else None,
                    )
                    for person_id, name, born in subjects.get(pk, [])
                ],
                contexts=contexts.get(pk, []),
                referrer=User.name_from(*referrer_names) if referrer_names[3] else "Member of the public",
                referrer_agency=agency or "",
                re_referrals=counts.get(pk, 0),
                triaged_by=User.name_from(*triager_names) if triager_names[3] else "",
                version=version,
            )
        )
    return rows


def referral_queue_count(*, actor: Any) -> int:
    """How many referrals are on the front-door queue (0 for those without triage)."""
    if not policies.can_triage(actor):
        return 0
    return Referral.objects.filter(status__in=policies.OPEN_STATUSES).count()


def referral_queue_overdue_count(*, actor: Any, now: datetime | None = None) -> int:
    """How many referrals on the front-door queue are past their due time (the rows marked overdue)."""
    if not policies.can_triage(actor):
        return 0
    now = now or timezone.now()
    return Referral.objects.filter(status__in=policies.OPEN_STATUSES, due_by__lte=now).count()


class ReferralQueuePages:
    """The front-door queue as Django's ``Paginator`` takes it: counted in SQL, and a slice reads and
    builds only the rows of that page (the queue can hold thousands of open referrals)."""

    def __init__(self, *, actor: Any, now: datetime | None = None) -> None:
        self.actor = actor
        self.now = now or timezone.now()

    def count(self) -> int:
        return referral_queue_count(actor=self.actor)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[QueueRow]:
        return iter(self[0:])

    @overload
    def __getitem__(self, index: int) -> QueueRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[QueueRow]: ...

    def __getitem__(self, index: int | slice) -> QueueRow | list[QueueRow]:
        if isinstance(index, int):
            if index < 0:
                raise IndexError("The queue is read from its start.")
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        if index.step not in (None, 1) or (index.start or 0) < 0 or (index.stop or 0) < 0:
            raise ValueError("The queue is read a page at a time, from its start.")
        start = index.start or 0
        if index.stop is None:
            return referral_queue_for(actor=self.actor, now=self.now, offset=start)
        return referral_queue_for(
            actor=self.actor, now=self.now, offset=start, limit=max(index.stop - start, 0)
        )


def referral_list_for(*, actor: Any) -> QuerySet[Referral]:
    """For lists (the API): the open queue for triage holders, otherwise the actor's own referrals."""
    if policies.can_triage(actor):
        return _with_details(Referral.objects.filter(status__in=policies.OPEN_STATUSES)).order_by(
            "urgency__sort_order", "submitted_at", "pk"
        )
    return referral_sent_by(actor=actor)


def referral_get_for(*, actor: Any, referral_id: UUID, purpose: str = "view") -> Referral:
    """One referral, if the actor may read it; audited. ``subject_summaries`` carries its young people
    at the actor's access level."""
    referral = _with_details(Referral.objects.filter(pk=referral_id)).first()
    if referral is None or not policies.can_view(actor, referral):
        raise Http404
    subjects = list(referral.subjects.all())
    referral.subject_summaries = subject_summaries(actor=actor, subjects=subjects)  # type: ignore[attr-defined]
    audit.record(
        actor,
        "referral.viewed",
        referral,
        person_id=subjects[0].person_id if subjects else None,
        detail={
            "reference": referral.reference,
            "purpose": purpose[:40],
            "people": [str(subject.person_id) for subject in subjects],
        },
    )
    return referral


def referral_sent_by(*, actor: Any) -> QuerySet[Referral]:
    """The actor's own referrals with their outcomes, newest first."""
    if not access.is_staff_member(actor):
        return Referral.objects.none()
    return _with_details(Referral.objects.filter(referrer=actor)).order_by("-submitted_at", "pk")


def referral_previous_for(*, actor: Any, referral: Referral) -> list[Referral]:
    """Referrals about any of the same young people in the 12 months before this one (that the actor may
    read), newest first."""
    person_ids = list(referral.subjects.values_list("person_id", flat=True))
    if not person_ids:
        return []
    since = twelve_months_before(referral.submitted_at)
    queryset = (
        Referral.objects.filter(
            subjects__person_id__in=person_ids,
            submitted_at__gte=since,
            submitted_at__lt=referral.submitted_at,
        )
        .exclude(pk=referral.pk)
        .distinct()
    )
    return list(_with_details(policies.filter_visible(actor, queryset)).order_by("-submitted_at"))


def referral_draft_list_for(*, actor: Any) -> QuerySet[ReferralDraft]:
    if not policies.can_submit(actor):
        return ReferralDraft.objects.none()
    return ReferralDraft.objects.filter(owner=actor).order_by("-updated_at")


def referral_draft_get_for(*, actor: Any, draft_id: UUID) -> ReferralDraft:
    draft = ReferralDraft.objects.filter(pk=draft_id, owner=actor).first()
    if draft is None or not policies.can_submit(actor):
        raise Http404
    return draft


def _unread(actor: Any, *kinds: str) -> QuerySet[ReferralNotification]:
    if not access.is_staff_member(actor):
        return ReferralNotification.objects.none()
    return (
        ReferralNotification.objects.filter(recipient=actor, kind__in=kinds, read_at__isnull=True)
        .select_related("referral", "referral__decision__decision_type")
        .order_by("-sent_at")
    )


def feedback_unread_for(*, actor: Any) -> QuerySet[ReferralNotification]:
    """Outcomes of the actor's referrals, and referrals withdrawn that concern them, not read yet (for
    their home page)."""
    return _unread(actor, ReferralNotification.Kind.FEEDBACK, ReferralNotification.Kind.WITHDRAWN)


def breach_reports_unread_for(*, actor: Any) -> QuerySet[ReferralNotification]:
    """Timescale breaches reported to this manager and not yet read."""
    return _unread(actor, ReferralNotification.Kind.BREACH)
