"""Education pages. Paths carry record ids only: never a name, date of birth or other personal detail."""

from django.urls import path

from harbour.education import views

app_name = "education"

urlpatterns = [
    path("people/<uuid:person_id>/", views.person, name="person"),
    # ?what=exclusion (a kind of record, never personal data); without it, a list of what can be added.
    path("people/<uuid:person_id>/record/", views.record, name="record"),
    path("exclusions/<uuid:exclusion_id>/status/", views.exclusion_status, name="exclusion_status"),
    path("missing-education/<uuid:case_id>/enquiries/new/", views.enquiry_add, name="enquiry_add"),
    path("missing-education/<uuid:case_id>/close/", views.missing_close, name="missing_close"),
    path("periods/<slug:what>/<uuid:record_id>/end/", views.period_end, name="period_end"),
    # Imported rows kept for review: education.import holders only.
    path("imports/unmatched/", views.unmatched, name="unmatched"),
    path("imports/unmatched/<uuid:row_id>/retry/", views.unmatched_retry, name="unmatched_retry"),
    path("imports/unmatched/<uuid:row_id>/set-aside/", views.unmatched_set_aside, name="unmatched_set_aside"),
    path("imports/unmatched/<uuid:row_id>/link/", views.unmatched_link, name="unmatched_link"),
    # Importing a list from the page: checked on upload, imported once confirmed. Only the uploader
    # sees an upload (404 for anyone else).
    path("imports/new/", views.upload_new, name="upload_new"),
    path("imports/uploads/<uuid:upload_id>/", views.upload, name="upload"),
    path("imports/uploads/<uuid:upload_id>/import/", views.upload_confirm, name="upload_confirm"),
]
