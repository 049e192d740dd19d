from django.urls import path

from dure.selection import portfolio_views as views

urlpatterns = [
    path("calls/<int:call_id>/portfolio/", views.portfolio_call, name="portfolio-call"),
    path("calls/<int:call_id>/portfolio/apply/", views.portfolio_call_apply, name="portfolio-call-apply"),
    path("programmes/<int:programme_id>/portfolio/", views.portfolio_programme, name="portfolio-programme"),
    path("programmes/<int:programme_id>/portfolio/apply/", views.portfolio_programme_apply,
         name="portfolio-programme-apply"),
]
