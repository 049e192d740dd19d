from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "dure.programmes"
    label = "programmes"
