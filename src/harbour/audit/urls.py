"""Audit trail pages. Paths and query strings carry ids, codes and dates only, never names."""

from django.urls import path

from harbour.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("person/<uuid:person_id>/", views.person, name="person"),
    path("export.csv", views.export, name="export"),
]
