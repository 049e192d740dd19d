from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "dure.organisations"
    label = "organisations"
