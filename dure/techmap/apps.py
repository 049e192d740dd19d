from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechmapConfig(AppConfig):
    name = "dure.techmap"
    label = "techmap"
    verbose_name = _("Technology map")
    default_auto_field = "django.db.models.BigAutoField"
