"""Access pages. Paths carry record ids only."""

from django.urls import path

from harbour.access import views

app_name = "access"
urlpatterns = [
    path("break-glass/review/", views.break_glass_review, name="break_glass_review"),
    path(
        "break-glass/review/<uuid:use_id>/",
        views.break_glass_mark_reviewed,
        name="break_glass_mark_reviewed",
    ),
    path("break-glass/<uuid:person_id>/", views.break_glass, name="break_glass"),
    path("grants/revoke/", views.grant_revoke, name="grant_revoke"),
]
