from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StarfireConfig(AppConfig):
    """The project itself as an app: what composes every app (the home page, the committee
    switcher, the demo data and its `load_demo` command), and the login-throttling records in the
    admin (proxies of django-axes' models, no tables of their own)."""

    default = True  # this module also holds CaptchaConfig
    name = "starfire"
    verbose_name = _("星火评星")

    def ready(self):
        from . import checks  # noqa: F401 — registers the deploy checks


class CaptchaConfig(AppConfig):
    """django-simple-captcha (the objection form's CAPTCHA), installed from here so that Django
    reads its app folder here: its translation catalogue would replace Django's own Chinese for
    "This field is required." on every form, and its one widget template has an untranslated alt
    text. `captcha_widget/templates` holds that template; the code, models and migrations are the
    package's. (Its `captcha_clean` command is not needed: answering a CAPTCHA removes the
    expired challenges.)"""

    name = "captcha"
    label = "captcha"
    verbose_name = _("验证码")
    path = str(Path(__file__).resolve().parent / "captcha_widget")


class RestFrameworkConfig(AppConfig):
    """Django REST framework (the API), installed from here for the same reason as CaptchaConfig:
    its Chinese catalogue would replace Django's own for "This field is required." on every form.
    The API answers JSON only, so none of its templates is needed; its code is the package's."""

    name = "rest_framework"
    label = "rest_framework"
    path = str(Path(__file__).resolve().parent / "rest_framework_app")
