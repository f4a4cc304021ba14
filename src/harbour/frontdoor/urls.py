"""Front door pages. Staff pages are under /frontdoor/; the public concern form is under /concern/.

Paths carry record ids only: never a name or other personal detail.
"""

from django.urls import path

from harbour.frontdoor import views

app_name = "frontdoor"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<uuid:referral_id>/", views.referral_detail, name="referral"),
    path("referrals/<uuid:referral_id>/sent/", views.referral_sent, name="referral_sent"),
    path("referrals/<uuid:referral_id>/triage/", views.triage_start, name="triage_start"),
    path("referrals/<uuid:referral_id>/decision/", views.decide, name="decide"),
    path("referrals/<uuid:referral_id>/urgency/", views.regrade, name="regrade"),
    path("referrals/<uuid:referral_id>/young-people/new/", views.subject_add, name="subject_add"),
    path("referrals/<uuid:referral_id>/withdraw/", views.withdraw, name="withdraw"),
    path("drafts/", views.drafts, name="drafts"),
    path("drafts/save/", views.draft_save, name="draft_save"),
    path("drafts/<uuid:draft_id>/", views.draft_resume, name="draft"),
    path("drafts/<uuid:draft_id>/delete/", views.draft_discard, name="draft_discard"),
    path("sent/", views.sent, name="sent"),
    path("outcomes/<uuid:feedback_id>/read/", views.feedback_read, name="feedback_read"),
]

# The public concern form: no sign-in (and outside the staff authenticator requirement, see
# accounts/middleware.py). It writes and never reads.
public_urlpatterns = [
    path("", views.public_concern, name="form"),
    path("sent/", views.public_concern_sent, name="sent"),
]
