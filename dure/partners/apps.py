from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "dure.partners"
    label = "partners"
