import plotly
from django.urls import path

from dure.portal import views

urlpatterns = [
    path("", views.portal, name="portal"),
    path("comments/", views.portal_comment, name="portal-comment"),
    path("moderation/", views.moderation, name="portal-moderation"),
    path("moderation/<int:comment_id>/answer/", views.comment_answer, name="portal-comment-answer"),
    path("moderation/<int:comment_id>/hide/", views.comment_hide, name="portal-comment-hide"),
    path("moderation/<int:comment_id>/publish/", views.comment_publish, name="portal-comment-publish"),
    path(f"assets/plotly-{plotly.__version__}.min.js", views.plotly_js, {"version": plotly.__version__},
         name="portal-plotly-js"),
]
