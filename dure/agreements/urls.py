from django.urls import path

from dure.agreements import views

urlpatterns = [
    path("", views.agreement_list, name="agreements"),
    path("draft/<int:proposal_id>/", views.agreement_draft, name="agreement-draft"),
    path("<int:agreement_id>/", views.agreement_detail, name="agreement-detail"),
    path("<int:agreement_id>/ip-terms/", views.agreement_ip_terms, name="agreement-ip-terms"),
    path("<int:agreement_id>/milestones/", views.agreement_milestone, name="agreement-milestone"),
    path("<int:agreement_id>/dispatches/", views.agreement_dispatch, name="agreement-dispatch"),
    path("<int:agreement_id>/sign/", views.agreement_sign, name="agreement-sign"),
    path("cooperation-centres/", views.cooperation_centres, name="cooperation-centres"),
]
