from django.urls import path

from dure.proposals import views

urlpatterns = [
    path("", views.my_proposals, name="my-proposals"),
    path("new/<int:call_id>/", views.proposal_create, name="proposal-create"),
    path("<int:proposal_id>/", views.proposal_detail, name="proposal-detail"),
    path("<int:proposal_id>/edit/", views.proposal_edit, name="proposal-edit"),
    path("<int:proposal_id>/submit/", views.proposal_submit, name="proposal-submit"),
    path("<int:proposal_id>/receipts/<int:version>/", views.proposal_receipt, name="proposal-receipt"),
    path("<int:proposal_id>/files/<int:attachment_id>/", views.proposal_attachment, name="proposal-attachment"),
]
