"""Reads for joint exploitation risk assessments, filtered by what the actor may see.

Missing and forbidden give the same 404. Reads of an assessment, a history or a list write one audit
event each.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from harbour.access import policies as access
from harbour.accounts.models import Membership, Role, User
from harbour.assessments import policies
from harbour.assessments.inputs import (
    AnswerView,
    ContributionView,
    HistoryPoint,
    IndicatorChoice,
    Movement,
    OfferView,
)
from harbour.assessments.models import (
    Answer,
    Assessment,
    Contribution,
    Indicator,
    OfferDecline,
    OfferedIndicator,
    ScreeningToolVersion,
)
from harbour.audit import services as audit
from harbour.core import request_context
from harbour.people.models import Person, PersonMerge


def review_horizon(today: datetime.date) -> datetime.date:
    """The last day a review counts as due soon (``HARBOUR_REVIEW_DUE_SOON_DAYS`` ahead)."""
    return today + datetime.timedelta(days=settings.HARBOUR_REVIEW_DUE_SOON_DAYS)


def indicator_choices() -> list[IndicatorChoice]:
    """The active catalogue, ordered by category then label, for pick lists."""
    rows = (
        Indicator.objects.filter(active=True, category__active=True)
        .select_related("category")
        .order_by("category__sort_order", "category__label", "label")
    )
    return [
        IndicatorChoice(
            code=row.code,
            label=row.label,
            category_code=row.category.code,
            category_label=row.category.label,
            health_restricted=row.health_restricted,
        )
        for row in rows
    ]


def tool_versions() -> list[ScreeningToolVersion]:
    """The versions a lead may open an assessment under: active, newest first within each tool."""
    return list(
        ScreeningToolVersion.objects.filter(active=True, tool__active=True)
        .select_related("tool")
        .order_by("tool__sort_order", "-effective_from")
    )


def _base() -> QuerySet[Assessment]:
    return Assessment.objects.select_related(
        "person", "tool_version__tool", "lead", "lead_agency", "computed_level", "agreed_level", "agreed_by"
    )


def assessment_get_for(*, actor: Any, assessment_id: UUID, audited: bool = True) -> Assessment:
    """One assessment, for an actor who sees the young person in full; 404 otherwise."""
    assessment = _base().prefetch_related("exploitation_types").filter(pk=assessment_id).first()
    if assessment is None or not policies.can_view(actor, assessment):
        raise Http404
    if audited:
        audit.record(actor, "assessment.viewed", assessment, person_id=assessment.person_id)
    return assessment


def superseding_merges(assessments: Iterable[Assessment]) -> dict[Any, PersonMerge]:
    """The merges of two records that closed these assessments as superseded, by assessment id.

    ``services.assessments_after_merge`` closes an older agreed assessment at the merge's time with no
    closer or reason (as a review closes one at its agreement) and the merge's snapshot lists it. One
    query, for the closed assessments that have no reason only; a merge later undone still counts (an
    assessment it could not agree again stays closed by it)."""
    closed = {
        str(a.pk): a.closed_at
        for a in assessments
        if a.status == Assessment.Status.CLOSED and not a.close_reason and a.closed_at is not None
    }
    if not closed:
        return {}
    found: dict[Any, PersonMerge] = {}
    for merge in PersonMerge.objects.filter(at__in=set(closed.values())):
        for entry in merge.snapshot.get("superseded_assessments", []):
            pk = entry.get("pk")
            if pk in closed and closed[pk] == merge.at:
                found[UUID(pk)] = merge
    return found


def closed_as(assessment: Assessment, merges: dict[Any, PersonMerge]) -> str:
    """How a closed assessment was closed: ``without-agreement`` (by its lead, with a reason),
    ``superseded-by-merge`` or ``superseded-by-review``; empty while open or agreed."""
    if assessment.status != Assessment.Status.CLOSED:
        return ""
    if assessment.close_reason:
        return "without-agreement"
    return "superseded-by-merge" if assessment.pk in merges else "superseded-by-review"


def assessment_list_for(*, actor: Any, person_id: UUID | None = None) -> QuerySet[Assessment]:
    """Assessments of the young people the actor sees in full (optionally one young person). Audited."""
    people = access.filter_full(actor, Person.objects.all())
    queryset = _base().filter(person__in=people.values("pk"))
    if person_id is not None:
        queryset = queryset.filter(person_id=person_id)
    audit.record(
        actor, "assessment.list_viewed", None, person_id=person_id, detail={"person": str(person_id or "")}
    )
    return queryset.order_by("-opened_at")


def open_assessments_when_many(*, actor: Any, person: Person) -> list[Assessment]:
    """The young person's open assessments, oldest first, when there is more than one (after two records
    of them were merged while each had one open); else none. For someone the actor sees in full (none
    otherwise). Audited (``assessment.list_viewed``) only when there are some to show."""
    if not access.can_see_full(actor, person):
        return []
    open_ones = list(
        Assessment.objects.filter(person_id=person.pk, status=Assessment.Status.OPEN)
        .select_related("lead", "lead_agency")
        .order_by("opened_at")
    )
    if len(open_ones) < 2:
        return []
    audit.record(
        actor, "assessment.list_viewed", None, person_id=person.pk, detail={"person": str(person.pk)}
    )
    return open_ones


def other_open_assessments(*, assessment: Assessment) -> list[Assessment]:
    """The young person's other open assessments, oldest first. There is one open assessment at a time,
    except after two records of one young person were merged while each had one open: then a lead
    closes one without agreement. Whoever may read this assessment sees the young person in full, and so
    the others too."""
    if not assessment.is_open:
        return []
    return list(
        Assessment.objects.filter(person_id=assessment.person_id, status=Assessment.Status.OPEN)
        .exclude(pk=assessment.pk)
        .select_related("lead", "lead_agency")
        .order_by("opened_at")
    )


def withdrawable_requests(*, assessment: Assessment) -> set[Any]:
    """Ids of the contributions whose request the lead may still withdraw: asked of someone other than
    the lead, and nothing written yet (not submitted, no answer, no offer declined)."""
    if not assessment.is_open:
        return set()
    return set(
        Contribution.objects.filter(assessment=assessment, status=Contribution.Status.REQUESTED)
        .exclude(author_id=assessment.lead_id)
        .filter(~Exists(Answer.objects.filter(contribution=OuterRef("pk"))))
        .filter(~Exists(OfferDecline.objects.filter(contribution=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )


def contributions_for(*, actor: Any, assessment: Assessment) -> list[ContributionView]:
    """Every contribution, with health-restricted answers shown only to those who may see them."""
    rows = (
        Contribution.objects.filter(assessment=assessment)
        .select_related("author", "agency")
        .prefetch_related("answers__indicator__category")
    )
    views = []
    for contribution in rows:
        answers = []
        for answer in contribution.answers.all():
            indicator = answer.indicator
            if indicator.health_restricted and not policies.sees_restricted_answer(
                actor, assessment=assessment, author_id=contribution.author_id
            ):
                answers.append(
                    AnswerView(
                        indicator_code="",
                        indicator_label="A health-restricted item",
                        category_label="Health-restricted",
                        restricted=True,
                    )
                )
                continue
            answers.append(
                AnswerView(
                    indicator_code=indicator.code,
                    indicator_label=indicator.label,
                    category_label=indicator.category.label,
                    restricted=False,
                    value=answer.value,
                    value_label=answer.get_value_display(),
                    timeframe=answer.timeframe,
                    timeframe_label=answer.get_timeframe_display(),
                    evidence=answer.evidence,
                    source=answer.source,
                )
            )
        views.append(
            ContributionView(
                contribution_id=contribution.pk,
                author_name=str(contribution.author),
                agency_name=contribution.agency.name,
                status=contribution.status,
                status_label=contribution.get_status_display(),
                summary=contribution.summary,
                submitted_at=contribution.submitted_at,
                version=contribution.version,
                answers=answers,
                is_own=contribution.author_id == actor.pk,
            )
        )
    return views


def own_contribution(*, actor: Any, assessment: Assessment) -> Contribution | None:
    return (
        Contribution.objects.filter(assessment=assessment, author=actor)
        .prefetch_related("answers__indicator")
        .first()
    )


def offers_for(*, actor: Any, assessment: Assessment) -> list[OfferView]:
    """Current offers from other modules about this young person, with provenance."""
    if not policies.can_view(actor, assessment):
        return []
    asked = set(assessment.tool_version.indicator_codes())
    rows = (
        OfferedIndicator.objects.filter(person_id=assessment.person_id, withdrawn_at__isnull=True)
        .select_related("indicator", "offered_by", "offered_by_agency")
        .order_by("-observed_on")
    )
    views = []
    for offer in rows:
        if offer.indicator.code not in asked:
            continue
        if offer.indicator.health_restricted and not policies.sees_restricted_answer(
            actor, assessment=assessment, author_id=offer.offered_by_id
        ):
            views.append(
                OfferView(
                    offer_id=offer.pk,
                    indicator_code="",
                    indicator_label="A health-restricted item",
                    restricted=True,
                )
            )
            continue
        by = ""
        if offer.offered_by is not None:
            by = f", recorded by {offer.offered_by}"
            if offer.offered_by_agency is not None:
                by += f" ({offer.offered_by_agency.name})"
        kind = offer.source_kind.replace("-", " ")
        views.append(
            OfferView(
                offer_id=offer.pk,
                indicator_code=offer.indicator.code,
                indicator_label=offer.indicator.label,
                restricted=False,
                provenance=f"From the {kind} of {offer.observed_on:%-d %B %Y}{by}",
                evidence=offer.evidence,
                source_url=offer.source_url,
                observed_on=offer.observed_on,
                timeframe=offer.timeframe,
                version=offer.version,
            )
        )
    return views


def offer_was_withdrawn(*, assessment: Assessment, offer_id: UUID) -> bool:
    """Whether this offer about the assessment's young person existed and has been withdrawn (so a page
    can say so, rather than "not found"). Says nothing of its content."""
    return OfferedIndicator.objects.filter(
        pk=offer_id, person_id=assessment.person_id, withdrawn_at__isnull=False
    ).exists()


def history_for(*, actor: Any, person_id: UUID) -> list[HistoryPoint]:
    """The young person's agreed levels over time, oldest first. Audited."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not access.can_see_full(actor, person):
        raise Http404
    rows = (
        Assessment.objects.filter(person=person, agreed_at__isnull=False, agreed_level__isnull=False)
        .select_related("agreed_level", "tool_version__tool")
        .order_by("agreed_at")
    )
    audit.record(actor, "assessment.history_viewed", person)
    points = []
    for row in rows:
        assert row.agreed_at is not None
        assert row.agreed_level is not None
        points.append(
            HistoryPoint(
                assessment_id=row.pk,
                agreed_at=row.agreed_at,
                level_code=row.agreed_level.code,
                level_label=row.agreed_level.label,
                rank=row.agreed_level.rank,
                tool_label=row.tool_version.tool.label,
                judgement=row.get_judgement_display() if row.judgement else "",
                next_review_on=row.next_review_on,
            )
        )
    return points


