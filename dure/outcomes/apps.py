from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "dure.outcomes"
    label = "outcomes"
