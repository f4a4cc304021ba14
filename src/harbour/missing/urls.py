"""Missing pages under /missing/. Paths carry record ids only: never a name or other personal detail."""

from django.urls import path

from harbour.missing import views

app_name = "missing"

urlpatterns = [
    path("people/<uuid:person_id>/", views.person, name="person"),
    path("people/<uuid:person_id>/episodes/new/", views.episode_new, name="episode_new"),
    path("people/<uuid:person_id>/profile/", views.profile_edit, name="profile"),
    path("people/<uuid:person_id>/profile.pdf", views.profile_pdf, name="profile_pdf"),
    path("people/<uuid:person_id>/profile/photo/", views.profile_photo_edit, name="profile_photo"),
    path(
        "people/<uuid:person_id>/profile/photo/remove/",
        views.profile_photo_remove,
        name="profile_photo_remove",
    ),
    path("people/<uuid:person_id>/profile/photo.jpg", views.profile_photo, name="profile_photo_image"),
    path("episodes/<uuid:episode_id>/", views.episode, name="episode"),
    path("episodes/<uuid:episode_id>/return/", views.episode_return, name="episode_return"),
    path("episodes/<uuid:episode_id>/grade/", views.episode_regrade, name="episode_regrade"),
    path("episodes/<uuid:episode_id>/last-seen/", views.episode_report, name="episode_report"),
    path("interviews/<uuid:interview_id>/", views.interview, name="interview"),
    path("interviews/<uuid:interview_id>/interviewer/", views.interview_assign, name="interview_assign"),
    path("interviews/<uuid:interview_id>/offer/", views.interview_offer, name="interview_offer"),
    path("interviews/<uuid:interview_id>/declined/", views.interview_decline, name="interview_decline"),
    path("interviews/<uuid:interview_id>/record/", views.interview_complete, name="interview_complete"),
    path("notices/<uuid:notice_id>/read/", views.notice_read, name="notice_read"),
    path("police-log/review/", views.unmatched, name="unmatched"),
    path("police-log/review/<uuid:row_id>/link/", views.unmatched_link, name="unmatched_link"),
    path("police-log/review/<uuid:row_id>/choose/", views.unmatched_choose, name="unmatched_choose"),
    path("police-log/review/<uuid:row_id>/set-aside/", views.unmatched_set_aside, name="unmatched_set_aside"),
    # Importing a police log from the page: kept on upload, imported in the background once confirmed.
    # Only the uploader sees an upload (404 for anyone else).
    path("police-log/uploads/new/", views.upload_new, name="upload_new"),
    path("police-log/imports/", views.import_list, name="imports"),
    path("police-log/imports/<uuid:import_id>/undo/", views.import_undo_page, name="import_undo"),
    path("police-log/uploads/<uuid:upload_id>/", views.upload, name="upload"),
    path("police-log/uploads/<uuid:upload_id>/import/", views.upload_confirm, name="upload_confirm"),
]
