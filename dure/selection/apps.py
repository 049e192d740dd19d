from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "dure.selection"
    label = "selection"
