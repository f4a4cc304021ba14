"""People pages. Paths carry record ids only: never a name, date of birth or other personal detail."""

from django.urls import path

from harbour.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("caseload/", views.caseload, name="caseload"),
    path("<uuid:person_id>/", views.detail, name="detail"),
    path("<uuid:person_id>/network/", views.network, name="network"),
    path("<uuid:person_id>/chronology/", views.chronology, name="chronology"),
    path("<uuid:person_id>/edit/", views.edit, name="edit"),
    path("<uuid:person_id>/addresses/new/", views.address_add, name="address_add"),
    path("<uuid:person_id>/names/new/", views.alias_add, name="alias_add"),
    path("<uuid:person_id>/break-glass/", views.break_glass, name="break_glass"),
    path("<uuid:person_id>/access/new/", views.grant_give, name="grant_give"),
]
