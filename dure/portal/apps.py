from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "dure.portal"
    label = "portal"
