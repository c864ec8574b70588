from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvinceConfig(AppConfig):
    name = "province"
    verbose_name = _("省两新工委")
