from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "dure.proposals"
    label = "proposals"