def movement_report(*, actor: Any, since: datetime.date | None = None) -> tuple[list[Movement], int]:
    """Partnership figures: moves between ranks from one agreed assessment to the next, and how many
    young people were assessed. Counts only; no names. Needs ``partnership.performance``."""
    if not access.is_staff_member(actor) or not actor.has_capability("partnership.performance"):
        raise Http404
    rows = (
        Assessment.objects.filter(agreed_at__isnull=False, agreed_level__isnull=False)
        .order_by("person_id", "agreed_at")
        .values_list("person_id", "agreed_at", "agreed_level__rank")
    )
    counts: Counter[tuple[int, int]] = Counter()
    people: set[Any] = set()
    last: dict[Any, int] = {}
    for person_id, agreed_at, rank in rows:
        people.add(person_id)
        before = last.get(person_id)
        last[person_id] = rank
        if before is None:
            continue
        if since is not None and timezone.localdate(agreed_at) < since:
            continue
        counts[(before, rank)] += 1
    audit.record(
        actor, "assessment.movement_viewed", None, detail={"since": since.isoformat() if since else ""}
    )
    return [Movement(a, b, n) for (a, b), n in sorted(counts.items())], len(people)


# --- work queues ------------------------------------------------------------------------------------


def _team_member_ids(actor: Any) -> list[Any]:
    """The members of the teams the actor manages (managers see their team's queue), once a request."""
    return request_context.once_a_request(
        ("assessments-team-members", actor.pk), lambda: _find_team_member_ids(actor)
    )


