"""People pages. Paths carry record ids only: never a name, date of birth or other personal detail."""

from django.urls import path

from harbour.people import views, views_duplicates, views_matching

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("caseload/", views.caseload, name="caseload"),
    path("matches/", views_matching.matches, name="matches"),
    path("<uuid:person_id>/", views.detail, name="detail"),
    path("<uuid:person_id>/network/", views.network, name="network"),
    path("<uuid:person_id>/chronology/", views.chronology, name="chronology"),
    path("<uuid:person_id>/edit/", views.edit, name="edit"),
    path("<uuid:person_id>/addresses/new/", views.address_add, name="address_add"),
    path("<uuid:person_id>/names/new/", views.alias_add, name="alias_add"),
    path("<uuid:person_id>/break-glass/", views.break_glass, name="break_glass"),
    path("<uuid:person_id>/access/new/", views.grant_give, name="grant_give"),
    # Possible duplicates and merges (people/views_duplicates.py): for holders of person.merge.
    path("duplicates/", views_duplicates.queue, name="duplicates"),
    path("duplicates/<uuid:pair_id>/", views_duplicates.compare, name="duplicate_compare"),
    path("duplicates/<uuid:pair_id>/merge/", views_duplicates.merge, name="duplicate_merge"),
    path("duplicates/<uuid:pair_id>/not-the-same/", views_duplicates.dismiss, name="duplicate_dismiss"),
    path("merges/", views_duplicates.merges, name="merges"),
    path("merges/<uuid:merge_id>/", views_duplicates.merge_detail, name="merge_detail"),
    path("merges/<uuid:merge_id>/undo/", views_duplicates.merge_undo, name="merge_undo"),
]
