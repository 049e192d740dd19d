from django.urls import path

from dure.api.api import api

urlpatterns = [path("", api.urls)]
