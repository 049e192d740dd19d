from django.urls import path

from dure.partners import views

urlpatterns = [
    path("demands/", views.demands, name="demands"),
    path("demands/<int:demand_id>/", views.demand_detail, name="demand-detail"),
    path("offers/", views.offers, name="offers"),
    path("offers/<int:offer_id>/decide/", views.offer_decide, name="offer-decide"),
    path("consortia/", views.consortia, name="consortia"),
    path("consortia/<int:consortium_id>/", views.consortium_detail, name="consortium-detail"),
]
