from django.urls import path

from dure.expertise import views

urlpatterns = [
    path("people/", views.people, name="expertise-people"),
    path("people/<int:person_id>/", views.person_profile, name="expertise-profile"),
    path("people/<int:person_id>/openalex/", views.person_attach_openalex, name="expertise-attach-openalex"),
    path("stages/<int:stage_id>/conflicts/", views.stage_conflicts, name="expertise-conflicts"),
    path("stages/<int:stage_id>/conflicts/detect/", views.stage_detect, name="expertise-detect"),
    path("stages/<int:stage_id>/assign/", views.stage_assign, name="expertise-assign"),
    path("stages/<int:stage_id>/assign/run/", views.stage_run, name="expertise-run-new"),
    path("runs/<int:run_id>/", views.run_detail, name="expertise-run"),
    path("runs/<int:run_id>/adjust/", views.run_adjust, name="expertise-run-adjust"),
    path("runs/<int:run_id>/repeat/", views.run_repeat, name="expertise-run-repeat"),
    path("runs/<int:run_id>/apply/", views.run_apply, name="expertise-run-apply"),
]
