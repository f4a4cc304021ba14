"""Partnership figures: one page of aggregates. The filters are in the query string (groups only)."""

from django.urls import path

from harbour.figures import views

app_name = "figures"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
