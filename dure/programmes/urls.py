from django.urls import path

from dure.programmes import views

urlpatterns = [
    path("", views.programme, name="programme"),
    path("calls/", views.calls, name="calls"),
    path("calls/new/", views.call_create, name="call-create"),
    path("calls/<int:call_id>/", views.call_detail, name="call-detail"),
    path("calls/<int:call_id>/transition/", views.call_transition, name="call-transition"),
]
