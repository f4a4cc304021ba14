"""Access pages that are about access itself: reviewing break-glass uses, ending a colleague's grant.

Pages about one person (break-glass, giving a grant) are in ``harbour.people.views``: the access app
may not import the people app (import-linter), and those pages read the person through its selectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from harbour.access import policies, selectors, services
from harbour.access.forms import BreakGlassReviewForm, GrantRevokeForm
from harbour.access.models import BreakGlass
from harbour.audit import services as audit


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest, person_id: Any) -> HttpResponse:
    """``/access/break-glass/<person>/``: the form is the person's page ``people:break_glass``.

    307 keeps the method and body, so a form posted here still arrives (with its CSRF token).
    """
    return HttpResponseRedirect(reverse("people:break_glass", kwargs={"person_id": person_id}), status=307)


@dataclass
class Review:
    use: BreakGlass
    form: BreakGlassReviewForm

    @property
    def ended(self) -> bool:
        return self.use.expires_at <= timezone.now() or self.use.revoked_at is not None


def _reviews(actor: Any, posted: Review | None = None) -> list[Review]:
    """The uses waiting for this manager, each with its form (the posted one keeps its errors)."""
    reviews = []
    for use in selectors.break_glass_to_review_for(actor=actor):
        if posted is not None and posted.use.pk == use.pk:
            reviews.append(posted)
        else:
            reviews.append(Review(use, BreakGlassReviewForm(prefix=str(use.pk))))
    return reviews


@never_cache
@login_required
def break_glass_review(request: HttpRequest) -> HttpResponse:
    """The break-glass uses flagged to this manager that they have not yet reviewed."""
    actor: Any = request.user
    if not (policies.can(actor, "audit.view_all") or actor.has_capability("audit.view_network")):
        raise PermissionDenied("Break-glass uses are reviewed by managers and the data protection officer.")
    reviews = _reviews(actor)
    # The page shows colleagues' reasons and the records they opened: reading it is audited too.
    audit.record(actor, "break_glass.reviews_viewed", detail={"shown": len(reviews)})
    return render(request, "access/break_glass_review.html", {"reviews": reviews})


@login_required
@require_POST
def break_glass_mark_reviewed(request: HttpRequest, use_id: Any) -> HttpResponse:
    use = selectors.break_glass_to_review_for(actor=request.user).filter(pk=use_id).first()
    if use is None:
        raise Http404
    form = BreakGlassReviewForm(request.POST, prefix=str(use.pk))
    if form.is_valid():
        try:
            services.break_glass_review(actor=request.user, use=use, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error("note", error)
        else:
            messages.success(request, "Marked as reviewed.")
            return redirect("access:break_glass_review")
    reviews = _reviews(request.user, posted=Review(use, form))
    return render(request, "access/break_glass_review.html", {"reviews": reviews}, status=422)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("ui:home")


@login_required
@require_POST
def grant_revoke(request: HttpRequest) -> HttpResponse:
    """End a colleague's time-limited access before it runs out. Returns to the page it came from."""
    form = GrantRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(problem) for problem in form.errors.get("grant", [])))
        return redirect(_safe_next(request))
    grant = form.cleaned_data["grant"]
    if not policies.can(request.user, "grant.give", grant.person):
        raise Http404
    services.grant_revoke(actor=request.user, grant=grant)
    messages.success(request, "That colleague's access has ended.")
    return redirect(_safe_next(request))
