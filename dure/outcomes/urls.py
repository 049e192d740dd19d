from django.urls import path

from dure.outcomes import views

urlpatterns = [
    path("dashboard/", views.manager_dashboard, name="manager-dashboard"),
    path("dashboard.pdf", views.manager_dashboard_pdf, name="manager-dashboard-pdf"),
    path("dashboard.xlsx", views.manager_dashboard_xlsx, name="manager-dashboard-xlsx"),
    path("agreements/<int:agreement_id>/", views.outcome_report, name="outcome-report"),
]
