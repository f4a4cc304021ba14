"""The partnership figures page: filters in the URL (groups, never a person), the panels below."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from harbour.figures import policies, selectors
from harbour.figures.filters import FiguresFilterForm


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Charts with tables, filtered by the GET form. Partnership leaders and analysts only."""
    if not policies.can_view_figures(request.user):
        raise PermissionDenied
    form = FiguresFilterForm(request.GET or None)
    figures = selectors.figures_for(actor=request.user, filters=form.filters())
    return render(request, "figures/dashboard.html", {"form": form, "figures": figures})
