from django.urls import path

from dure.techmap import views

urlpatterns = [
    path("", views.index, name="techmap"),
    path("technology/", views.technology, name="techmap-technology"),
    path("technology/override/", views.override, name="techmap-override"),
    path("overlap/", views.overlap, name="techmap-overlap"),
    path("similar/", views.similar, name="techmap-similar"),
    path("demands/<int:demand_id>/partners/", views.partners, name="techmap-partners"),
    path("demands/<int:demand_id>/consortia/", views.consortia, name="techmap-consortia"),
    path("demands/<int:demand_id>/consortia/accept/", views.accept, name="techmap-accept"),
]
