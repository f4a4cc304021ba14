from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from harbour.audit import services as audit
from harbour.ui.queues import filled_queues_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's work: one section per work queue their role gives them."""
    user = request.user
    membership = user.primary_membership()  # type: ignore[union-attr]
    # Several queues record that they were read: one write for all of them, not a commit each.
    with audit.batched():
        queues = filled_queues_for(user)
    context = {"membership": membership, "role": membership.role if membership else None, "queues": queues}
    return render(request, "ui/home.html", context)


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: public, so people can read it before they sign in."""
    return render(request, "ui/accessibility.html")
