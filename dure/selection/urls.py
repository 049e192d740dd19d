from django.urls import path

from dure.selection import views

urlpatterns = [
    path("calls/<int:call_id>/ranking/", views.ranking, name="ranking"),
    path("calls/<int:call_id>/ranking/run/", views.ranking_run, name="ranking-run"),
    path("proposals/<int:proposal_id>/decision/", views.funding_decision, name="funding-decision"),
]
