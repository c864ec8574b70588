from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StarfireConfig(AppConfig):
    """The project itself as an app: no models, only what composes every app (the home page, the
    committee switcher, the demo data and its `load_demo` command)."""

    name = "starfire"
    verbose_name = _("星火评星")
