from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dure.audit"
    label = "audit"
