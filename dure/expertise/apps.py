from django.apps import AppConfig


class ExpertiseConfig(AppConfig):
    name = "dure.expertise"
    label = "expertise"
    verbose_name = "Expertise, conflicts and reviewer assignment"
