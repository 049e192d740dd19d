from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dure.api"
    label = "api"
