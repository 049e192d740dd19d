from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "dure.agreements"
    label = "agreements"
