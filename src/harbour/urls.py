from django.contrib import admin
from django.urls import include, path

from harbour.api.api import api
from harbour.core.views import healthz
from harbour.frontdoor import urls as frontdoor_urls

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("people/", include("harbour.people.urls")),
    path("audit/", include("harbour.audit.urls")),
    path("access/", include("harbour.access.urls")),
    path("frontdoor/", include("harbour.frontdoor.urls")),
    path("assessments/", include("harbour.assessments.urls")),
    path("missing/", include("harbour.missing.urls")),
    path("education/", include("harbour.education.urls")),
    path("figures/", include("harbour.figures.urls")),
    path("concern/", include((frontdoor_urls.public_urlpatterns, "concern"))),
    path("", include("harbour.ui.urls")),
]
