from django.urls import path

from dure.review import views

urlpatterns = [
    path("stages/<int:stage_id>/", views.stage_manage, name="stage-manage"),
    path("stages/<int:stage_id>/decide/", views.stage_decide, name="stage-decide"),
    path("stages/<int:stage_id>/assign/", views.stage_assign, name="stage-assign"),
    path("stages/<int:stage_id>/auto-assign/", views.stage_auto_assign, name="stage-auto-assign"),
    path("stages/<int:stage_id>/conflicts/detect/", views.stage_detect_conflicts, name="stage-detect-conflicts"),
    path("stages/<int:stage_id>/conflicts/<int:conflict_id>/", views.conflict_decide, name="conflict-decide"),
    path("stages/<int:stage_id>/open/", views.stage_open, name="stage-open"),
    path("stages/<int:stage_id>/chair/", views.panel_chair, name="panel-chair"),
    path("stages/<int:stage_id>/proposals/<int:proposal_id>/", views.stage_proposal, name="stage-proposal"),
    path("assignments/<int:assignment_id>/comment/", views.panel_comment, name="panel-comment"),
    path("assignments/<int:assignment_id>/consensus/", views.panel_consensus, name="panel-consensus"),
    path("feedback/<int:proposal_id>/rebuttal/", views.proposal_rebuttal, name="proposal-rebuttal"),
    path("mine/", views.my_reviews, name="my-reviews"),
    path("assignments/<int:assignment_id>/", views.review_edit, name="review-edit"),
    path("assignments/<int:assignment_id>/conflict/", views.declare_conflict, name="declare-conflict"),
    path("feedback/<int:proposal_id>/", views.proposal_feedback, name="proposal-feedback"),
    path("unseal/", views.unseal_requests, name="unseal-requests"),
    path("unseal/<int:request_id>/", views.unseal_detail, name="unseal-detail"),
    path("unseal/<int:request_id>/witness/", views.unseal_witness, name="unseal-witness"),
]
