from django.urls import path

from dure.review import views

urlpatterns = [
    path("stages/<int:stage_id>/", views.stage_manage, name="stage-manage"),
    path("stages/<int:stage_id>/decide/", views.stage_decide, name="stage-decide"),
    path("stages/<int:stage_id>/assign/", views.stage_assign, name="stage-assign"),
    path("stages/<int:stage_id>/auto-assign/", views.stage_auto_assign, name="stage-auto-assign"),
    path("stages/<int:stage_id>/conflicts/detect/", views.stage_detect_conflicts, name="stage-detect-conflicts"),
    path("stages/<int:stage_id>/conflicts/<int:conflict_id>/", views.conflict_decide, name="conflict-decide"),
    path("mine/", views.my_reviews, name="my-reviews"),
    path("assignments/<int:assignment_id>/", views.review_edit, name="review-edit"),
    path("assignments/<int:assignment_id>/conflict/", views.declare_conflict, name="declare-conflict"),
    path("feedback/<int:proposal_id>/", views.proposal_feedback, name="proposal-feedback"),
    path("unseal/", views.unseal_requests, name="unseal-requests"),
    path("unseal/<int:request_id>/", views.unseal_detail, name="unseal-detail"),
    path("unseal/<int:request_id>/witness/", views.unseal_witness, name="unseal-witness"),
]
