"""Joint exploitation risk assessment pages, under /assessments/. Paths carry record ids only."""

from django.urls import path

from harbour.assessments import views

app_name = "assessments"

urlpatterns = [
    path("movement/", views.movement, name="movement"),
    path("people/<uuid:person_id>/", views.person_history, name="person"),
    path("people/<uuid:person_id>/new/", views.assessment_new, name="new"),
    path("<uuid:assessment_id>/", views.assessment_detail, name="detail"),
    path("<uuid:assessment_id>/contribution/", views.contribution_edit, name="contribution"),
    path("<uuid:assessment_id>/contributors/", views.contributor_request, name="request"),
    path(
        "<uuid:assessment_id>/contributors/<uuid:contribution_id>/withdraw/",
        views.contributor_request_withdraw,
        name="request_withdraw",
    ),
    path("<uuid:assessment_id>/sections/", views.sections_save, name="sections"),
    path("<uuid:assessment_id>/agree/", views.agree, name="agree"),
    path("<uuid:assessment_id>/close/", views.close, name="close"),
    path("<uuid:assessment_id>/offers/<uuid:offer_id>/accept/", views.offer_accept, name="offer_accept"),
    path("<uuid:assessment_id>/offers/<uuid:offer_id>/decline/", views.offer_decline, name="offer_decline"),
]
