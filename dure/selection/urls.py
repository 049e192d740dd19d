from django.urls import path

from dure.selection import views

urlpatterns = [
    path("calls/<int:call_id>/ranking/", views.ranking, name="ranking"),
    path("calls/<int:call_id>/ranking/run/", views.ranking_run, name="ranking-run"),
    path("calls/<int:call_id>/seed/", views.seed_publish, name="seed-publish"),
    path("calls/<int:call_id>/ranking/verify/", views.ranking_verify, name="ranking-verify"),
    path("calls/<int:call_id>/feedback/release/", views.feedback_release, name="feedback-release"),
    path("proposals/<int:proposal_id>/decision/", views.funding_decision, name="funding-decision"),
]
