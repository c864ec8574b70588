from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("组织名录")

    def ready(self):
        from . import access  # noqa: F401  (registers the policy's rules permissions)