def _find_team_member_ids(actor: Any) -> list[Any]:
    managed = actor.managed_team_ids()
    if not managed:
        return []
    today = timezone.localdate()
    return list(
        Membership.objects.filter(team_id__in=managed, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("user_id", flat=True)
        .distinct()
    )


def _waiting_keys(actor: Any) -> list[tuple[Any, str, Any]]:
    # Once a request: the home page asks for the queue's first rows and then for its count.
    return request_context.once_a_request(
        ("assessments-waiting", actor.pk), lambda: _find_waiting_keys(actor)
    )


def _find_waiting_keys(actor: Any) -> list[tuple[Any, str, Any]]:
    """(assessment id, what is waiting, whose user id) of every open item waiting for the actor or
    their team, in queue order (contributions first, then agreements), young people the actor does not
    see in full left out. Reads ids only: the rows shown are read afterwards."""
    if not access.is_staff_member(actor):
        return []
    people = set(_team_member_ids(actor)) | {actor.pk}
    contributions = list(
        Contribution.objects.filter(
            author_id__in=people,
            status=Contribution.Status.REQUESTED,
            assessment__status=Assessment.Status.OPEN,
        )
        # The lead's own contribution is part of the "Agreement" item, not a separate one.
        .exclude(author_id=F("assessment__lead_id"))
        .order_by("created_at", "pk")
        .values_list("assessment_id", "assessment__person_id", "author_id")
    )
    leading = list(
        Assessment.objects.filter(lead_id__in=people, status=Assessment.Status.OPEN)
        .order_by("opened_at", "pk")
        .values_list("pk", "person_id", "lead_id")
    )
    visible = _visible_ids(actor, list({person_id for _, person_id, _ in contributions + leading}))
    return [
        (assessment_id, what, whose)
        for rows, what in ((contributions, "Contribution"), (leading, "Agreement"))
        for assessment_id, person_id, whose in rows
        if person_id in visible
    ]


def waiting_for(*, actor: Any, limit: int | None = None) -> list[tuple[Assessment, str, str]]:
    """Open assessments waiting for the actor (or, for managers, their team): a contribution or the
    agreement. Returns (assessment, what is waiting, whose) triples; ``limit``: only the first ones."""
    keys = _waiting_keys(actor)
    if limit is not None:
        keys = keys[:limit]
    # Only the tables the queue shows: joining all of _base()'s took PostgreSQL longer to plan (5 to
    # 8 ms) than to run.
    # Only the columns an item shows, not every column of the assessment, young person and tool.
    assessments = (
        Assessment.objects.select_related("person", "tool_version__tool", "computed_level")
        .only(
            "tool_version__tool__label",
            "computed_level__label",
            *(f"person__{name}" for name in Person.NAME_FIELDS),
        )
        .in_bulk({assessment_id for assessment_id, _, _ in keys})
    )
    whose_ids = {whose for _, _, whose in keys}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=whose_ids).only(*User.NAME_FIELDS)}
    return [(assessments[assessment_id], what, names.get(whose, "")) for assessment_id, what, whose in keys]


def waiting_count(*, actor: Any) -> int:
    return len(_waiting_keys(actor))


def _reviews_due(actor: Any) -> QuerySet[Assessment]:
    people = set(_team_member_ids(actor)) | {actor.pk}
    horizon = review_horizon(timezone.localdate())
    open_people = Assessment.objects.filter(status=Assessment.Status.OPEN).values("person_id")
    return (
        Assessment.objects.filter(
            lead_id__in=people, status=Assessment.Status.AGREED, next_review_on__lte=horizon
        )
        .exclude(person_id__in=open_people)
        .order_by("next_review_on", "pk")
    )


def _reviews_due_keys(actor: Any) -> list[Any]:
    return request_context.once_a_request(
        ("assessments-reviews-due", actor.pk), lambda: _find_reviews_due_keys(actor)
    )


def _find_reviews_due_keys(actor: Any) -> list[Any]:
    """Ids of the agreed assessments whose review is due, in queue order, of young people the actor
    sees in full."""
    if not access.is_staff_member(actor):
        return []
    rows = list(_reviews_due(actor).values_list("pk", "person_id"))
    visible = _visible_ids(actor, list({person_id for _, person_id in rows}))
    return [pk for pk, person_id in rows if person_id in visible]


def reviews_due_for(*, actor: Any, limit: int | None = None) -> list[Assessment]:
    """Agreed assessments led by the actor (or their team) whose review is past or due soon,
    with no newer assessment open (``limit``: only the first ones)."""
    keys = _reviews_due_keys(actor)
    if limit is not None:
        keys = keys[:limit]
    found = (
        Assessment.objects.select_related("person", "agreed_level", "lead")
        .only(
            "next_review_on",
            "agreed_level__label",
            *(f"person__{name}" for name in Person.NAME_FIELDS),
            *(f"lead__{name}" for name in User.NAME_FIELDS),
        )
        .in_bulk(keys)
    )
    return [found[pk] for pk in keys]


def reviews_due_count(*, actor: Any) -> int:
    return len(_reviews_due_keys(actor))


def _visible_ids(actor: Any, person_ids: list[Any]) -> set[Any]:
    return access.visible_among(actor, person_ids)


def contributors_available(*, assessment: Assessment) -> list[tuple[User, str]]:
    """Professionals the lead may ask, with their agency: active staff whose current role lets them
    contribute, not yet asked. Three queries, whatever the number of staff."""
    roles = [
        role.pk
        for role in Role.objects.filter(active=True)
        if policies.CONTRIBUTE in role.capabilities or policies.LEAD in role.capabilities
    ]
    today = timezone.localdate()
    current = (
        Membership.objects.filter(role_id__in=roles, starts_on__lte=today, user__is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("is_primary")
        .values_list("user_id", "team__agency__name")
    )
    agency = dict(current)  # the primary membership's agency wins (ordered last)
    asked = set(Contribution.objects.filter(assessment=assessment).values_list("author_id", flat=True))
    users = User.objects.filter(pk__in=[pk for pk in agency if pk not in asked]).order_by(
        "display_name", "first_name", "last_name", "username"
    )
    return [(user, agency[user.pk]) for user in users]


def answers_by_indicator(contribution: Contribution | None) -> dict[str, Answer]:
    if contribution is None:
        return {}
    return {answer.indicator.code: answer for answer in contribution.answers.all()}
